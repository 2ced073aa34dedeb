/**
 * The live dashboard of the offline runtime (docs/local.md, "Dashboard"): a sampler over the running pipeline and a
 * small HTTP server on 127.0.0.1 that serves one page and its state. `npm start -- --no-dashboard` turns it off.
 */
import { DashboardSampler, type DashboardSources, type SamplerOptions } from './sampler';
import { startDashboardServer } from './server';
import { type PipelineHandles, pipelineSources } from './sources';

/** The console line that gives the page's address; tests wait for it. */
export const DASHBOARD_LINE_PREFIX = 'dashboard: ';

export interface Dashboard {
  readonly url: string;
  stop(): Promise<void>;
}

/** Samples `sources` and serves the page; `stop` ends both. */
export async function startDashboard(
  sources: DashboardSources,
  options: SamplerOptions = {},
  onStop: () => void = () => undefined,
): Promise<Dashboard> {
  const sampler = new DashboardSampler(sources, options);
  await sampler.start();
  const server = await startDashboardServer((selected) => sampler.state(selected));
  return {
    url: server.url,
    async stop() {
      await sampler.stop();
      await server.close();
      onStop();
    },
  };
}

/**
 * The dashboard of a running pipeline (local/pipeline.ts): prints its address, or why it could not start (the run goes
 * on without it).
 */
export async function startPipelineDashboard(
  h: PipelineHandles,
  print: (line: string) => void,
): Promise<Dashboard | undefined> {
  const { sources, close } = pipelineSources(h);
  try {
    const dashboard = await startDashboard(sources, {}, close);
    print(`${DASHBOARD_LINE_PREFIX}${dashboard.url}`);
    return dashboard;
  } catch (e) {
    close();
    print(`no dashboard: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

export type { PipelineHandles } from './sources';
