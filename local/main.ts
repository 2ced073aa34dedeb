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
import { DEFAULT_OPTIONS, type KeepWorkDir } from './options';

const REPO_ROOT = resolve(__dirname, '..');

async function main(): Promise<number> {
  const program = buildProgram();
  program.parse();
  const o = program.opts<CliOptions>();

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
  const [{ runPipeline, formatReport }, { ProcessRegistry }] = await Promise.all([
    import('./pipeline'),
    import('./proc'),
  ]);
  const registry = new ProcessRegistry();
  registry.installSignalHandlers((sig) =>
    process.stderr.write(`\n${sig}: stopping every process this run started …\n`),
  );
  const keepWorkDir: KeepWorkDir = o.keep ? 'all' : 'logs';
  const report = await runPipeline({
    ...DEFAULT_OPTIONS,
    architecture: o.architecture,
    speedEngine: o.speedEngine,
    windowSeconds: o.windowSeconds,
    records: o.records,
    seed: o.seed,
    putRatePerSecond: o.putRate,
    templatesDir: o.templates,
    killFlinkAt: o.killFlinkAt,
    keepWorkDir,
    runBatch: !o.skipBatch,
    captureWarnings: true,
    registry,
  });
  process.stdout.write(`\n${o.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
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
