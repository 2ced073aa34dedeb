/** The flags of `npm start` (local/main.ts); docs/local.md lists the same (test/local/cli.test.ts). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_OPTIONS } from './options';
import type { Architecture } from './templates';

export interface CliOptions {
  architecture: Architecture;
  speedEngine?: 'lambda' | 'flink';
  batchEngine?: 'emr' | 'mapreduce';
  windowSeconds?: number;
  records: number;
  seed: number;
  putRate: number;
  templates?: string;
  killFlinkAt?: number;
  keep: boolean;
  skipBatch: boolean;
  keepRunning: boolean;
  json: boolean;
  dashboard: boolean;
}

function int(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** The command line of `npm start` (no side effects: the docs test reads its options). */
export function buildProgram(): Command {
  return new Command('streamlake-local')
    .description('Run streamlake end to end on this machine against emulators (docs/local.md)')
    .addOption(
      new Option('--architecture <a>', 'lambda or kappa').choices(['lambda', 'kappa']).default('lambda'),
    )
    .addOption(
      new Option(
        '--speed-engine <e>',
        'speed layer of the lambda architecture: lambda (consumer) or flink',
      ).choices(['lambda', 'flink']),
    )
    .addOption(
      new Option(
        '--batch-engine <e>',
        "batch engine of the lambda architecture: emr (the Spark job, spark-submit local[2]) or mapreduce (its handlers, much faster); default: the templates'",
      ).choices(['emr', 'mapreduce']),
    )
    .option(
      '--window-seconds <n>',
      "run the event source mapping with this tumbling window instead of the template's (0 = none), for a quicker run",
      int('--window-seconds', 0, 900),
    )
    .option('--records <n>', 'records to produce', int('--records', 100, 1_000_000), DEFAULT_OPTIONS.records)
    .option('--seed <n>', 'workload seed', int('--seed', 0, 2 ** 31 - 1), DEFAULT_OPTIONS.seed)
    .option(
      '--put-rate <n>',
      'PutRecords records per second',
      int('--put-rate', 1, 100_000),
      DEFAULT_OPTIONS.putRatePerSecond,
    )
    .option('--templates <dir>', 'read synthesized templates from this folder instead of synthesizing')
    .option(
      '--kill-flink-at <fraction>',
      'SIGKILL the Flink job after this fraction of records, then restore it',
      Number.parseFloat,
    )
    .option('--skip-batch', 'do not run the batch cycle (faster; the batch checks report NOT RUN)', false)
    .option(
      '--keep',
      'keep the whole work folder (emulator data, checkpoints); by default only logs and reports stay',
      false,
    )
    .option(
      '--keep-running',
      'after the report, keep the runtime up for the CLI (streamlake … --local; .streamlake/local.json) until Ctrl-C or streamlake local down',
      false,
    )
    .option('--json', 'print the report as JSON', false)
    .option('--no-dashboard', 'do not serve the live dashboard (a page on 127.0.0.1, printed at start)');
}
