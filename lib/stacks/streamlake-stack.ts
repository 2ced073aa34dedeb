import { type CfnElement, Names, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { Construct, type IConstruct, RootConstruct } from 'constructs';
import type { Stage, StreamlakeConfig } from '../config';

/** The deployable units; each becomes the stack `Streamlake-<Stage>-<Layer>`. */
export type Layer = 'Storage' | 'Ingestion' | 'Batch' | 'Speed' | 'Stream' | 'Serving' | 'Monitoring';

export interface StreamlakeStackProps extends StackProps {
  readonly config: StreamlakeConfig;
}

export function stackName(stage: Stage, layer: Layer): string {
  return `Streamlake-${stage.charAt(0).toUpperCase()}${stage.slice(1)}-${layer}`;
}

/**
 * A stack named and tagged for its stage and layer; prod stacks are termination-protected.
 *
 * The construct ID is the stack name, because the cdk CLI selects stacks by construct path, not by CloudFormation
 * name: `npx cdk deploy Streamlake-Dev-Storage` works, and `cdk ls` prints the names the CLI, the runbook and the
 * console use.
 */
export abstract class StreamlakeStack extends Stack {
  readonly layer: Layer;

  constructor(scope: Construct, layer: Layer, props: StreamlakeStackProps) {
    const name = stackName(props.config.stage, layer);
    super(scope, name, {
      ...props,
      stackName: name,
      terminationProtection: props.config.stage === 'prod',
      description: `streamlake ${layer.toLowerCase()} layer (${props.config.architecture} architecture, ${props.config.stage})`,
    });
    this.layer = layer;
    Tags.of(this).add('streamlake:layer', layer.toLowerCase());
  }

  /**
   * Logical IDs as they were when stacks had their layer as construct ID. A few construct IDs embed another stack's
   * construct path (a Kinesis event source mapping is named after its stream, a security-group rule after its peer
   * group); with the stack name in those paths their logical IDs would change, and CloudFormation would replace the
   * mapping (a new one re-reads the stream from TRIM_HORIZON) and fail to re-create the rule (it already exists).
   */
  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes;
    const components = scopes.slice(scopes.indexOf(this) + 1).map((s) => s.node.id);
    const legacy = components.map((c) => legacyComponent(c, this.node.root));
    if (legacy.every((c, i) => c === components[i])) return super.allocateLogicalId(element);
    return uniqueIdForPath(legacy);
  }
}

/** `Names.nodeUniqueId` of a construct at this path below a root: the function that makes logical IDs. */
function uniqueIdForPath(path: readonly string[]): string {
  let node: Construct = new RootConstruct();
  for (const id of path) node = new Construct(node, id);
  return Names.nodeUniqueId(node.node);
}

/** Replaces every unique ID of a construct in a StreamlakeStack inside `id` by the one it had under its layer's ID. */
function legacyComponent(id: string, root: IConstruct): string {
  let result = id;
  for (const stack of root.node.children) {
    if (!(stack instanceof StreamlakeStack)) continue;
    const human = stack.node.id.replace(/[^A-Za-z0-9]/g, '');
    if (!result.includes(human)) continue;
    for (const node of stack.node.findAll()) {
      if (node === stack) continue;
      const current = Names.nodeUniqueId(node.node);
      if (!result.includes(current)) continue;
      const below = node.node.scopes.slice(node.node.scopes.indexOf(stack) + 1).map((s) => s.node.id);
      result = result.replaceAll(current, uniqueIdForPath([stack.layer, ...below]));
    }
    if (result.includes(human))
      throw new Error(
        `construct ID '${id}' embeds a path in ${stack.node.id} that keeps no logical ID from before stacks were named after themselves`,
      );
  }
  return result;
}
