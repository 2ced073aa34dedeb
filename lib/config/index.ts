import type { App } from 'aws-cdk-lib';
import type { z } from 'zod';
import { isCdkContextKey } from './cdk-context';
import {
  type Architecture,
  type BatchEngine,
  CONFIG_KEYS,
  contextSchema,
  DEFAULTS,
  type ParsedContext,
  type SpeedEngine,
  type Stage,
  type Target,
} from './schema';

export { isCdkContextKey } from './cdk-context';
export * from './schema';

/** Stream capacity, decided once. */
export type StreamCapacity =
  | { readonly mode: 'on-demand' }
  | { readonly mode: 'provisioned'; readonly shardCount: number };

interface CommonConfig {
  readonly stage: Stage;
  readonly target: Target;
  /** true when stateful resources are destroyed with the stack (dev with allowDestroy=true only). */
  readonly destroyData: boolean;
  readonly alarmEmail?: string;
  readonly stream: StreamCapacity;
  readonly streamRetentionHours: number;
  readonly settings: Omit<
    ParsedContext,
    | 'architecture'
    | 'speedEngine'
    | 'batchEngine'
    | 'stage'
    | 'target'
    | 'alarmEmail'
    | 'allowDestroy'
    | 'streamCapacity'
    | 'shardCount'
    | 'streamRetentionHours'
  >;
}

/** How long lake objects stay in each storage class, and when versions and access logs expire (days). */
export interface LakeLifecycle {
  /** Raw objects move to S3 Standard-IA after this many days (S3 requires ≥ 30). */
  readonly rawInfrequentAccessDays: number;
  /** Raw objects move to Glacier Instant Retrieval (still readable by Spark, Athena and replay) after this many days. */
  readonly rawGlacierInstantRetrievalDays: number;
  /** Raw objects move to Glacier Deep Archive (needs a restore before reading) after this many days. */
  readonly rawDeepArchiveDays: number;
  readonly curatedInfrequentAccessDays: number;
  readonly analyticsInfrequentAccessDays: number;
  /** Noncurrent versions (raw, curated and analytics are versioned) are deleted this many days after they are replaced. */
  readonly noncurrentVersionExpirationDays: number;
  /** Server access logs are deleted after this many days. */
  readonly accessLogExpirationDays: number;
}

/** The lake's lifecycle from the config: the Storage stack deploys it and the cost model prices it, from one mapping. */
export function lakeLifecycle(s: CommonConfig['settings']): LakeLifecycle {
  return {
    rawInfrequentAccessDays: s.rawInfrequentAccessDays,
    rawGlacierInstantRetrievalDays: s.rawGlacierInstantRetrievalDays,
    rawDeepArchiveDays: s.rawDeepArchiveDays,
    curatedInfrequentAccessDays: s.curatedInfrequentAccessDays,
    analyticsInfrequentAccessDays: s.analyticsInfrequentAccessDays,
    noncurrentVersionExpirationDays: s.noncurrentVersionExpirationDays,
    accessLogExpirationDays: s.accessLogExpirationDays,
  };
}

/** The lambda architecture: batch + speed + serving. */
export interface LambdaArchitectureConfig extends CommonConfig {
  readonly architecture: 'lambda';
  readonly speedEngine: SpeedEngine;
  readonly batchEngine: BatchEngine;
}

/** The kappa architecture: one streaming path (Flink) + serving, with replay. */
export interface KappaArchitectureConfig extends CommonConfig {
  readonly architecture: 'kappa';
}

export type StreamlakeConfig = LambdaArchitectureConfig | KappaArchitectureConfig;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid streamlake configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the context once and returns the typed config, or throws ConfigError naming each bad key. */
export function parseConfig(context: Record<string, unknown>): StreamlakeConfig {
  const own: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(context)) {
    // Every key is streamlake's or the CDK's: anything else is a mistake (STAGE, alarm-email, stream_capacity…).
    if (isCdkContextKey(key)) continue;
    if (!(CONFIG_KEYS as string[]).includes(key)) {
      const hint = closest(key, CONFIG_KEYS as string[]);
      problems.push(
        `${key}: unknown configuration key${hint ? ` (did you mean '${hint}'?)` : ''}; see docs/configuration.md`,
      );
      continue;
    }
    own[key] = value;
  }
  const parsed = contextSchema.safeParse(own);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => describe(i, own)));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return resolve(parsed.data);
}

/** Reads the app's context (cdk.json + `-c`) and validates it. */
export function loadConfig(app: App): StreamlakeConfig {
  return parseConfig(app.node.getAllContext());
}

function resolve(c: ParsedContext): StreamlakeConfig {
  const {
    architecture,
    speedEngine,
    batchEngine,
    stage,
    target,
    alarmEmail,
    allowDestroy,
    streamCapacity,
    shardCount,
    streamRetentionHours,
    ...settings
  } = c;
  const common: CommonConfig = {
    stage,
    target,
    destroyData: stage === 'dev' && allowDestroy,
    alarmEmail,
    stream: streamCapacity === 'provisioned' ? { mode: 'provisioned', shardCount } : { mode: 'on-demand' },
    streamRetentionHours: streamRetentionHours ?? defaultRetentionHours(architecture),
    settings,
  };
  switch (architecture) {
    case 'lambda':
      return {
        ...common,
        architecture,
        speedEngine: speedEngine ?? (DEFAULTS.speedEngine as SpeedEngine),
        batchEngine: batchEngine ?? (DEFAULTS.batchEngine as BatchEngine),
      };
    case 'kappa':
      return { ...common, architecture };
    default:
      return assertNever(architecture);
  }
}

export function defaultRetentionHours(architecture: Architecture): number {
  switch (architecture) {
    case 'lambda':
      return DEFAULTS.streamRetentionHoursLambda;
    case 'kappa':
      return DEFAULTS.streamRetentionHoursKappa;
    default:
      return assertNever(architecture);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled value: ${JSON.stringify(value)}`);
}

function describe(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  const key = issue.path.join('.') || '(config)';
  const given = input[String(issue.path[0])];
  if (issue.code === 'unrecognized_keys') return `${issue.keys.join(', ')}: unknown configuration key`;
  // Messages written in the schema already quote the value; zod's generic ones get it prepended.
  const message =
    issue.message.startsWith("'") || /^\d/.test(issue.message)
      ? issue.message
      : `${JSON.stringify(given)} is invalid: ${issue.message}`;
  return `${key}: ${message}`;
}

/**
 * The configuration key nearest to a mistyped one. Case, `-` and `_` are ignored first (STAGE, alarm-email and
 * stream_capacity are stage, alarmEmail and streamCapacity), then up to a quarter of the letters may differ.
 */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  const normal = (s: string) => s.toLowerCase().replace(/[-_.\s]/g, '');
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(normal(key), normal(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
