/** Runs the real Flink job (scripts/run-flink-local.sh) and the real Spark job (jobs/spark, local mode, S3A on moto). */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import flinkProperties from '../lib/contracts/flink-properties.json';
import flinkRuntime from '../lib/contracts/flink-runtime.json';
import sparkArgs from '../lib/contracts/spark-args.json';
import { CREDENTIALS, type Endpoints, REGION, REPO_ROOT, sdkEnv, venvBin } from './emulators';
import type { ManagedProcess, ProcessRegistry } from './proc';

export const FLINK_SCRIPT = join(REPO_ROOT, 'scripts', 'run-flink-local.sh');
export const SPARK_ENTRYPOINT = join(REPO_ROOT, sparkArgs.job.entrypoint);
/** hadoop-aws matching the Hadoop 3.3.4 client inside pyspark 3.5.x; it pulls aws-java-sdk-bundle 1.12.262. */
export const HADOOP_AWS_PACKAGE = 'org.apache.hadoop:hadoop-aws:3.3.4';

type FlinkGroups = typeof flinkProperties.groups;
type PropertyValues = { [G in keyof FlinkGroups]?: { [K in keyof FlinkGroups[G]]?: string } };

/**
 * Renders the Flink properties file (`Group.key=value` per line) from lib/contracts/flink-properties.json: every key,
 * its default unless `values` sets it; a required key (default null) without a value is an error.
 */
export function renderFlinkProperties(values: PropertyValues): string {
  const lines: string[] = [];
  for (const [group, keys] of Object.entries(flinkProperties.groups) as [
    string,
    Record<string, { default: string | null }>,
  ][]) {
    for (const [key, spec] of Object.entries(keys)) {
      const given = (values as Record<string, Record<string, string | undefined> | undefined>)[group]?.[key];
      const v = given ?? spec.default;
      if (v === null)
        throw new Error(`Flink property ${group}.${key} is required (lib/contracts/flink-properties.json)`);
      lines.push(`${group}.${key}=${v}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface FlinkRun {
  readonly process: ManagedProcess;
  readonly propertiesFile: string;
}

export function startFlink(
  reg: ProcessRegistry,
  opts: {
    workDir: string;
    propertiesFile: string;
    checkpointDir: string;
    restore: boolean;
    ep: Endpoints;
    logName: string;
    /** Port of the MiniCluster's REST API (the job's --rest-port, lib/contracts/flink-runtime.json). */
    restPort?: number;
  },
): ManagedProcess {
  if (!existsSync(FLINK_SCRIPT))
    throw new Error(`${FLINK_SCRIPT} not found (the Flink helper's local runner)`);
  return reg.start({
    name: 'flink',
    command: 'bash',
    args: [
      FLINK_SCRIPT,
      '--properties',
      opts.propertiesFile,
      '--checkpoint-dir',
      opts.checkpointDir,
      ...(opts.restore ? ['--restore-latest'] : []),
      ...(opts.restPort !== undefined ? [flinkRuntime.localFlags.restPort, String(opts.restPort)] : []),
    ],
    cwd: REPO_ROOT,
    env: { ...process.env, ...sdkEnv(opts.ep) },
    logFile: join(opts.workDir, 'logs', `${opts.logName}.log`),
  });
}

export function writeFlinkProperties(file: string, values: PropertyValues): void {
  writeFileSync(file, renderFlinkProperties(values));
}

export interface SparkRunOptions {
  readonly workDir: string;
  readonly ep: Endpoints;
  readonly day: string;
  readonly rawBucket: string;
  readonly curatedBucket: string;
  readonly analyticsBucket: string;
  readonly viewTable: string;
  /** Layout prefixes inside the buckets (the Firehose prefix's static part, e.g. raw/events). */
  readonly rawRoot: string;
}

/** spark-submit arguments for the daily job in local mode, reading and writing the lake on moto through S3A. */
export function sparkSubmitArgs(o: SparkRunOptions): string[] {
  const conf: Record<string, string> = {
    ...sparkArgs.job.sparkConf,
    'spark.hadoop.fs.s3a.endpoint': o.ep.moto,
    'spark.hadoop.fs.s3a.path.style.access': 'true',
    'spark.hadoop.fs.s3a.connection.ssl.enabled': 'false',
    'spark.hadoop.fs.s3a.access.key': CREDENTIALS.accessKeyId,
    'spark.hadoop.fs.s3a.secret.key': CREDENTIALS.secretAccessKey,
    'spark.hadoop.fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
    'spark.hadoop.fs.s3a.endpoint.region': REGION,
    'spark.hadoop.fs.s3a.change.detection.mode': 'none',
    'spark.sql.shuffle.partitions': '4',
    'spark.ui.enabled': 'false',
    'spark.driver.memory': '2g',
  };
  const jobArgs: Record<string, string> = {
    '--date': o.day,
    '--raw-uri': `s3a://${o.rawBucket}/${o.rawRoot}`,
    '--curated-uri': `s3a://${o.curatedBucket}/curated/events`,
    '--quarantine-uri': `s3a://${o.curatedBucket}/quarantine`,
    '--analytics-uri': `s3a://${o.analyticsBucket}/analytics`,
    '--view-table': o.viewTable,
    '--region': REGION,
    '--dynamodb-endpoint': o.ep.dynamodb,
  };
  for (const k of Object.keys(jobArgs)) {
    if (!(k in sparkArgs.args)) throw new Error(`lib/contracts/spark-args.json has no argument ${k}`);
  }
  return [
    '--master',
    'local[2]',
    '--packages',
    HADOOP_AWS_PACKAGE,
    ...Object.entries(conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]),
    SPARK_ENTRYPOINT,
    ...Object.entries(jobArgs).flat(),
  ];
}

export async function runSpark(reg: ProcessRegistry, o: SparkRunOptions): Promise<number | null> {
  const submit = venvBin('spark-submit');
  if (!existsSync(submit)) throw new Error(`${submit} not found: run \`bash scripts/python-env.sh\``);
  if (!existsSync(SPARK_ENTRYPOINT))
    throw new Error(`${SPARK_ENTRYPOINT} not found (the Spark helper's job)`);
  const p = reg.start({
    name: 'spark',
    command: submit,
    args: sparkSubmitArgs(o),
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...sdkEnv(o.ep),
      // spark-submit's find_spark_home runs `python3` from PATH: it must be the venv's, which has pyspark.
      PATH: `${join(REPO_ROOT, '.venv', 'bin')}:${process.env.PATH ?? ''}`,
      PYSPARK_PYTHON: venvBin('python'),
      PYSPARK_DRIVER_PYTHON: venvBin('python'),
      SPARK_LOCAL_IP: '127.0.0.1',
    },
    logFile: join(o.workDir, 'logs', `spark-${o.day}.log`),
  });
  return p.exit;
}
