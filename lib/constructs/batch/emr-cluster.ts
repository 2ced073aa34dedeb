/**
 * The transient EMR cluster's shape, shared by the state machine that creates it (spark-batch-job.ts): release,
 * instance fleets and the tag that scopes what the state machine may do to clusters.
 */
import { Duration } from 'aws-cdk-lib';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';

/** EMR 7.13.0 ships Spark 3.5.6, the version the job is tested with locally (docs/reference.md). */
export const EMR_RELEASE_LABEL = 'emr-7.13.0';

/**
 * Graviton instance types, all weighted 1 unit so capacity units = instances. Primary and core are on-demand (HDFS
 * and the driver must not be reclaimed); task nodes are Spot from several families so capacity-optimized allocation
 * has pools to choose from.
 */
export const EMR_INSTANCE_TYPES = {
  primary: ['m7g.xlarge', 'm6g.xlarge', 'r7g.xlarge'],
  core: ['m7g.2xlarge', 'm6g.2xlarge', 'r7g.2xlarge'],
  task: ['m7g.2xlarge', 'm6g.2xlarge', 'r7g.2xlarge', 'r6g.2xlarge', 'c7g.2xlarge'],
} as const;

/** How long EMR waits for Spot task capacity before falling back (within the managed-scaling on-demand cap). */
const SPOT_TIMEOUT = Duration.minutes(10);

/** Tag every cluster carries with the name of the stack whose state machine created it. */
export const CLUSTER_OWNER_TAG = 'streamlake:stack';

/** The cluster's instance fleets: on-demand primary and core, and a Spot task fleet when `taskSpotMaxUnits` > 0. */
export function instanceFleets(props: {
  readonly coreInstances: number;
  readonly taskSpotMaxUnits: number;
}): tasks.EmrCreateCluster.InstanceFleetConfigProperty[] {
  const onDemand = {
    onDemandSpecification: {
      allocationStrategy: tasks.EmrCreateCluster.OnDemandAllocationStrategy.LOWEST_PRICE,
    },
  };
  const types = (names: readonly string[]) =>
    names.map((instanceType) => ({ instanceType, weightedCapacity: 1 }));
  const fleets: tasks.EmrCreateCluster.InstanceFleetConfigProperty[] = [
    {
      name: 'primary',
      instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.MASTER,
      targetOnDemandCapacity: 1,
      instanceTypeConfigs: types(EMR_INSTANCE_TYPES.primary),
      launchSpecifications: onDemand,
    },
    {
      name: 'core',
      instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.CORE,
      targetOnDemandCapacity: props.coreInstances,
      instanceTypeConfigs: types(EMR_INSTANCE_TYPES.core),
      launchSpecifications: onDemand,
    },
  ];
  if (props.taskSpotMaxUnits > 0) {
    fleets.push({
      name: 'task-spot',
      instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.TASK,
      // EMR needs a non-zero target per fleet: start with one Spot unit; managed scaling then adds units when YARN
      // has pending work (up to taskSpotMaxUnits) and may remove it when idle.
      targetSpotCapacity: 1,
      instanceTypeConfigs: types(EMR_INSTANCE_TYPES.task),
      launchSpecifications: {
        spotSpecification: {
          allocationStrategy: tasks.EmrCreateCluster.SpotAllocationStrategy.CAPACITY_OPTIMIZED,
          timeoutAction: tasks.EmrCreateCluster.SpotTimeoutAction.SWITCH_TO_ON_DEMAND,
          timeout: SPOT_TIMEOUT,
        },
      },
    });
  }
  return fleets;
}
