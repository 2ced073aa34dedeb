/**
 * The security controls docs/security.md marks as fixed, each as a predicate over the synthesized templates of one
 * variant: it returns the resources that break the control (empty = holds). Pure functions over template JSON, so a
 * test can feed them a broken template and see them fail.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name?: unknown } }>;
}
export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}
/** The templates of one variant, and what the variant is (some controls apply to prod only). */
export interface Variant {
  readonly name: string;
  readonly stage: string;
  readonly stacks: readonly StackTemplate[];
}
export interface ControlContext {
  /** `service:Action` names docs/security.md allows on Resource `*` (the `iam-unscoped-exceptions` row). */
  readonly unscopedWriteExceptions: ReadonlySet<string>;
}
export type Control = (variant: Variant, context: ControlContext) => string[];

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function resources(variant: Variant, type?: string): { where: string; id: string; r: CfnResource }[] {
  return variant.stacks.flatMap((s) =>
    Object.entries(s.template.Resources)
      .filter(([, r]) => type === undefined || r.Type === type)
      .map(([id, r]) => ({ where: `${s.stackName}/${id}`, id, r })),
  );
}

/** Export name → exported value, across the variant's stacks (to follow Fn::ImportValue). */
function exportsOf(variant: Variant): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const s of variant.stacks) {
    for (const o of Object.values(s.template.Outputs ?? {})) {
      if (typeof o.Export?.Name === 'string') out.set(o.Export.Name, o.Value);
    }
  }
  return out;
}

/** True when `value` is the lake key's ARN: `Fn::GetAtt [LakeKey…, Arn]` in Storage, or an import of that. */
function isLakeKeyArn(value: unknown, exports: Map<string, unknown>): boolean {
  if (!isRecord(value)) return false;
  const imported = value['Fn::ImportValue'];
  if (typeof imported === 'string') return isLakeKeyArn(exports.get(imported), exports);
  const getAtt = value['Fn::GetAtt'];
  return Array.isArray(getAtt) && /^LakeKey[0-9A-F]{8}$/.test(String(getAtt[0])) && getAtt[1] === 'Arn';
}

const logGroupKms: Control = (variant) => {
  const exports = exportsOf(variant);
  return resources(variant, 'AWS::Logs::LogGroup')
    .filter(({ r }) => !isLakeKeyArn(r.Properties?.KmsKeyId, exports))
    .map(({ where }) => `${where}: not encrypted with the lake key`);
};

const logGroupRetention: Control = (variant) =>
  resources(variant, 'AWS::Logs::LogGroup')
    .filter(({ r }) => typeof r.Properties?.RetentionInDays !== 'number')
    .map(({ where }) => `${where}: no retention`);

const lakeKeyLogsPrincipal: Control = (variant) => {
  const keys = resources(variant, 'AWS::KMS::Key').filter(({ id }) => /^LakeKey[0-9A-F]{8}$/.test(id));
  if (keys.length !== 1) return [`expected one lake key, found ${keys.length}`];
  const statements = asArray((keys[0].r.Properties?.KeyPolicy as Json | undefined)?.Statement as Json[]);
  const ok = statements.some((s) => {
    const service = JSON.stringify((s.Principal as Json | undefined)?.Service ?? '');
    const condition = (s.Condition as Json | undefined)?.ArnLike as Json | undefined;
    return (
      s.Effect === 'Allow' &&
      service.includes('"logs."') &&
      service.includes('.amazonaws.com') &&
      asArray(s.Action as string | string[]).includes('kms:GenerateDataKey*') &&
      condition !== undefined &&
      JSON.stringify(condition['kms:EncryptionContext:aws:logs:arn'] ?? '').includes(':log-group:')
    );
  });
  return ok
    ? []
    : [`${keys[0].where}: no statement lets CloudWatch Logs use the key for this account's log groups`];
};

const lambdaEnvKms: Control = (variant) => {
  const exports = exportsOf(variant);
  return resources(variant, 'AWS::Lambda::Function')
    .filter(
      ({ r }) =>
        Object.keys(((r.Properties?.Environment as Json | undefined)?.Variables as Json) ?? {}).length > 0,
    )
    .filter(({ r }) => !isLakeKeyArn(r.Properties?.KmsKeyArn, exports))
    .map(({ where }) => `${where}: environment not encrypted with the lake key`);
};

/** Functions something invokes asynchronously: EventBridge Scheduler and EventBridge rule targets, S3/SNS permissions. */
function asyncInvoked(variant: Variant): Set<string> {
  const out = new Set<string>();
  const functionId = (arn: unknown): string | undefined => {
    const getAtt = isRecord(arn) ? arn['Fn::GetAtt'] : undefined;
    return Array.isArray(getAtt) && getAtt[1] === 'Arn' ? String(getAtt[0]) : undefined;
  };
  const functions = new Set(resources(variant, 'AWS::Lambda::Function').map(({ id }) => id));
  for (const { r } of resources(variant, 'AWS::Scheduler::Schedule')) {
    const id = functionId((r.Properties?.Target as Json | undefined)?.Arn);
    if (id && functions.has(id)) out.add(id);
  }
  for (const { r } of resources(variant, 'AWS::Events::Rule')) {
    for (const t of asArray(r.Properties?.Targets as Json[])) {
      const id = functionId(t.Arn);
      if (id && functions.has(id)) out.add(id);
    }
  }
  for (const { r } of resources(variant, 'AWS::Lambda::Permission')) {
    const principal = String(r.Properties?.Principal ?? '');
    if (!/^(s3|sns|events|scheduler)\.amazonaws\.com$/.test(principal)) continue;
    const id = functionId(r.Properties?.FunctionName);
    if (id && functions.has(id)) out.add(id);
  }
  return out;
}

const lambdaAsyncOnFailure: Control = (variant) => {
  const withDestination = new Set(
    resources(variant, 'AWS::Lambda::EventInvokeConfig')
      .filter(({ r }) =>
        isRecord(
          ((r.Properties?.DestinationConfig as Json | undefined)?.OnFailure as Json | undefined)?.Destination,
        ),
      )
      .map(({ r }) => String((r.Properties?.FunctionName as Json | undefined)?.Ref)),
  );
  const functions = new Map(resources(variant, 'AWS::Lambda::Function').map((f) => [f.id, f]));
  return [...asyncInvoked(variant)]
    .filter((id) => !withDestination.has(id) && !isRecord(functions.get(id)?.r.Properties?.DeadLetterConfig))
    .map(
      (id) => `${functions.get(id)?.where}: invoked asynchronously without an on-failure destination or DLQ`,
    );
};

const lambdaReservedConcurrency: Control = (variant) => {
  if (variant.stage !== 'prod') return [];
  const api = resources(variant, 'AWS::Lambda::Function').filter(({ id }) =>
    id.startsWith('QueryApiHandlerFunction'),
  );
  if (api.length !== 1) return [`expected one query API function, found ${api.length}`];
  const reserved = api[0].r.Properties?.ReservedConcurrentExecutions;
  return typeof reserved === 'number' && reserved >= 1
    ? []
    : [`${api[0].where}: no reserved concurrency in prod`];
};

const LAKE_ZONES = ['LakeRaw', 'LakeCurated', 'LakeAnalytics'];
const zoneOf = (id: string) => LAKE_ZONES.find((z) => new RegExp(`^${z}[0-9A-F]{8}$`).test(id));

const bucketVersioning: Control = (variant) => {
  const zones = resources(variant, 'AWS::S3::Bucket').filter(({ id }) => zoneOf(id));
  if (zones.length !== LAKE_ZONES.length)
    return [`expected ${LAKE_ZONES.length} lake zones, found ${zones.length}`];
  return zones.flatMap(({ where, r }) => {
    const problems: string[] = [];
    if ((r.Properties?.VersioningConfiguration as Json | undefined)?.Status !== 'Enabled') {
      problems.push(`${where}: not versioned`);
    }
    const rules = asArray(
      ((r.Properties?.LifecycleConfiguration as Json | undefined)?.Rules as Json[]) ?? [],
    );
    if (!rules.some((rule) => rule.Status === 'Enabled' && isRecord(rule.NoncurrentVersionExpiration))) {
      problems.push(`${where}: noncurrent versions never expire`);
    }
    return problems;
  });
};

const bucketAccessLogging: Control = (variant) => {
  const buckets = resources(variant, 'AWS::S3::Bucket');
  const logBucket = buckets.find(({ id }) => /^LakeAccessLogs[0-9A-F]{8}$/.test(id));
  if (!logBucket) return ['no access-log bucket'];
  return buckets
    .filter((b) => b !== logBucket)
    .filter(({ r }) => {
      const dest = (r.Properties?.LoggingConfiguration as Json | undefined)?.DestinationBucketName;
      return !(isRecord(dest) && dest.Ref === logBucket.id);
    })
    .map(({ where }) => `${where}: no server access logging to the access-log bucket`);
};

/** Every identity-policy statement of the variant (resource policies, such as key policies, are not IAM grants). */
function identityStatements(variant: Variant): { where: string; s: Json }[] {
  const out: { where: string; s: Json }[] = [];
  for (const { where, r } of resources(variant)) {
    const docs: unknown[] = [];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      docs.push(r.Properties?.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of asArray(r.Properties?.Policies as Json[])) docs.push(p.PolicyDocument);
    }
    for (const d of docs) {
      for (const s of asArray((d as Json | undefined)?.Statement as Json[])) out.push({ where, s });
    }
  }
  return out;
}

/** Describe*, Get*, List* and friends only read. */
const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List|BatchGet|Query|Scan|Search|Select|View)/;

/** Write actions allowed on Resource `*`, with where they are allowed. */
export function unscopedWrites(variant: Variant): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { where, s } of identityStatements(variant)) {
    if (s.Effect !== 'Allow' || !asArray(s.Resource as unknown[]).includes('*')) continue;
    for (const action of asArray(s.Action as string | string[])) {
      if (READ_ONLY.test(action)) continue;
      out.set(action, [...(out.get(action) ?? []), where]);
    }
  }
  return out;
}

const iamUnscopedWrites: Control = (variant, context) =>
  [...unscopedWrites(variant)]
    .filter(([action]) => !context.unscopedWriteExceptions.has(action))
    .map(([action, where]) => `${where.join(', ')}: allows ${action} on *`);

const EMR_GUARDED = [
  'elasticmapreduce:TerminateJobFlows',
  'elasticmapreduce:AddJobFlowSteps',
  'elasticmapreduce:CancelSteps',
];

const emrClusterActions: Control = (variant) => {
  const batch = variant.stacks.find((s) => s.stackName.endsWith('-Batch'));
  if (!batch) return [];
  const machines = resources({ ...variant, stacks: [batch] }, 'AWS::StepFunctions::StateMachine');
  const definition = JSON.stringify(machines.map(({ r }) => r.Properties?.DefinitionString));
  // Only a batch layer that creates EMR clusters has cluster actions to guard (batchEngine=mapreduce creates none).
  if (!definition.includes('elasticmapreduce:createCluster')) return [];
  const tagged = definition.includes(`\\"Key\\":\\"streamlake:stack\\",\\"Value\\":\\"${batch.stackName}\\"`);
  const deny = identityStatements({ ...variant, stacks: [batch] }).some(({ s }) => {
    const condition = (s.Condition as Json | undefined)?.StringNotEquals as Json | undefined;
    return (
      s.Effect === 'Deny' &&
      EMR_GUARDED.every((a) => asArray(s.Action as string[]).includes(a)) &&
      condition?.['elasticmapreduce:ResourceTag/streamlake:stack'] === batch.stackName
    );
  });
  return [
    ...(tagged
      ? []
      : [`${batch.stackName}: the created cluster is not tagged streamlake:stack=${batch.stackName}`]),
    ...(deny ? [] : [`${batch.stackName}: no Deny of ${EMR_GUARDED.join('/')} on clusters of other stacks`]),
  ];
};

/** The predicate of every control docs/security.md may mark `fixed`, by the control's id. */
export const CONTROLS: Readonly<Record<string, Control>> = {
  'log-group-kms': logGroupKms,
  'log-group-retention': logGroupRetention,
  'lake-key-logs-principal': lakeKeyLogsPrincipal,
  'lambda-env-kms': lambdaEnvKms,
  'lambda-async-on-failure': lambdaAsyncOnFailure,
  'lambda-reserved-concurrency': lambdaReservedConcurrency,
  'bucket-versioning': bucketVersioning,
  'bucket-access-logging': bucketAccessLogging,
  'emr-cluster-actions': emrClusterActions,
  'iam-unscoped-writes': iamUnscopedWrites,
};
