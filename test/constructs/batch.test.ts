import { Match, type Template } from 'aws-cdk-lib/assertions';
import sparkArgs from '../../lib/contracts/spark-args.json';
import { type Asl, buildBatch, createCluster, definitionOf, fleets, GRAVITON, state } from './batch-support';

describe('BatchStack with the default configuration (egress=endpoints)', () => {
  let template: Template;
  let asl: Asl;
  beforeAll(() => {
    template = buildBatch().template;
    asl = definitionOf(template);
  });

  test('the state machine creates a transient cluster with release emr-7.13.0 (.sync)', () => {
    const params = createCluster(asl);
    expect(params.ReleaseLabel).toBe('emr-7.13.0');
    expect(params.Applications).toEqual([{ Name: 'Spark' }]);
    expect((params.Instances as Record<string, unknown>).TerminationProtected).toBe(false);
  });

  test('the planner runs first, then one cluster, then the planned days, then termination', () => {
    expect(asl.StartAt).toBe('Plan');
    const plan = state(asl, 'Plan');
    expect(plan.Resource).toMatch(/:states:::lambda:invoke$/);
    expect(plan.Next).toBe('CreateCluster');
    expect(state(asl, 'CreateCluster').Next).toBe('RunDays');
    const days = state(asl, 'RunDays');
    expect(days).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.days',
      MaxConcurrency: 1,
      ResultPath: '$.results',
    });
    expect(days.Next).toBe('TerminateCluster');
    expect(state(asl, 'TerminateCluster').Next).toBe('EveryDaySucceeded');
  });

  test('an invalid date ends the execution before anything is created', () => {
    const catchers = state(asl, 'Plan').Catch as { ErrorEquals: string[]; Next: string }[];
    expect(catchers[0]).toMatchObject({ ErrorEquals: ['InvalidDate'], Next: 'InvalidDate' });
    expect(catchers[1]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'PlanFailed' });
    expect(state(asl, 'InvalidDate').Type).toBe('Fail');
    expect(state(asl, 'PlanFailed').Type).toBe('Fail');
  });

  test('each day is one step; a failed or timed-out step is recorded and the next day still runs', () => {
    const step = state(asl, 'RunSparkJob');
    expect(step.Resource).toMatch(/:states:::elasticmapreduce:addStep\.sync$/);
    expect(step.TimeoutSeconds).toBeGreaterThan(0);
    expect(step.Next).toBe('DaySucceeded');
    const [catcher] = step.Catch as { ErrorEquals: string[]; Next: string }[];
    expect(catcher).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'DayFailed' });
    // Both end the iteration: the Map moves on to the next day.
    expect(state(asl, 'DayFailed').End).toBe(true);
    expect(state(asl, 'DaySucceeded').End).toBe(true);
  });

  test('the cluster is terminated after the days, whatever happened, then the execution fails if a day failed', () => {
    const terminate = state(asl, 'TerminateCluster');
    expect(terminate.Resource).toMatch(/:states:::elasticmapreduce:terminateCluster\.sync$/);
    expect(terminate.Parameters).toEqual({ 'ClusterId.$': '$.cluster.ClusterId' });
    expect(terminate.Retry).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]);
    const choice = state(asl, 'EveryDaySucceeded');
    expect(choice.Default).toBe('DaysFailed');
    expect(state(asl, 'DaysFailed')).toMatchObject({ Type: 'Fail', Error: 'SparkJobFailed' });
    expect(state(asl, (choice.Choices as { Next: string }[])[0].Next).Type).toBe('Succeed');
    // A failure of the Map itself also terminates the cluster.
    const [mapCatcher] = state(asl, 'RunDays').Catch as { ErrorEquals: string[]; Next: string }[];
    const afterFailure = state(asl, mapCatcher.Next);
    expect(afterFailure.Resource).toMatch(/:states:::elasticmapreduce:terminateCluster\.sync$/);
    expect(state(asl, afterFailure.Next as string).Type).toBe('Fail');
  });

  test('the execution timeout leaves room for a full step on every day a plan may hold', () => {
    // Default lookback 3: up to 4 days of 3 h each, plus 2 h for the cluster.
    expect(asl.TimeoutSeconds).toBe((2 + 4 * 3) * 3600);
  });

  test('a failed cluster creation fails the execution', () => {
    const [catcher] = state(asl, 'CreateCluster').Catch as { ErrorEquals: string[]; Next: string }[];
    expect(catcher.ErrorEquals).toEqual(['States.ALL']);
    expect(state(asl, catcher.Next).Type).toBe('Fail');
  });

  test('the Spot task fleet uses capacity-optimized allocation over at least 3 instance types', () => {
    const task = fleets(asl).find((f) => f.InstanceFleetType === 'TASK');
    expect(task?.LaunchSpecifications.SpotSpecification?.AllocationStrategy).toBe('capacity-optimized');
    expect(task?.TargetOnDemandCapacity ?? 0).toBe(0);
    expect(new Set(task?.InstanceTypeConfigs.map((c) => c.InstanceType)).size).toBeGreaterThanOrEqual(3);
  });

  test('primary and core fleets are on-demand Graviton instances', () => {
    for (const type of ['MASTER', 'CORE']) {
      const fleet = fleets(asl).find((f) => f.InstanceFleetType === type);
      expect(fleet?.TargetOnDemandCapacity).toBeGreaterThan(0);
      expect(fleet?.TargetSpotCapacity ?? 0).toBe(0);
      for (const c of fleet?.InstanceTypeConfigs ?? []) expect(c.InstanceType).toMatch(GRAVITON);
    }
  });

  test('the step runs the contract entry point with the zipped package in --py-files and every required argument', () => {
    const build = state(asl, 'BuildStepArgs');
    const args = (build.Output as { stepArgs: string[] }).stepArgs;
    expect(args.slice(0, 3)).toEqual(['spark-submit', '--deploy-mode', 'cluster']);
    expect(args[args.indexOf('--py-files') + 1]).toBe('<token>');
    for (const [name, spec] of Object.entries(sparkArgs.args)) {
      if (spec.required) expect(args).toContain(name);
    }
    expect(args[args.indexOf('--date') + 1]).toBe('{% $states.input.date %}');
    expect(args[args.indexOf('--run-id') + 1]).toBe('{% $states.context.Execution.Id %}');
    for (const [key, value] of Object.entries(sparkArgs.job.sparkConf))
      expect(args).toContain(`${key}=${value}`);
    expect(state(asl, 'RunSparkJob').Parameters).toMatchObject({
      Step: { HadoopJarStep: { 'Args.$': '$.stepArgs' } },
    });
  });

  test('the job code is uploaded as a zip asset and a .py entry point asset', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).toMatch(/\.zip"/);
    expect(text).toMatch(/\.py"/);
  });

  test('the cluster logs to the emr-logs prefix of the analytics bucket', () => {
    expect(JSON.stringify(createCluster(asl).LogUri)).toContain('/emr-logs/');
  });

  test('the security configuration encrypts S3 with SSE-KMS and local disks with the lake key, and the cluster uses it', () => {
    template.hasResourceProperties('AWS::EMR::SecurityConfiguration', {
      SecurityConfiguration: {
        EncryptionConfiguration: {
          EnableAtRestEncryption: true,
          AtRestEncryptionConfiguration: {
            S3EncryptionConfiguration: { EncryptionMode: 'SSE-KMS', AwsKmsKey: Match.anyValue() },
            LocalDiskEncryptionConfiguration: {
              EncryptionKeyProviderType: 'AwsKms',
              AwsKmsKey: Match.anyValue(),
              EnableEbsEncryption: true,
            },
          },
        },
      },
    });
    expect(createCluster(asl).SecurityConfiguration).toBe('<token>');
  });

  test('subnets are isolated: no internet gateway, no NAT, no public IP on launch', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
  });

  test('the cluster launches in the VPC subnets, with its own security groups', () => {
    const instances = createCluster(asl).Instances as Record<string, unknown>;
    expect((instances.Ec2SubnetIds as unknown[]).length).toBe(
      Object.keys(template.findResources('AWS::EC2::Subnet')).length,
    );
    expect(instances.EmrManagedMasterSecurityGroup).toBe('<token>');
    expect(instances.EmrManagedSlaveSecurityGroup).toBe('<token>');
    expect(instances.ServiceAccessSecurityGroup).toBe('<token>');
  });

  test('S3 and DynamoDB gateway endpoints and the EMR, STS, Logs and KMS interface endpoints exist', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
    const names = endpoints.map((e) => JSON.stringify(e.Properties.ServiceName));
    for (const service of ['.s3', '.dynamodb', '.elasticmapreduce', '.sts', '.logs', '.kms']) {
      expect(names.some((n) => n.includes(service))).toBe(true);
    }
    const gateways = endpoints.filter((e) => e.Properties.VpcEndpointType === 'Gateway');
    expect(gateways).toHaveLength(2);
  });

  test('VPC flow logs capture all traffic', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
  });

  test('subnets and security groups carry the tag AmazonEMRServicePolicy_v2 requires', () => {
    const tag = { Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' };
    for (const type of ['AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup']) {
      for (const r of Object.values(template.findResources(type))) {
        expect(r.Properties.Tags).toEqual(expect.arrayContaining([tag]));
      }
    }
  });

  test('the service role uses AmazonEMRServicePolicy_v2 and trusts EMR for this account only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'elasticmapreduce.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonEMRServicePolicy_v2'],
          ],
        },
      ],
    });
  });

  test('the instance profile is named after the instance role (EMR passes the role name)', () => {
    const [profile] = Object.values(template.findResources('AWS::IAM::InstanceProfile'));
    expect(profile.Properties.InstanceProfileName).toEqual(profile.Properties.Roles[0]);
  });

  test('no policy grants service-wide wildcards or s3:* and only the integration statement uses Resource *', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const st of policy.Properties.PolicyDocument.Statement as {
        Effect: string;
        Action: string | string[];
        Resource: unknown;
      }[]) {
        const actions = ([] as string[]).concat(st.Action);
        for (const a of actions) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
        // A Deny on * narrows what the Allow statements grant (docs/security.md, emr-cluster-actions).
        if (st.Resource === '*' && st.Effect === 'Allow') {
          for (const a of actions) {
            expect(a).toMatch(
              /^(elasticmapreduce:(RunJobFlow|DescribeCluster|TerminateJobFlows|AddTags)|logs:[A-Za-z]+|xray:[A-Za-z]+)$/,
            );
          }
        }
      }
    }
  });

  test('nodes may not write raw events, nor query, scan or delete the views table', () => {
    const statements = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('EmrInstanceRole'))
      .flatMap(
        ([, p]) =>
          p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
    expect(statements.length).toBeGreaterThan(0);
    for (const st of statements) {
      const actions = ([] as string[]).concat(st.Action);
      const resource = JSON.stringify(st.Resource);
      if (resource.includes('/raw/events/'))
        expect(actions.filter((a) => /Put|Delete|Abort/.test(a))).toEqual([]);
      expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:Query']));
      expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:Scan']));
      expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:DeleteItem']));
    }
  });

  test('the daily schedule starts the state machine at the configured hour and time zone with the scheduled time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 1 * * ? *)',
      Description: Match.stringLikeRegexp('missing and late-data days'),
      ScheduleExpressionTimezone: 'UTC',
      Target: {
        Arn: { Ref: Match.stringLikeRegexp('^JobStateMachine') },
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
      },
    });
  });

  test('every alarm notifies the alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.Properties.ActionsEnabled).toBe(true);
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('Fn::ImportValue');
    }
  });

  test('failed executions raise an alarm on the first one', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties.Metrics ?? a.Properties.MetricName).includes('"ExecutionsFailed"'),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0].Properties).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
    });
    expect(JSON.stringify(alarms[0].Properties.Metrics)).toContain('"AWS/States"');
  });

  test('a day past its deadline without a completed run raises a critical alarm on the deadline check metric', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('BatchDeadline-BatchDaysMissing-Critical$'),
      MetricName: 'BatchDaysMissing',
      Namespace: 'streamlake',
      Dimensions: [{ Name: 'service', Value: 'batch-deadline' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('late data found by the planner raises a warning alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('BatchPlanner-LateDataDays-Warning$'),
      MetricName: 'LateDataDays',
      Namespace: 'streamlake',
      Dimensions: [{ Name: 'service', Value: 'batch-planner' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('the deadline check runs at batchDeadlineHour and may only Query completions and list raw/events/', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      Target: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadlineHandler'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SCHEDULE_LAG_HOURS: '5', WINDOW_DAYS: '31' }) },
    });
    for (const role of ['DeadlineHandlerRole', 'PlannerHandlerRole']) {
      const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
        id.startsWith(role),
      );
      if (!policy) throw new Error(`no policy for ${role}`);
      const statements = policy[1].Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Condition?: unknown;
      }[];
      const actions = statements.flatMap((s) => ([] as string[]).concat(s.Action));
      expect(actions.filter((a) => /^(dynamodb|s3):/.test(a)).sort()).toEqual([
        'dynamodb:Query',
        's3:ListBucket',
      ]);
      for (const s of statements.filter((st) => /^(dynamodb|s3):/.test(String(st.Action))))
        expect(s.Condition).toBeDefined();
    }
  });

  test('the planner looks back batchLateDataLookbackDays over raw/events/ of the raw bucket', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LOOKBACK_DAYS: '3', RAW_PREFIX: 'raw/events/' }) },
    });
  });

  test('exports the state machine ARN as BatchStateMachineArn', () => {
    template.hasOutput('BatchStateMachineArn', {
      Value: { Ref: Match.stringLikeRegexp('^JobStateMachine') },
    });
  });

  test('execution logging is ALL and tracing is on', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      TracingConfiguration: { Enabled: true },
    });
  });
});
