import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import planning from '../../contracts/batch-planning.json';
import { Outputs } from '../../contracts/outputs';
import sparkArgs from '../../contracts/spark-args.json';
import { acknowledge } from '../nag';
import { LakePrefixes } from '../storage/data-lake';
import type { BatchPlanner } from './batch-planner';
import { CLUSTER_OWNER_TAG, EMR_RELEASE_LABEL, instanceFleets } from './emr-cluster';
import type { EmrSecurity } from './emr-security';

const DEFAULT_STEP_TIMEOUT = Duration.hours(3);
/** Cluster start-up and termination, on top of the steps, in the default execution timeout. */
const CLUSTER_ALLOWANCE = Duration.hours(2);
const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
/** Longest error cause kept per failed day in the execution's output. */
const CAUSE_CHARS = 2000;

const ROOT = path.join(__dirname, '..', '..', '..');

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
  /** The views table: the job writes the batch view and each day's completion item. */
  readonly viewTable: dynamodb.ITable;
  /** On-demand core capacity (units = instances); also the managed-scaling minimum. */
  readonly coreInstances: number;
  /** Spot task capacity managed scaling may add on top of the core (0 = no task fleet). */
  readonly taskSpotMaxUnits: number;
  /** EMR terminates the cluster after this long without work: the guard when an execution is stopped mid-way. */
  readonly idleTimeout: Duration;
  /** Decides the days each execution runs; its state is the first of the state machine. */
  readonly planner: BatchPlanner;
  /**
   * Longest the Spark step of one day may run before it is treated as failed (the day fails, the next one runs).
   * @default Duration.hours(3)
   */
  readonly stepTimeout?: Duration;
  /**
   * Longest one execution may run (planning, cluster start, one step per planned day, termination).
   * @default - 2 hours plus `stepTimeout` for each day a plan may hold (`planner.maxDays`)
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
 * The batch engine on EMR: a Step Functions state machine that asks the planner for the days to run (input `date`:
 * that day; else D-1 of the scheduled or start time, plus missing and late-data days of the lookback), creates one
 * transient EMR cluster, runs the PySpark job as one step per day (a failed day does not stop the others), terminates
 * the cluster whatever happened, and fails when any day failed. {@link DailyBatchSchedule} starts it every day. The
 * job code is uploaded as CDK assets.
 */
export class SparkBatchJob extends Construct {
  readonly stateMachine: sfn.StateMachine;
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
      // The completion item names the execution that wrote it.
      '--run-id',
      '{% $states.context.Execution.Id %}',
    ];

    // 1. Plan: the days to run. An invalid {"date"} ends the execution before anything is created.
    const plan = props.planner.planState(this, 'Plan');
    plan.addCatch(
      new sfn.Fail(this, 'InvalidDate', {
        error: planning.invalidDateError,
        cause: 'date must be a calendar day yyyy-MM-dd, e.g. {"date":"2026-11-20"}',
      }),
      { errors: [planning.invalidDateError] },
    );
    plan.addCatch(
      sfn.Fail.jsonata(this, 'PlanFailed', { error: 'PlanFailed', cause: '{% $states.input.Cause %}' }),
      { errors: ['States.ALL'], outputs: '{% $states.errorOutput %}' },
    );

    // 2. One cluster for every planned day.
    const createCluster = new tasks.EmrCreateCluster(this, 'CreateCluster', {
      name: sfn.JsonPath.format('streamlake-batch-{}', sfn.JsonPath.stringAt('$.target')),
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

    // 3. One Spark step per day, oldest first. A failed day is recorded and the next one runs: a late-data re-run
    // that fails must not keep D-1 from being computed.
    // JSONPath tasks cannot put a path inside an array, so a JSONata state builds the step's argument list.
    const buildStepArgs = sfn.Pass.jsonata(this, 'BuildStepArgs', {
      comment: 'spark-submit arguments for the day (lib/contracts/spark-args.json)',
      outputs: { date: '{% $states.input.date %}', clusterId: '{% $states.input.clusterId %}', stepArgs },
    });
    const runJob = new tasks.EmrAddStep(this, 'RunSparkJob', {
      clusterId: sfn.JsonPath.stringAt('$.clusterId'),
      name: sfn.JsonPath.format('streamlake-spark-{}', sfn.JsonPath.stringAt('$.date')),
      jar: 'command-runner.jar',
      args: sfn.JsonPath.listAt('$.stepArgs'),
      actionOnFailure: tasks.ActionOnFailure.CONTINUE,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      taskTimeout: sfn.Timeout.duration(props.stepTimeout ?? DEFAULT_STEP_TIMEOUT),
      resultPath: sfn.JsonPath.DISCARD,
    });
    runJob.addCatch(
      sfn.Pass.jsonata(this, 'DayFailed', {
        outputs: {
          date: '{% $states.input.date %}',
          ok: false,
          error: '{% $states.input.error.Error %}',
          cause: `{% $substring($string($states.input.error.Cause), 0, ${CAUSE_CHARS}) %}`,
        },
      }),
      { resultPath: '$.error' },
    );
    const runDays = new sfn.Map(this, 'RunDays', {
      comment: 'the planned days, one after the other on the same cluster',
      itemsPath: '$.days',
      maxConcurrency: 1,
      itemSelector: {
        'date.$': '$$.Map.Item.Value',
        'clusterId.$': '$.cluster.ClusterId',
      },
      resultPath: '$.results',
    }).itemProcessor(
      buildStepArgs
        .next(runJob)
        .next(
          sfn.Pass.jsonata(this, 'DaySucceeded', { outputs: { date: '{% $states.input.date %}', ok: true } }),
        ),
    );

    // 4. Terminate the cluster whatever happened, then fail the execution if any day failed.
    const clusterId = sfn.JsonPath.stringAt('$.cluster.ClusterId');
    const terminate = (terminateId: string) =>
      new tasks.EmrTerminateCluster(this, terminateId, {
        clusterId,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        resultPath: sfn.JsonPath.DISCARD,
      }).addRetry({ errors: ['States.ALL'], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });
    const terminateOnSuccess = terminate('TerminateCluster');
    const terminateOnFailure = terminate('TerminateClusterAfterFailure');
    runDays.addCatch(terminateOnFailure, { resultPath: '$.error' });
    terminateOnFailure.next(
      new sfn.Fail(this, 'JobFailed', { error: 'SparkJobFailed', causePath: '$.error.Cause' }),
    );
    const everyDaySucceeded = sfn.Choice.jsonata(this, 'EveryDaySucceeded', {
      comment: 'the execution fails (and alarms) when any planned day failed',
    })
      .when(
        sfn.Condition.jsonata('{% $count($states.input.results[ok = false]) = 0 %}'),
        new sfn.Succeed(this, 'Done', { comment: 'every planned day processed, cluster terminated' }),
      )
      .otherwise(
        sfn.Fail.jsonata(this, 'DaysFailed', {
          error: 'SparkJobFailed',
          cause:
            "{% 'the Spark job failed for ' & $join($states.input.results[ok = false].date, ', ') & '; first error: ' & $states.input.results[ok = false][0].cause %}",
        }),
      );

    const definition = plan
      .next(createCluster)
      .next(runDays)
      .next(terminateOnSuccess)
      .next(everyDaySucceeded);

    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'streamlake daily batch: transient EMR cluster, one Spark step, always terminated',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: executionTimeout(props),
      tracingEnabled: true,
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    props.planner.acknowledgeInvoke(this.stateMachine);
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

    new CfnOutput(this, 'BatchStateMachineArnOutput', {
      key: Outputs.batchStateMachineArn,
      value: this.stateMachine.stateMachineArn,
    });
  }
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
  if (props.subnetIds.length === 0)
    throw new Error('SparkBatchJob subnetIds is empty: give the private subnets of the VPC');
  const idle = props.idleTimeout.toSeconds();
  if (idle < 60 || idle > 7 * 24 * 3600) {
    throw new Error(`SparkBatchJob idleTimeout is ${idle} s: EMR accepts 60 s to 7 days`);
  }
  const step = (props.stepTimeout ?? DEFAULT_STEP_TIMEOUT).toSeconds();
  const execution = executionTimeout(props).toSeconds();
  if (step >= execution) {
    throw new Error(
      `SparkBatchJob stepTimeout (${step} s) must be shorter than executionTimeout (${execution} s), so a stuck step still terminates its cluster`,
    );
  }
}

function executionTimeout(props: SparkBatchJobProps): Duration {
  if (props.executionTimeout) return props.executionTimeout;
  const step = (props.stepTimeout ?? DEFAULT_STEP_TIMEOUT).toSeconds();
  return Duration.seconds(CLUSTER_ALLOWANCE.toSeconds() + step * props.planner.maxDays);
}
