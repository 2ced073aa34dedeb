/**
 * `npm start`: runs the whole pipeline offline (see docs/local.md) and prints a report. Exit 0 when every check passes,
 * 1 when a check disagrees, 2 when a component could not run (missing code or a failure before the checks).
 */
import { Command, Option } from 'commander';
import { DEFAULT_OPTIONS, formatReport, runPipeline } from './pipeline';
import { ProcessRegistry } from './proc';
import type { Architecture } from './templates';

async function main(): Promise<number> {
  const program = new Command('streamlake-local')
    .description('Run streamlake end to end on this machine against emulators')
    .addOption(
      new Option('--architecture <a>', 'lambda or kappa').choices(['lambda', 'kappa']).default('lambda'),
    )
    .addOption(
      new Option(
        '--speed-engine <e>',
        'speed layer of the lambda architecture: lambda (consumer) or flink',
      ).choices(['lambda', 'flink']),
    )
    .option('--records <n>', 'records to produce', (v) => Number.parseInt(v, 10), DEFAULT_OPTIONS.records)
    .option('--seed <n>', 'workload seed', (v) => Number.parseInt(v, 10), DEFAULT_OPTIONS.seed)
    .option(
      '--put-rate <n>',
      'PutRecords records per second',
      (v) => Number.parseInt(v, 10),
      DEFAULT_OPTIONS.putRatePerSecond,
    )
    .option('--templates <dir>', 'read synthesized templates from this folder instead of synthesizing')
    .option(
      '--kill-flink-at <fraction>',
      'SIGKILL the Flink job after this fraction of records, then restore it',
      Number.parseFloat,
    )
    .option('--skip-batch', 'do not run the Spark job (faster; the batch checks report NOT RUN)', false)
    .option('--keep', 'keep the work folder (emulator data, logs) after the run', false)
    .option('--json', 'print the report as JSON', false);
  program.parse();
  const o = program.opts<{
    architecture: Architecture;
    speedEngine?: 'lambda' | 'flink';
    records: number;
    seed: number;
    putRate: number;
    templates?: string;
    killFlinkAt?: number;
    keep: boolean;
    skipBatch: boolean;
    json: boolean;
  }>();
  const registry = new ProcessRegistry();
  registry.installSignalHandlers((sig) =>
    process.stderr.write(`\n${sig}: stopping every process this run started …\n`),
  );
  const report = await runPipeline({
    ...DEFAULT_OPTIONS,
    architecture: o.architecture,
    speedEngine: o.speedEngine,
    records: o.records,
    seed: o.seed,
    putRatePerSecond: o.putRate,
    templatesDir: o.templates,
    killFlinkAt: o.killFlinkAt,
    keepWorkDir: o.keep,
    runBatch: !o.skipBatch,
    registry,
  });
  process.stdout.write(`\n${o.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  if (report.checks.some((c) => c.status === 'fail')) return 1;
  if (report.checks.some((c) => c.status === 'not-run')) return 2;
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
