import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type TimeZone, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { Outputs } from '../../contracts/outputs';
import sparkArgs from '../../contracts/spark-args.json';
import { acknowledge } from '../nag';
import { LakePrefixes } from '../storage/data-lake';
import type { EmrSecurity } from './emr-security';

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

const DEFAULT_STEP_TIMEOUT = Duration.hours(3);
const DEFAULT_EXECUTION_TIMEOUT = Duration.hours(5);
const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
/** How long EMR waits for Spot task capacity before falling back (within the managed-scaling on-demand cap). */
const SPOT_TIMEOUT = Duration.minutes(10);
/** Tag every cluster carries with the name of the stack whose state machine created it. */
export const CLUSTER_OWNER_TAG = 'streamlake:stack';
const DAY_PATTERN = '/^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/';

const ROOT = path.join(__dirname, '..', '..', '..');

export interface BatchSchedule {
  /** Hour of the day (0-23, in `timeZone`) of the daily run for D-1. */
  readonly hour: number;
  /** Time zone of `hour`; the day processed is always a UTC day (the raw layout's `dt`). */
  readonly timeZone: TimeZone;
}

export interface SparkBatchJobProps {
  /** Subnet IDs the cluster may launch in (private only); EMR picks the best AZ among them for the fleets. */
  readonly subnetIds: readonly string[];
  /** Roles, security groups and security configuration of the cluster. */
  readonly security: EmrSecurity;
  readonly rawBucket: s3.IBucket;
  readonly curatedBucket: s3.IBucket;
  readonly analyticsBucket: s3.IBucket;
  /** The lake key (the buckets' and the table's); it also encrypts the execution log group. */
  readonly encryptionKey: kms.IKey;
  /** The views table: the job writes the batch view and the batch watermark. */
  readonly viewTable: dynamodb.ITable;
  /** On-demand core capacity (units = instances); also the managed-scaling minimum. */
  readonly coreInstances: number;
  /** Spot task capacity managed scaling may add on top of the core (0 = no task fleet). */
  readonly taskSpotMaxUnits: number;
  /** EMR terminates the cluster after this long without work: the guard when an execution is stopped mid-way. */
  readonly idleTimeout: Duration;
  /** The daily run. */
  readonly schedule: BatchSchedule;
  /**
   * Longest the Spark step may run before it is treated as failed (the cluster is then terminated).
   * @default Duration.hours(3)
   */
  readonly stepTimeout?: Duration;
  /**
   * Longest one execution may run (cluster start + step + termination).
   * @default Duration.hours(5)
   */
  readonly executionTimeout?: Duration;
  /**
   * Retention of the state machine's execution log.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the execution log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The daily batch job: a Step Functions state machine that resolves the day (input `date`, or D-1 of the scheduled
 * time), creates a transient EMR cluster, runs the PySpark job as one step and terminates the cluster whether the step
 * succeeded or failed; an EventBridge Scheduler schedule starts it every day. The job code is uploaded as CDK assets.
 */
export class SparkBatchJob extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  readonly jobCode: s3assets.Asset;
  readonly entrypoint: s3assets.Asset;

  constructor(scope: Construct, id: string, props: SparkBatchJobProps) {
    super(scope, id);
    validate(props);
    const { security } = props;
    const instanceRole = security.instanceRole;

    // --py-files gets the package zipped with streamlake_spark/ at the root; spark-submit gets the entry file.
    this.jobCode = new s3assets.Asset(this, 'JobCode', {
      path: path.join(ROOT, sparkArgs.job.pyFiles),
      exclude: ['**/__pycache__', '**/*.pyc', '**/*.egg-info', '**/tests', '**/.pytest_cache'],
    });
    this.entrypoint = new s3assets.Asset(this, 'Entrypoint', {
      path: path.join(ROOT, sparkArgs.job.entrypoint),
    });
    // The two objects only, not the whole bootstrap bucket that Asset.grantRead would open.
    instanceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.jobCode, this.entrypoint].map((a) => a.bucket.arnForObjects(a.s3ObjectKey)),
      }),
    );

    // Least privilege on the lake: read raw events; replace the day's partitions in curated, quarantine, analytics.
    props.rawBucket.grantRead(instanceRole, `${LakePrefixes.rawEvents}*`);
    for (const [bucket, prefix] of [
      [props.curatedBucket, LakePrefixes.curatedEvents],
      [props.curatedBucket, LakePrefixes.quarantine],
      [props.analyticsBucket, LakePrefixes.analytics],
    ] as const) {
      bucket.grantReadWrite(instanceRole, `${prefix}*`);
      bucket.grantDelete(instanceRole, `${prefix}*`);
    }
    props.analyticsBucket.grantPut(instanceRole, `${LakePrefixes.emrLogs}*`);
    // The batch view is BatchWriteItem (PUT of exact totals); the watermark is a conditional UpdateItem read back with
    // GetItem (jobs/spark batch_view.py). No Query, Scan or DeleteItem.
    props.viewTable.grant(
      instanceRole,
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:GetItem',
    );
    props.encryptionKey.grantEncryptDecrypt(instanceRole);
    acknowledge(instanceRole, [
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: [
          'Action::s3:GetObject*',
          'Action::s3:GetBucket*',
          'Action::s3:List*',
          'Action::s3:Abort*',
          'Action::s3:DeleteObject*',
        ],
        reason:
          'Action groups of Bucket.grantRead/grantReadWrite/grantDelete, each on one zone prefix: Spark lists and reads raw/events, and replaces the day partition (write, multipart abort, delete of the old files) under curated/events, quarantine and analytics.',
      },
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: [
          ...[
            LakePrefixes.rawEvents,
            LakePrefixes.curatedEvents,
            LakePrefixes.quarantine,
            LakePrefixes.analytics,
            LakePrefixes.emrLogs,
          ].map((prefix) => new RegExp(`/${escapeRegExp(prefix)}\\*$`)),
        ],
        reason:
          'Object keys under one lake prefix each (partitions dt=YYYY-MM-DD are only known at run time): raw events read-only, curated/quarantine/analytics read-write, emr-logs write-only.',
      },
    ]);

    const date = sfn.JsonPath.stringAt('$.date');
    const uri = (bucket: s3.IBucket, prefix: string) => bucket.s3UrlForObject(prefix.replace(/\/+$/, ''));
    const sparkConf = Object.entries(sparkArgs.job.sparkConf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]);
    const stepArgs = [
      'spark-submit',
      '--deploy-mode',
      'cluster',
      ...sparkConf,
      '--py-files',
      this.jobCode.s3ObjectUrl,
      this.entrypoint.s3ObjectUrl,
      '--date',
      '{% $states.input.date %}',
      '--raw-uri',
      uri(props.rawBucket, LakePrefixes.rawEvents),
      '--curated-uri',
      uri(props.curatedBucket, LakePrefixes.curatedEvents),
      '--quarantine-uri',
      uri(props.curatedBucket, LakePrefixes.quarantine),
      '--analytics-uri',
      uri(props.analyticsBucket, LakePrefixes.analytics),
      '--view-table',
      props.viewTable.tableName,
      '--region',
      Stack.of(this).region,
    ];

    // Resolve the day in JSONata: the scheduler passes its scheduled time, a person passes {"date": "YYYY-MM-DD"};
    // an execution started with {} processes D-1 of its start time. D-1 is the UTC day before the run's UTC day.
    const resolveDate = sfn.Pass.jsonata(this, 'ResolveDate', {
      comment: 'date from the input, else D-1 (UTC) of the scheduled or start time',
      outputs: {
        date: `{% $exists($states.input.date) ? $states.input.date : $fromMillis($toMillis($exists($states.input.scheduledTime) ? $states.input.scheduledTime : $states.context.Execution.StartTime) - 86400000, '[Y0001]-[M01]-[D01]') %}`,
      },
    });
    const invalidDate = new sfn.Fail(this, 'InvalidDate', {
      error: 'InvalidDate',
      cause: 'date must be a day yyyy-MM-dd, e.g. {"date":"2026-11-20"}',
    });

    const createCluster = new tasks.EmrCreateCluster(this, 'CreateCluster', {
      name: sfn.JsonPath.format('streamlake-batch-{}', date),
      releaseLabel: EMR_RELEASE_LABEL,
      applications: [{ name: 'Spark' }],
      serviceRole: security.serviceRole,
      clusterRole: instanceRole,
      securityConfiguration: security.securityConfiguration.ref,
      logUri: props.analyticsBucket.s3UrlForObject(LakePrefixes.emrLogs),
      visibleToAllUsers: true,
      autoTerminationPolicyIdleTimeout: props.idleTimeout,
      scaleDownBehavior: tasks.EmrCreateCluster.EmrClusterScaleDownBehavior.TERMINATE_AT_TASK_COMPLETION,
      managedScalingPolicy: {
        computeLimits: {
          unitType: tasks.EmrCreateCluster.ComputeLimitsUnitType.INSTANCE_FLEET_UNITS,
          minimumCapacityUnits: props.coreInstances,
          maximumCapacityUnits: props.coreInstances + props.taskSpotMaxUnits,
          // Everything above the core is Spot; the core never grows, so HDFS is stable.
          maximumOnDemandCapacityUnits: props.coreInstances,
          maximumCoreCapacityUnits: props.coreInstances,
        },
      },
      instances: {
        ec2SubnetIds: [...props.subnetIds],
        emrManagedMasterSecurityGroup: security.primarySecurityGroup.securityGroupId,
        emrManagedSlaveSecurityGroup: security.coreSecurityGroup.securityGroupId,
        serviceAccessSecurityGroup: security.serviceAccessSecurityGroup.securityGroupId,
        terminationProtected: false,
        instanceFleets: instanceFleets(props),
      },
      tags: { 'streamlake:layer': 'batch', [CLUSTER_OWNER_TAG]: Stack.of(this).stackName },
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultSelector: { ClusterId: sfn.JsonPath.stringAt('$.ClusterId') },
      resultPath: '$.cluster',
    });
    // A cluster whose creation failed was already terminated by EMR (TERMINATED_WITH_ERRORS).
    createCluster.addCatch(
      new sfn.Fail(this, 'ClusterFailed', { error: 'ClusterFailed', causePath: '$.error.Cause' }),
      { resultPath: '$.error' },
    );

    const clusterId = sfn.JsonPath.stringAt('$.cluster.ClusterId');
    // JSONPath tasks cannot put a path inside an array, so a JSONata state builds the step's argument list.
    const buildStepArgs = sfn.Pass.jsonata(this, 'BuildStepArgs', {
      comment: 'spark-submit arguments for the day (lib/contracts/spark-args.json)',
      outputs: { date: '{% $states.input.date %}', stepArgs },
    });
    const runJob = new tasks.EmrAddStep(this, 'RunSparkJob', {
      clusterId,
      name: sfn.JsonPath.format('streamlake-spark-{}', date),
      jar: 'command-runner.jar',
      args: sfn.JsonPath.listAt('$.stepArgs'),
      actionOnFailure: tasks.ActionOnFailure.CONTINUE,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      taskTimeout: sfn.Timeout.duration(props.stepTimeout ?? DEFAULT_STEP_TIMEOUT),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const terminate = (terminateId: string) =>
      new tasks.EmrTerminateCluster(this, terminateId, {
        clusterId,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        resultPath: sfn.JsonPath.DISCARD,
      }).addRetry({ errors: ['States.ALL'], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });
    const terminateOnSuccess = terminate('TerminateCluster');
    const terminateOnFailure = terminate('TerminateClusterAfterFailure');
    runJob.addCatch(terminateOnFailure, { resultPath: '$.error' });
    terminateOnFailure.next(
      new sfn.Fail(this, 'JobFailed', {
        error: 'SparkJobFailed',
        causePath: '$.error.Cause',
      }),
    );

    const definition = resolveDate.next(
      sfn.Choice.jsonata(this, 'ValidateDate', {
        comment: 'yyyy-MM-dd (the Spark job checks the calendar day too)',
      })
        .when(
          sfn.Condition.jsonata(
            `{% $type($states.input.date) = 'string' and $contains($states.input.date, ${DAY_PATTERN}) %}`,
          ),
          buildStepArgs
            .next(createCluster)
            .next(runJob)
            .next(terminateOnSuccess)
            .next(new sfn.Succeed(this, 'Done', { comment: 'day processed, cluster terminated' })),
        )
        .otherwise(invalidDate),
    );

    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'streamlake daily batch: transient EMR cluster, one Spark step, always terminated',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: props.executionTimeout ?? DEFAULT_EXECUTION_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    // CDK's EMR tasks allow TerminateJobFlows on `*` and AddJobFlowSteps/CancelSteps on every cluster of the account
    // and region (cluster IDs exist only at run time). Deny those on any cluster this stack's executions did not create.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyClustersOfThisStack',
        effect: iam.Effect.DENY,
        actions: [
          'elasticmapreduce:TerminateJobFlows',
          'elasticmapreduce:AddJobFlowSteps',
          'elasticmapreduce:CancelSteps',
        ],
        resources: ['*'],
        conditions: {
          StringNotEquals: {
            [`elasticmapreduce:ResourceTag/${CLUSTER_OWNER_TAG}`]: Stack.of(this).stackName,
          },
        },
      }),
    );
    acknowledge(this.stateMachine, [
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: ['Resource::*'],
        reason:
          'Statements generated by the Step Functions integrations: elasticmapreduce:RunJobFlow has no resource to scope (the cluster does not exist yet), and log delivery (logs:*LogDelivery) and X-Ray tracing only accept Resource *.',
      },
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: [
          'Resource::arn:<AWS::Partition>:elasticmapreduce:<AWS::Region>:<AWS::AccountId>:cluster/*',
          'Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/elasticmapreduce.amazonaws.com*/AWSServiceRoleForEMRCleanup*',
        ],
        reason:
          'Generated by EmrCreateCluster/EmrAddStep/EmrTerminateCluster: cluster IDs are created per execution, so add-step/describe/terminate are scoped to this account and region clusters; the EMR cleanup service-linked role may be created once per account.',
      },
    ]);

    this.schedule = new scheduler.Schedule(this, 'Daily', {
      description: `streamlake daily batch for D-1 at ${props.schedule.hour}:00 ${props.schedule.timeZone.timezoneName}`,
      schedule: scheduler.ScheduleExpression.cron({
        minute: '0',
        hour: String(props.schedule.hour),
        timeZone: props.schedule.timeZone,
      }),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
      }),
    });

    new CfnOutput(this, 'BatchStateMachineArnOutput', {
      key: Outputs.batchStateMachineArn,
      value: this.stateMachine.stateMachineArn,
    });
  }
}

function instanceFleets(props: SparkBatchJobProps): tasks.EmrCreateCluster.InstanceFleetConfigProperty[] {
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function validate(props: SparkBatchJobProps): void {
  const whole = (name: string, value: number, min: number, max: number) => {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`SparkBatchJob ${name} is ${value}: give a whole number from ${min} to ${max}`);
    }
  };
  whole('coreInstances', props.coreInstances, 1, 50);
  whole('taskSpotMaxUnits', props.taskSpotMaxUnits, 0, 500);
  whole('schedule.hour', props.schedule.hour, 0, 23);
  if (props.subnetIds.length === 0)
    throw new Error('SparkBatchJob subnetIds is empty: give the private subnets of the VPC');
  const idle = props.idleTimeout.toSeconds();
  if (idle < 60 || idle > 7 * 24 * 3600) {
    throw new Error(`SparkBatchJob idleTimeout is ${idle} s: EMR accepts 60 s to 7 days`);
  }
  const step = (props.stepTimeout ?? DEFAULT_STEP_TIMEOUT).toSeconds();
  const execution = (props.executionTimeout ?? DEFAULT_EXECUTION_TIMEOUT).toSeconds();
  if (step >= execution) {
    throw new Error(
      `SparkBatchJob stepTimeout (${step} s) must be shorter than executionTimeout (${execution} s), so a stuck step still terminates its cluster`,
    );
  }
}
