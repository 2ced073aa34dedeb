/**
 * The deployment, offline: the templates (synthesized, or read from a folder), the emulators (booting meanwhile), and
 * every resource the templates declare, created on them. Everything later phases need to find a resource comes from
 * here, by the stack outputs of lib/contracts/outputs.ts.
 */
import { join } from 'node:path';
import { Outputs } from '../lib/contracts/outputs';
import { type Clients, type Endpoints, makeClients, REGION, REPO_ROOT, startEmulators } from './emulators';
import type { RunConsole } from './logs';
import type { PipelineOptions } from './options';
import type { ProcessRegistry } from './proc';
import { type Provisioned, provision } from './provision';
import { outputTarget, physicalNameFor } from './resources';
import { readTemplates, synthesize } from './synth';
import {
  type EventSourceMappingSpec,
  type FirehoseSpec,
  type LocalInfra,
  type NamedTemplate,
  readInfra,
} from './templates';

export interface Deployment {
  readonly templates: NamedTemplate[];
  readonly infra: LocalInfra;
  readonly ep: Endpoints;
  readonly clients: Clients;
  readonly provisioned: Provisioned;
  readonly streamName: string;
  readonly streamArn: string;
  readonly table: string;
  readonly rawBucket: string;
  readonly curatedBucket: string;
  readonly analyticsBucket: string;
  /** The consumer's event source mapping, when the variant has one. */
  readonly esm?: EventSourceMappingSpec;
  readonly firehose?: FirehoseSpec;
  readonly deadLetterQueueUrl?: string;
  readonly onFailureQueueUrl?: string;
  readonly flinkInTemplates: boolean;
  readonly batchInTemplates: boolean;
}

/** Synthesizes (or reads) the templates while the emulators boot, then creates every resource they declare. */
export async function deploy(
  opts: Pick<PipelineOptions, 'architecture' | 'speedEngine' | 'batchEngine' | 'templatesDir'>,
  workDir: string,
  reg: ProcessRegistry,
  out: RunConsole,
): Promise<Deployment> {
  const booting = startEmulators(reg, workDir);
  booting.catch(() => undefined);
  const templates = opts.templatesDir
    ? readTemplates(opts.templatesDir)
    : synthesize(REPO_ROOT, opts.architecture, join(workDir, 'cdk.out'), opts.speedEngine, opts.batchEngine);
  const infra = readInfra(templates);
  const ep = await booting;
  out.detail(`emulators: kinesis ${ep.kinesis}, dynamodb ${ep.dynamodb}, s3/sqs/ssm (moto) ${ep.moto}`);
  out.phase('synth + emulators', `${templates.length} templates`);

  const clients = makeClients(ep);
  const provisioned = await provision(clients, infra, REGION);
  const esm = infra.eventSourceMappings[0];
  const dlqId = infra.outputs[Outputs.deadLetterQueueUrl];
  const d: Deployment = {
    templates,
    infra,
    ep,
    clients,
    provisioned,
    streamName: physicalNameFor(infra, Outputs.streamName),
    streamArn: provisioned.streamArns[outputTarget(infra, Outputs.streamName)] as string,
    table: physicalNameFor(infra, Outputs.viewTableName),
    rawBucket: physicalNameFor(infra, Outputs.rawBucketName),
    curatedBucket: physicalNameFor(infra, Outputs.curatedBucketName),
    analyticsBucket: physicalNameFor(infra, Outputs.analyticsBucketName),
    esm,
    firehose: infra.firehoses[0],
    deadLetterQueueUrl: dlqId ? provisioned.queueUrls[dlqId] : undefined,
    onFailureQueueUrl: esm?.onFailureQueueLogicalId
      ? provisioned.queueUrls[esm.onFailureQueueLogicalId]
      : undefined,
    flinkInTemplates: (infra.resourceCounts['AWS::KinesisAnalyticsV2::Application'] ?? 0) > 0,
    batchInTemplates:
      (infra.resourceCounts['AWS::StepFunctions::StateMachine'] ?? 0) > 0 ||
      (infra.resourceCounts['AWS::EMR::Cluster'] ?? 0) > 0,
  };
  out.phase(
    'provision',
    `${infra.streams.length} stream(s), ${infra.tables.length} table(s), ${infra.buckets.length} bucket(s), ` +
      `${infra.queues.length} queue(s), ${infra.parameters.length} parameter(s)`,
  );
  return d;
}

/** Finds the function whose template environment names all of `keys` (how the runtime tells the two Lambdas apart). */
export function functionWithEnv(infra: LocalInfra, keys: readonly string[]): string | undefined {
  return Object.entries(infra.functions).find(([, env]) => keys.every((k) => k in env))?.[0];
}
