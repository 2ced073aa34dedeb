import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type LambdaArchitectureConfig, parseConfig } from '../../lib/config';
import { StreamlakeNagChecks } from '../../lib/constructs/nag';
import { BatchStack } from '../../lib/stacks/batch-stack';
import { MonitoringStack } from '../../lib/stacks/monitoring-stack';
import { StorageStack } from '../../lib/stacks/storage-stack';
import { CDK_JSON_CONTEXT, collectNagViolations, type NagViolation } from '../support/app';

export interface BatchApp {
  readonly app: App;
  readonly batch: BatchStack;
  readonly template: Template;
}

/** Storage + Monitoring + Batch as lib/app.ts wires them for the lambda architecture, without bundling assets. */
export function buildBatch(context: Record<string, unknown> = {}, options: { nag?: boolean } = {}): BatchApp {
  const full = { ...CDK_JSON_CONTEXT, architecture: 'lambda', ...context };
  const app = new App({
    context: { ...full, 'aws:cdk:bundling-stacks': [] },
    outdir: mkdtempSync(join(tmpdir(), 'streamlake-batch-test-')),
  });
  const config = parseConfig(full);
  if (config.architecture !== 'lambda')
    throw new Error('the batch layer exists only in the lambda architecture');
  const storage = new StorageStack(app, { config });
  const monitoring = new MonitoringStack(app, { config });
  const batch = new BatchStack(app, {
    config: config as LambdaArchitectureConfig,
    lake: storage.lake,
    views: storage.views,
    alarmTopic: monitoring.alarms.topic,
  });
  if (options.nag) Validations.of(app).addPlugins(new StreamlakeNagChecks(app));
  return {
    app,
    batch,
    template: options.nag ? (undefined as unknown as Template) : Template.fromStack(batch),
  };
}

/** Unacknowledged cdk-nag findings of the Batch stack. */
export function batchNagViolations(
  context: Record<string, unknown> = {},
  mutate: (batch: BatchStack) => void = () => {},
): NagViolation[] {
  const built = buildBatch(context, { nag: true });
  mutate(built.batch);
  const path = built.batch.node.path;
  return collectNagViolations(built.app).filter((v) => v.path.startsWith(`${path}/`) || v.path === path);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type AslState = Record<string, Json> & { Type: string };
export interface Asl {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

/** The state machine's definition, with every CloudFormation token replaced by `<token>`. */
export function definitionOf(template: Template): Asl {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines);
  const body = machine.Properties.DefinitionString as { 'Fn::Join': [string, (string | object)[]] } | string;
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '<token>')).join('');
  return JSON.parse(text) as Asl;
}

/** Every state of the definition by name, including those inside Map item processors. */
export function allStates(asl: Pick<Asl, 'States'>): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(asl.States)) {
    out[name] = state;
    const processor = state.ItemProcessor as Pick<Asl, 'States'> | undefined;
    if (processor?.States) Object.assign(out, allStates(processor));
  }
  return out;
}

/** `{% expr %}` → `expr`. */
export function jsonataOf(field: Json | undefined): string {
  if (typeof field !== 'string' || !field.startsWith('{%') || !field.endsWith('%}')) {
    throw new Error(`not a JSONata field: ${JSON.stringify(field)}`);
  }
  return field.slice(2, -2).trim();
}

/** The EMR cluster of a Batch definition (shared by batch.test.ts and batch-config.test.ts). */
export type Fleet = {
  InstanceFleetType: string;
  TargetOnDemandCapacity?: number;
  TargetSpotCapacity?: number;
  InstanceTypeConfigs: { InstanceType: string }[];
  LaunchSpecifications: {
    SpotSpecification?: { AllocationStrategy: string };
    OnDemandSpecification?: { AllocationStrategy: string };
  };
};

export const GRAVITON = /^[a-z]+[0-9]+g[a-z]*\.[a-z0-9]+$/;

export function createCluster(asl: Asl): Record<string, unknown> {
  const state = Object.values(allStates(asl)).find((s) =>
    String(s.Resource ?? '').endsWith(':states:::elasticmapreduce:createCluster.sync'),
  );
  if (!state) throw new Error('no createCluster.sync state');
  return state.Parameters as Record<string, unknown>;
}

export function fleets(asl: Asl): Fleet[] {
  return (createCluster(asl).Instances as { InstanceFleets: Fleet[] }).InstanceFleets;
}

export function state(asl: Asl, name: string): AslState {
  const s = allStates(asl)[name];
  if (!s) throw new Error(`no state ${name}`);
  return s;
}
