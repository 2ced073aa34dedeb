/**
 * `npm start`: runs the whole pipeline offline (see docs/local.md) and prints a report. Exit 0 when every check passes,
 * 1 when a check disagrees, 2 when a component could not run (missing code or a failure before the checks).
 *
 * Only the options are loaded before the arguments are parsed, so `--help` answers at once; the Python environment
 * (moto, pyspark) is set up only for a run.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { buildProgram, type CliOptions } from './cli';
import { localRuntimeFile, runningRuntime } from './local-file';
import { DEFAULT_OPTIONS, type KeepWorkDir, type LiveRuntime } from './options';
import type { PipelineReport } from './report';

const REPO_ROOT = resolve(__dirname, '..');

async function main(): Promise<number> {
  const program = buildProgram();
  program.parse();
  const o = program.opts<CliOptions>();

  if (o.keepRunning) {
    const file = localRuntimeFile();
    const other = runningRuntime(file);
    if (other !== undefined) {
      process.stderr.write(
        `another offline runtime is up (pid ${other}, ${file}): stop it first with npx streamlake local down\n`,
      );
      return 2;
    }
  }

  process.stdout.write(
    'checking the Python environment (.venv: moto, pyspark; a few minutes when it must be built) …\n',
  );
  const venv = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'python-env.sh')], { encoding: 'utf8' });
  if (venv.status !== 0) {
    process.stderr.write(
      `scripts/python-env.sh failed (exit ${venv.status}):\n${venv.stderr}${venv.stdout}\n`,
    );
    return 2;
  }

  // Node's warnings (for example the AWS SDK's about Node versions) go to the run's log, not the console.
  process.removeAllListeners('warning');
  const [{ runPipeline, formatReport }, { ProcessRegistry }, { keepRunning: keepAlive }] = await Promise.all([
    import('./pipeline'),
    import('./proc'),
    import('./keep-running'),
  ]);
  const registry = new ProcessRegistry();
  const uninstall = registry.installSignalHandlers((sig) =>
    process.stderr.write(`\n${sig}: stopping every process this run started …\n`),
  );
  const keepWorkDir: KeepWorkDir = o.keep ? 'all' : 'logs';
  const print = (report: PipelineReport) =>
    process.stdout.write(`\n${o.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  // --keep-running: the report, then the runtime stays up (local/keep-running.ts) until Ctrl-C or `local down`.
  const keepRunning = o.keepRunning
    ? async (live: LiveRuntime) => {
        print(live.report);
        uninstall();
        await keepAlive(live, () => {
          void registry.stopAll().finally(() => process.exit(130));
        });
      }
    : undefined;
  const report = await runPipeline({
    ...DEFAULT_OPTIONS,
    architecture: o.architecture,
    speedEngine: o.speedEngine,
    batchEngine: o.batchEngine,
    windowSeconds: o.windowSeconds,
    records: o.records,
    seed: o.seed,
    putRatePerSecond: o.putRate,
    templatesDir: o.templates,
    killFlinkAt: o.killFlinkAt,
    keepWorkDir,
    runBatch: !o.skipBatch,
    captureWarnings: true,
    dashboard: o.dashboard,
    registry,
    ...(keepRunning ? { keepRunning } : {}),
  });
  if (!keepRunning) print(report);
  if (report.checks.some((c) => c.status === 'fail')) return 1;
  if (report.checks.some((c) => c.status === 'not-run') || report.settle.some((s) => !s.settled)) return 2;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `streamlake-local failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(2);
  },
);
