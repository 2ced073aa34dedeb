/**
 * The structural inputs of the cost model, from the same sources the stacks use: the validated config (`cdk.json`
 * context + `-c key=value`, through lib/config's parseConfig) and, for what only the templates decide (log retention,
 * alarms, endpoints, EMR fleets…), the inventory of the synthesized templates (cost-inventory.ts). Nothing structural
 * is typed twice: `driftBetween` compares what the config says with what the templates contain, and a test fails on
 * any difference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Architecture,
  ConfigError,
  type LakeLifecycle,
  lakeLifecycle,
  parseConfig,
  type SpeedEngine,
  type StreamlakeConfig,
} from '../../lib/config';
import type { Inventory, StackInventory } from './cost-inventory';
import { UsageError } from './errors';

const CDK_JSON = join(__dirname, '..', '..', 'cdk.json');

/** Batch engines the model can price (see cost-batch.ts). */
export type BatchEngineId = 'emr' | 'mapreduce';

export interface CostInputs {
  readonly config: StreamlakeConfig;
  readonly architecture: Architecture;
  readonly speedEngine: SpeedEngine;
  /** null: the architecture has no batch layer (kappa). */
  readonly batchEngine: BatchEngineId | null;
  readonly stream: {
    readonly mode: 'on-demand' | 'provisioned';
    readonly shardCount: number | null;
    readonly retentionHours: number;
  };
  readonly firehose: { readonly bufferSeconds: number; readonly bufferMiB: number };
  readonly consumer: {
    readonly batchSize: number;
    readonly batchingWindowSeconds: number;
    readonly parallelizationFactor: number;
    readonly tumblingWindowSeconds: number;
    readonly memoryMiB: number;
    readonly speedRowTtlDays: number;
  };
  readonly flink: {
    readonly parallelism: number;
    readonly parallelismPerKpu: number;
    readonly outOfOrdernessSeconds: number;
    readonly allowedLatenessSeconds: number;
    readonly dedupeHorizonMinutes: number;
  };
  readonly emr: { readonly coreInstances: number; readonly taskSpotMaxUnits: number };
  readonly lifecycle: LakeLifecycle;
  readonly egress: 'nat' | 'endpoints';
  /** The inventories of the stacks this config deploys, by key (see stackKeys). */
  readonly stacks: Readonly<Record<string, StackInventory>>;
}

/** The context `cdk synth` would use: cdk.json's, then each `key=value` override, as `-c` gives them. */
export function costConfig(overrides: readonly string[] = [], cdkJson = CDK_JSON): StreamlakeConfig {
  const context: Record<string, unknown> = {
    ...(JSON.parse(readFileSync(cdkJson, 'utf8')) as { context: Record<string, unknown> }).context,
  };
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq < 1) throw new UsageError(`--context ${o}: give key=value, as with cdk's -c`);
    context[o.slice(0, eq)] = o.slice(eq + 1);
  }
  try {
    const config = parseConfig(context);
    if (config.target !== 'aws')
      throw new UsageError(`target=${config.target}: cost prices an AWS deployment (target=aws)`);
    return config;
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message.replace(/\n\s*/g, ' '));
    throw e;
  }
}

/**
 * The inventory keys of the stacks a config deploys, as lib/app.ts composes them: the stateful and monitoring stacks
 * always (the stream's retention depends on the architecture), then per architecture. A second batch engine adds its
 * own Batch@<engine>-<egress> key here.
 */
export function stackKeys(config: StreamlakeConfig): string[] {
  const common = ['Storage', 'Monitoring', `Ingestion@${config.architecture}`];
  switch (config.architecture) {
    case 'lambda':
      return [
        ...common,
        // The MapReduce engine has no VPC, so egress does not change its stack.
        config.batchEngine === 'mapreduce' ? 'Batch@mapreduce' : `Batch@${config.settings.egress}`,
        `Speed@${config.speedEngine}`,
        'Serving@lambda',
      ];
    case 'kappa':
      return [...common, 'Stream@flink', 'Serving@kappa'];
  }
}

export function inputsFromConfig(config: StreamlakeConfig, inventory: Inventory): CostInputs {
  const s = config.settings;
  const stacks: Record<string, StackInventory> = {};
  for (const key of stackKeys(config)) {
    const stack = inventory.stacks[key];
    if (!stack)
      throw new Error(
        `cost inventory has no stack '${key}': regenerate cli/lib/cost-inventory.json (see test/cli/cost-drift.test.ts)`,
      );
    stacks[key] = stack;
  }
  return {
    config,
    architecture: config.architecture,
    speedEngine: config.architecture === 'lambda' ? config.speedEngine : 'flink',
    batchEngine: config.architecture === 'lambda' ? config.batchEngine : null,
    stream: {
      mode: config.stream.mode,
      shardCount: config.stream.mode === 'provisioned' ? config.stream.shardCount : null,
      retentionHours: config.streamRetentionHours,
    },
    firehose: { bufferSeconds: s.firehoseBufferSeconds, bufferMiB: s.firehoseBufferMiB },
    consumer: {
      batchSize: s.consumerBatchSize,
      batchingWindowSeconds: s.consumerBatchingWindowSeconds,
      parallelizationFactor: s.consumerParallelizationFactor,
      tumblingWindowSeconds: s.consumerTumblingWindowSeconds,
      memoryMiB: s.consumerMemoryMiB,
      speedRowTtlDays: s.speedRowTtlDays,
    },
    flink: {
      parallelism: s.flinkParallelism,
      parallelismPerKpu: s.flinkParallelismPerKpu,
      outOfOrdernessSeconds: s.flinkOutOfOrdernessSeconds,
      allowedLatenessSeconds: s.flinkAllowedLatenessMinutes * 60,
      dedupeHorizonMinutes: s.flinkDedupeHorizonMinutes,
    },
    emr: { coreInstances: s.emrCoreInstances, taskSpotMaxUnits: s.emrTaskSpotMaxUnits },
    lifecycle: lakeLifecycle(s),
    egress: s.egress,
    stacks,
  };
}

/** Everything of a kind across the deployed stacks. */
export function all<K extends keyof StackInventory>(
  inputs: Pick<CostInputs, 'stacks'>,
  kind: K,
): StackInventory[K] extends readonly (infer T)[] ? T[] : never {
  return Object.values(inputs.stacks).flatMap((s) => s[kind] as unknown as unknown[]) as never;
}

export function count(
  inputs: Pick<CostInputs, 'stacks'>,
  kind: 'alarms' | 'alarmMetrics' | 'dashboards' | 'kmsKeys' | 'kmsKeysRotated' | 'natGateways',
): number {
  return Object.values(inputs.stacks).reduce((n, s) => n + s[kind], 0);
}

/** The lake's buckets by role; their logical IDs are stable by design (stateful resources never change ID). */
export function lakeBucket(
  inputs: Pick<CostInputs, 'stacks'>,
  role: 'Raw' | 'Curated' | 'Analytics' | 'AccessLogs',
) {
  const b = all(inputs, 'buckets').find((x) => x.id.startsWith(`Lake${role}`));
  if (!b) throw new Error(`the templates have no Lake${role} bucket`);
  return b;
}

/**
 * Where the config and the templates disagree about an input the model reads from the config. Empty when the stacks
 * deploy what the config says; each entry names the input, the config's value and the template's.
 */
export function driftBetween(inputs: CostInputs): string[] {
  const out: string[] = [];
  const same = (what: string, fromConfig: unknown, fromTemplate: unknown) => {
    if (JSON.stringify(fromConfig) !== JSON.stringify(fromTemplate))
      out.push(`${what}: config ${JSON.stringify(fromConfig)}, template ${JSON.stringify(fromTemplate)}`);
  };
  const [stream] = all(inputs, 'streams');
  same('stream mode', inputs.stream.mode === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED', stream?.mode);
  same('stream shards', inputs.stream.shardCount, stream?.shardCount ?? null);
  same('stream retention hours', inputs.stream.retentionHours, stream?.retentionHours);
  const [archive] = all(inputs, 'deliveryStreams');
  same('Firehose buffer', inputs.firehose, {
    bufferSeconds: archive?.bufferSeconds,
    bufferMiB: archive?.bufferMiB,
  });
  if (inputs.speedEngine === 'lambda') {
    const { memoryMiB, speedRowTtlDays: _ttl, ...esm } = inputs.consumer;
    same('consumer event source mapping', esm, all(inputs, 'eventSourceMappings')[0]);
    same(
      'consumer memory',
      memoryMiB,
      all(inputs, 'functions').find((f) => f.role === 'stream-consumer')?.memoryMiB,
    );
  } else {
    const [app] = all(inputs, 'flinkApps');
    same(
      'Flink parallelism',
      [inputs.flink.parallelism, inputs.flink.parallelismPerKpu],
      [app?.parallelism, app?.parallelismPerKpu],
    );
  }
  if (inputs.batchEngine === 'emr') {
    const emr = all(inputs, 'stateMachines').find((m) => m.emr)?.emr;
    same('EMR core units', inputs.emr.coreInstances, emr?.core.onDemandUnits);
    same('EMR maximum units', inputs.emr.coreInstances + inputs.emr.taskSpotMaxUnits, emr?.maxUnits);
    same('EMR task fleet', inputs.emr.taskSpotMaxUnits > 0, emr?.task !== null && emr?.task !== undefined);
  }
  if (inputs.batchEngine === 'mapreduce') {
    const machines = all(inputs, 'stateMachines');
    // Map, round-1 reduce, round-2 reduce; and no cluster.
    same(
      'MapReduce distributed maps',
      3,
      machines.reduce((n, m) => n + m.distributedMaps, 0),
    );
    same('MapReduce EMR clusters', 0, machines.filter((m) => m.emr).length);
  }
  const lc = inputs.lifecycle;
  const days = (role: 'Raw' | 'Curated' | 'Analytics') =>
    lakeBucket(inputs, role)
      .rules.filter((r) => r.prefix === null)
      .flatMap((r) => r.transitions);
  same(
    'raw lifecycle',
    [
      { storageClass: 'STANDARD_IA', days: lc.rawInfrequentAccessDays },
      { storageClass: 'GLACIER_IR', days: lc.rawGlacierInstantRetrievalDays },
      { storageClass: 'DEEP_ARCHIVE', days: lc.rawDeepArchiveDays },
    ],
    days('Raw'),
  );
  same(
    'curated lifecycle',
    [{ storageClass: 'STANDARD_IA', days: lc.curatedInfrequentAccessDays }],
    days('Curated'),
  );
  same(
    'analytics lifecycle',
    [{ storageClass: 'STANDARD_IA', days: lc.analyticsInfrequentAccessDays }],
    days('Analytics'),
  );
  same(
    'raw noncurrent expiration',
    lc.noncurrentVersionExpirationDays,
    lakeBucket(inputs, 'Raw').rules.find((r) => r.noncurrentExpirationDays !== null)
      ?.noncurrentExpirationDays,
  );
  same(
    'access-log expiration',
    lc.accessLogExpirationDays,
    lakeBucket(inputs, 'AccessLogs').rules.find((r) => r.expirationDays !== null)?.expirationDays,
  );
  return out;
}
