/**
 * Finds a deployment's resources from its CloudFormation outputs, so nobody pastes ARNs.
 *
 * Stacks are named `Streamlake-<Stage>-<Layer>` and tagged `streamlake:architecture`. We list every
 * `Streamlake-<Stage>-*` stack that exists (ListStacks, skipping deleted ones), describe them, and merge their
 * outputs. A missing deployment, a different architecture, or a missing output is a NotDeployedError (exit 3)
 * that names the stage and the output.
 */
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { type OutputName, Outputs } from '../../lib/contracts/outputs';
import { NotDeployedError, UsageError } from './errors';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];
export const ARCHITECTURES = ['lambda', 'kappa'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export const ARCHITECTURE_TAG = 'streamlake:architecture';

export function parseStage(value: string): Stage {
  const v = value.toLowerCase();
  if (!(STAGES as readonly string[]).includes(v))
    throw new UsageError(`unknown stage '${value}': use one of ${STAGES.join(', ')}`);
  return v as Stage;
}

export function parseArchitecture(value: string): Architecture {
  if (!(ARCHITECTURES as readonly string[]).includes(value))
    throw new UsageError(`unknown architecture '${value}': use one of ${ARCHITECTURES.join(', ')}`);
  return value as Architecture;
}

export function stackPrefix(stage: Stage): string {
  return `Streamlake-${stage.charAt(0).toUpperCase()}${stage.slice(1)}-`;
}

/** Every status except the deleted one: a stack mid-update still has its outputs. */
const LIVE_STATUSES: StackStatus[] = [
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
  'UPDATE_IN_PROGRESS',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'CREATE_IN_PROGRESS',
  'REVIEW_IN_PROGRESS',
  'ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_FAILED',
  'ROLLBACK_FAILED',
];

export class Deployment {
  constructor(
    readonly stage: Stage,
    readonly stacks: readonly string[],
    readonly architecture: Architecture | undefined,
    private readonly outputs: ReadonlyMap<string, { value: string; stack: string }>,
  ) {}

  has(name: OutputName): boolean {
    return this.outputs.has(name);
  }

  /** The output's value, or a NotDeployedError naming the stage and the output. */
  get(name: OutputName, why?: string): string {
    const found = this.outputs.get(name);
    if (!found)
      throw new NotDeployedError(
        `stage ${this.stage}: no stack exports the output '${name}'${why ? ` (${why})` : ''}; ` +
          `looked in ${this.stacks.join(', ')}. Deploy the layer that provides it (npx cdk deploy --all -c stage=${this.stage}).`,
      );
    return found.value;
  }
}

export async function resolveDeployment(
  cfn: Pick<CloudFormationClient, 'send'>,
  stage: Stage,
  architecture?: Architecture,
): Promise<Deployment> {
  const prefix = stackPrefix(stage);
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(
      new ListStacksCommand({ StackStatusFilter: LIVE_STATUSES, NextToken: token }),
    );
    for (const s of page.StackSummaries ?? []) if (s.StackName?.startsWith(prefix)) names.push(s.StackName);
    token = page.NextToken;
  } while (token);
  if (names.length === 0)
    throw new NotDeployedError(
      `stage ${stage} is not deployed: no CloudFormation stack named ${prefix}* in this account/region ` +
        `(deploy with npx cdk deploy --all -c stage=${stage}, or pass --stage / --region / --endpoint-url).`,
    );
  names.sort();
  const outputs = new Map<string, { value: string; stack: string }>();
  const architectures = new Set<string>();
  for (const name of names) {
    const described = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    for (const stack of described.Stacks ?? []) {
      for (const tag of stack.Tags ?? [])
        if (tag.Key === ARCHITECTURE_TAG && tag.Value) architectures.add(tag.Value);
      for (const o of stack.Outputs ?? []) {
        if (o.OutputKey && o.OutputValue !== undefined)
          outputs.set(o.OutputKey, { value: o.OutputValue, stack: name });
      }
    }
  }
  const deployed = architectures.size === 1 ? (Array.from(architectures)[0] as Architecture) : undefined;
  if (architecture && architectures.size > 0 && !architectures.has(architecture))
    throw new NotDeployedError(
      `stage ${stage} is deployed with the ${Array.from(architectures).join('/')} architecture, not ${architecture} ` +
        `(stacks: ${names.join(', ')}).`,
    );
  return new Deployment(stage, names, architecture ?? deployed, outputs);
}

export { Outputs };
