import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Stage, StreamlakeConfig } from '../config';

/** The deployable units; each becomes the stack `Streamlake-<Stage>-<Layer>`. */
export type Layer = 'Storage' | 'Ingestion' | 'Batch' | 'Speed' | 'Stream' | 'Serving' | 'Monitoring';

export interface StreamlakeStackProps extends StackProps {
  readonly config: StreamlakeConfig;
}

export function stackName(stage: Stage, layer: Layer): string {
  return `Streamlake-${stage.charAt(0).toUpperCase()}${stage.slice(1)}-${layer}`;
}

/** A stack named and tagged for its stage and layer; prod stacks are termination-protected. */
export abstract class StreamlakeStack extends Stack {
  constructor(scope: Construct, layer: Layer, props: StreamlakeStackProps) {
    super(scope, layer, {
      ...props,
      stackName: stackName(props.config.stage, layer),
      terminationProtection: props.config.stage === 'prod',
      description: `streamlake ${layer.toLowerCase()} layer (${props.config.architecture} architecture, ${props.config.stage})`,
    });
    Tags.of(this).add('streamlake:layer', layer.toLowerCase());
  }
}
