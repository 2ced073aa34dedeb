package dev.streamlake.flink;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.flink.client.deployment.executors.LocalExecutor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The MiniCluster of a local run, with its REST endpoint (the one the Flink web UI and `flink` CLI talk to: job
 * overview, vertices, metrics, checkpoints) bound to 127.0.0.1 only. Flink's local environment starts the same
 * MiniCluster but does not say where its endpoint is; this one keeps a handle on the cluster so the bound address
 * can be printed. Managed Flink runs the job in its own cluster and never uses this class.
 */
final class LocalCluster {
  private final AtomicReference<MiniCluster> cluster = new AtomicReference<>();

  /** A local environment whose MiniCluster's REST endpoint listens on 127.0.0.1:{@code restPort} (0 = a free port). */
  StreamExecutionEnvironment environment(Configuration base, int restPort) {
    Configuration conf = new Configuration(base);
    conf.set(DeploymentOptions.TARGET, LocalExecutor.NAME);
    conf.set(DeploymentOptions.ATTACHED, true);
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(RestOptions.BIND_PORT, Integer.toString(restPort));
    PipelineExecutorServiceLoader executors =
        new PipelineExecutorServiceLoader() {
          @Override
          public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
            return new PipelineExecutorFactory() {
              @Override
              public String getName() {
                return LocalExecutor.NAME;
              }

              @Override
              public boolean isCompatibleWith(Configuration c) {
                return true;
              }

              @Override
              public LocalExecutor getExecutor(Configuration c) {
                return LocalExecutor.createWithFactory(
                    c,
                    miniClusterConfiguration -> {
                      MiniCluster mini = new MiniCluster(miniClusterConfiguration);
                      cluster.set(mini);
                      return mini;
                    });
              }
            };
          }

          @Override
          public Stream<String> getExecutorNames() {
            return Stream.of(LocalExecutor.NAME);
          }
        };
    return new StreamExecutionEnvironment(executors, conf, LocalCluster.class.getClassLoader());
  }

  /** The REST endpoint's base URL (http://127.0.0.1:port), once the job has been submitted. */
  URI restAddress() throws Exception {
    MiniCluster mini = cluster.get();
    if (mini == null) {
      throw new IllegalStateException("no MiniCluster yet: submit the job first");
    }
    return mini.getRestAddress().get(60, TimeUnit.SECONDS);
  }
}
