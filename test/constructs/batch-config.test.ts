/** The Batch stack under non-default configurations and variants. */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { type Asl, buildBatch, createCluster, definitionOf, fleets } from './batch-support';

describe('BatchStack sizing and schedule follow the configuration', () => {
  let template: Template;
  let asl: Asl;
  beforeAll(() => {
    template = buildBatch({
      emrCoreInstances: 3,
      emrTaskSpotMaxUnits: 12,
      emrIdleTimeoutMinutes: 45,
      batchScheduleHour: 2,
      batchDeadlineHour: 9,
      batchTimeZone: 'Asia/Kolkata',
    }).template;
    asl = definitionOf(template);
  });

  test('managed scaling limits: core is the minimum and on-demand cap, Spot tasks on top', () => {
    expect(createCluster(asl).ManagedScalingPolicy).toEqual({
      ComputeLimits: {
        UnitType: 'InstanceFleetUnits',
        MinimumCapacityUnits: 3,
        MaximumCapacityUnits: 15,
        MaximumOnDemandCapacityUnits: 3,
        MaximumCoreCapacityUnits: 3,
      },
    });
    expect(fleets(asl).find((f) => f.InstanceFleetType === 'CORE')?.TargetOnDemandCapacity).toBe(3);
  });

  test('the idle auto-termination timeout is emrIdleTimeoutMinutes', () => {
    expect(createCluster(asl).AutoTerminationPolicy).toEqual({ IdleTimeout: 45 * 60 });
  });

  test('the schedule uses batchScheduleHour in batchTimeZone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Kolkata',
      Target: { Arn: { Ref: Match.stringLikeRegexp('^JobStateMachine') } },
    });
  });

  test('the deadline check runs at batchDeadlineHour in batchTimeZone, 7 hours after the run', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Kolkata',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SCHEDULE_LAG_HOURS: '7' }) },
    });
  });
});

describe('BatchStack variants', () => {
  test('emrTaskSpotMaxUnits=0 has no task fleet and no headroom above the core', () => {
    const asl = definitionOf(buildBatch({ emrTaskSpotMaxUnits: 0 }).template);
    expect(fleets(asl).map((f) => f.InstanceFleetType)).toEqual(['MASTER', 'CORE']);
    expect(createCluster(asl).ManagedScalingPolicy).toMatchObject({
      ComputeLimits: { MinimumCapacityUnits: 2, MaximumCapacityUnits: 2 },
    });
  });

  test('egress=nat: one NAT gateway, the cluster only in private subnets, no interface endpoints', () => {
    const { template } = buildBatch({ egress: 'nat' });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    const subnets = template.findResources('AWS::EC2::Subnet');
    const publicIds = Object.entries(subnets)
      .filter(([, s]) => JSON.stringify(s.Properties.Tags).includes('"Public"'))
      .map(([id]) => id);
    expect(publicIds.length).toBeGreaterThan(0);
    for (const id of publicIds) expect(subnets[id].Properties.MapPublicIpOnLaunch).toBe(false);
    const clusterSubnets = (createCluster(definitionOf(template)).Instances as { Ec2SubnetIds: unknown[] })
      .Ec2SubnetIds;
    expect(clusterSubnets).toHaveLength(Object.keys(subnets).length - publicIds.length);
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints.map((e) => e.Properties.VpcEndpointType)).toEqual(['Gateway', 'Gateway']);
  });

  test('the state machine definition references the private subnets only (nat)', () => {
    const { template } = buildBatch({ egress: 'nat' });
    const machine = JSON.stringify(
      Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0],
    );
    const subnets = template.findResources('AWS::EC2::Subnet');
    for (const [id, s] of Object.entries(subnets)) {
      const isPublic = JSON.stringify(s.Properties.Tags).includes('"Public"');
      expect(machine.includes(`"${id}"`)).toBe(!isPublic);
    }
  });
});
