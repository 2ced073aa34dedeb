import { z } from 'zod';
import planning from '../contracts/batch-planning.json';

/**
 * The one schema of streamlake's configuration. CDK context (cdk.json defaults + `-c key=value`) is read here and nowhere
 * else; stacks and constructs receive the typed {@link StreamlakeConfig}.
 *
 * Context values given with `-c` arrive as strings, values from cdk.json as JSON: every field accepts both.
 */

export const ARCHITECTURES = ['lambda', 'kappa'] as const;
export const SPEED_ENGINES = ['lambda', 'flink'] as const;
export const BATCH_ENGINES = ['emr', 'mapreduce'] as const;
export const STAGES = ['dev', 'prod'] as const;
export const TARGETS = ['aws', 'localstack'] as const;
export const STREAM_CAPACITIES = ['on-demand', 'provisioned'] as const;
export const EGRESS_MODES = ['nat', 'endpoints'] as const;

export type Architecture = (typeof ARCHITECTURES)[number];
export type SpeedEngine = (typeof SPEED_ENGINES)[number];
export type BatchEngine = (typeof BATCH_ENGINES)[number];
export type Stage = (typeof STAGES)[number];
export type Target = (typeof TARGETS)[number];

/** Named defaults, applied by the schema. `docs/configuration.md` lists them; a test keeps the two in step. */
export const DEFAULTS = {
  architecture: 'lambda',
  speedEngine: 'lambda',
  batchEngine: 'emr',
  stage: 'dev',
  target: 'aws',
  allowDestroy: false,
  streamCapacity: 'on-demand',
  shardCount: 2,
  streamRetentionHoursLambda: 24,
  streamRetentionHoursKappa: 168,
  rawInfrequentAccessDays: 30,
  rawGlacierInstantRetrievalDays: 90,
  rawDeepArchiveDays: 365,
  curatedInfrequentAccessDays: 60,
  analyticsInfrequentAccessDays: 90,
  noncurrentVersionExpirationDays: 30,
  accessLogExpirationDays: 365,
  firehoseBufferSeconds: 60,
  firehoseBufferMiB: 64,
  consumerBatchSize: 1000,
  consumerBatchingWindowSeconds: 5,
  consumerParallelizationFactor: 1,
  consumerMaxRetries: 10,
  consumerMaxRecordAgeHours: 6,
  consumerMemoryMiB: 512,
  consumerTumblingWindowSeconds: 120,
  speedRowTtlDays: 3,
  flinkParallelism: 2,
  flinkParallelismPerKpu: 1,
  flinkOutOfOrdernessSeconds: 5,
  flinkAllowedLatenessMinutes: 10,
  flinkDedupeHorizonMinutes: 60,
  flinkViewVersion: 1,
  batchScheduleHour: 1,
  batchTimeZone: 'UTC',
  batchDeadlineHour: 6,
  batchLateDataLookbackDays: 3,
  emrCoreInstances: 2,
  emrTaskSpotMaxUnits: 8,
  emrIdleTimeoutMinutes: 30,
  egress: 'endpoints',
  servingMaxRangeDays: 31,
} as const;

const MAX_RETENTION_HOURS = 8760;

/** `-c flag=true` arrives as the string 'true'. */
const bool = z.preprocess(
  (v) => (v === 'true' ? true : v === 'false' ? false : v),
  z.boolean({ error: (i) => `'${String(i.input)}' is not one of true, false` }),
);

/** Integers given on the command line arrive as strings; '' and '1.5' are rejected, not coerced to 0 or 1. */
const int = (min: number, max: number) => {
  const error = (i: { input?: unknown }) =>
    `'${String(i.input)}' is not a whole number from ${min} to ${max}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
    z.number({ error }).int({ error }).min(min, { error }).max(max, { error }),
  );
};

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => `'${String(issue.input)}' is not one of ${values.join(', ')}` });

/** Everything a user may set. Keys missing here are defaulted; keys not listed here are an error (see loadConfig). */
export const contextSchema = z
  .object({
    architecture: oneOf(ARCHITECTURES).default(DEFAULTS.architecture),
    speedEngine: oneOf(SPEED_ENGINES).optional(),
    batchEngine: oneOf(BATCH_ENGINES).optional(),
    stage: oneOf(STAGES).default(DEFAULTS.stage),
    target: oneOf(TARGETS).default(DEFAULTS.target),
    allowDestroy: bool.default(DEFAULTS.allowDestroy),
    alarmEmail: z.email({ error: (i) => `'${String(i.input)}' is not an e-mail address` }).optional(),
    streamCapacity: oneOf(STREAM_CAPACITIES).default(DEFAULTS.streamCapacity),
    shardCount: int(1, 500).default(DEFAULTS.shardCount),
    streamRetentionHours: int(24, MAX_RETENTION_HOURS).optional(),
    rawInfrequentAccessDays: int(30, 3650).default(DEFAULTS.rawInfrequentAccessDays),
    rawGlacierInstantRetrievalDays: int(31, 3650).default(DEFAULTS.rawGlacierInstantRetrievalDays),
    rawDeepArchiveDays: int(91, 36500).default(DEFAULTS.rawDeepArchiveDays),
    curatedInfrequentAccessDays: int(30, 3650).default(DEFAULTS.curatedInfrequentAccessDays),
    analyticsInfrequentAccessDays: int(30, 3650).default(DEFAULTS.analyticsInfrequentAccessDays),
    noncurrentVersionExpirationDays: int(1, 3650).default(DEFAULTS.noncurrentVersionExpirationDays),
    accessLogExpirationDays: int(1, 3650).default(DEFAULTS.accessLogExpirationDays),
    firehoseBufferSeconds: int(0, 900).default(DEFAULTS.firehoseBufferSeconds),
    firehoseBufferMiB: int(64, 128).default(DEFAULTS.firehoseBufferMiB),
    consumerBatchSize: int(1, 10000).default(DEFAULTS.consumerBatchSize),
    consumerBatchingWindowSeconds: int(0, 300).default(DEFAULTS.consumerBatchingWindowSeconds),
    consumerParallelizationFactor: int(1, 10).default(DEFAULTS.consumerParallelizationFactor),
    consumerMaxRetries: int(0, 10000).default(DEFAULTS.consumerMaxRetries),
    consumerMaxRecordAgeHours: int(1, 168).default(DEFAULTS.consumerMaxRecordAgeHours),
    consumerMemoryMiB: int(128, 10240).default(DEFAULTS.consumerMemoryMiB),
    consumerTumblingWindowSeconds: int(0, 900).default(DEFAULTS.consumerTumblingWindowSeconds),
    speedRowTtlDays: int(1, 365).default(DEFAULTS.speedRowTtlDays),
    flinkParallelism: int(1, 256).default(DEFAULTS.flinkParallelism),
    flinkParallelismPerKpu: int(1, 8).default(DEFAULTS.flinkParallelismPerKpu),
    flinkOutOfOrdernessSeconds: int(0, 3600).default(DEFAULTS.flinkOutOfOrdernessSeconds),
    flinkAllowedLatenessMinutes: int(0, 1440).default(DEFAULTS.flinkAllowedLatenessMinutes),
    flinkDedupeHorizonMinutes: int(1, 10080).default(DEFAULTS.flinkDedupeHorizonMinutes),
    flinkViewVersion: int(1, 1000000).default(DEFAULTS.flinkViewVersion),
    batchScheduleHour: int(0, 23).default(DEFAULTS.batchScheduleHour),
    batchTimeZone: z
      .string()
      .refine((tz) => isTimeZone(tz), { error: (i) => `'${String(i.input)}' is not an IANA time zone` })
      .default(DEFAULTS.batchTimeZone),
    batchDeadlineHour: int(0, 23).default(DEFAULTS.batchDeadlineHour),
    batchLateDataLookbackDays: int(0, planning.limits.maxLookbackDays).default(
      DEFAULTS.batchLateDataLookbackDays,
    ),
    emrCoreInstances: int(1, 50).default(DEFAULTS.emrCoreInstances),
    emrTaskSpotMaxUnits: int(0, 500).default(DEFAULTS.emrTaskSpotMaxUnits),
    emrIdleTimeoutMinutes: int(5, 1440).default(DEFAULTS.emrIdleTimeoutMinutes),
    egress: oneOf(EGRESS_MODES).default(DEFAULTS.egress),
    servingMaxRangeDays: int(1, 366).default(DEFAULTS.servingMaxRangeDays),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.stage === 'prod' && c.allowDestroy) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowDestroy'],
        message:
          "'true' is not allowed with stage prod: prod retains every stateful resource (omit allowDestroy, or use stage dev)",
      });
    }
    if (c.architecture === 'kappa' && c.speedEngine === 'lambda') {
      ctx.addIssue({
        code: 'custom',
        path: ['speedEngine'],
        message:
          "'lambda' is not allowed with architecture kappa: kappa always uses flink (omit speedEngine)",
      });
    }
    if (c.architecture === 'kappa' && c.batchEngine === 'mapreduce') {
      ctx.addIssue({
        code: 'custom',
        path: ['batchEngine'],
        message:
          "'mapreduce' is not allowed with architecture kappa: kappa has no batch layer (batchEngine emr or mapreduce applies to architecture lambda only; omit it)",
      });
    }
    if (c.rawGlacierInstantRetrievalDays <= c.rawInfrequentAccessDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['rawGlacierInstantRetrievalDays'],
        message: `${c.rawGlacierInstantRetrievalDays} must be greater than rawInfrequentAccessDays (${c.rawInfrequentAccessDays})`,
      });
    }
    if (c.rawDeepArchiveDays < c.rawGlacierInstantRetrievalDays + 90) {
      ctx.addIssue({
        code: 'custom',
        path: ['rawDeepArchiveDays'],
        message: `${c.rawDeepArchiveDays} must be at least 90 days after rawGlacierInstantRetrievalDays (${c.rawGlacierInstantRetrievalDays}): S3 charges Glacier Instant Retrieval for 90 days minimum`,
      });
    }
    if (c.batchDeadlineHour <= c.batchScheduleHour) {
      ctx.addIssue({
        code: 'custom',
        path: ['batchDeadlineHour'],
        message: `${c.batchDeadlineHour} must be later than batchScheduleHour (${c.batchScheduleHour})`,
      });
    }
  });

export type ContextInput = z.input<typeof contextSchema>;
export type ParsedContext = z.output<typeof contextSchema>;

export const CONFIG_KEYS = Object.keys(contextSchema.shape) as (keyof ParsedContext)[];

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
