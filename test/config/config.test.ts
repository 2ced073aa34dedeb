import { ConfigError, DEFAULTS, parseConfig } from '../../lib/config';

function problems(context: Record<string, unknown>): string {
  try {
    parseConfig(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${JSON.stringify(context)} to be rejected`);
}

describe('defaults', () => {
  test('an empty context is the lambda architecture with the Lambda speed engine in dev on AWS', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      architecture: 'lambda',
      speedEngine: 'lambda',
      stage: 'dev',
      target: 'aws',
    });
    expect(config.stream).toEqual({ mode: 'on-demand' });
    expect(config.destroyData).toBe(false);
  });

  test('stream retention defaults to 24 h for lambda and 168 h for kappa', () => {
    expect(parseConfig({ architecture: 'lambda' }).streamRetentionHours).toBe(24);
    expect(parseConfig({ architecture: 'kappa' }).streamRetentionHours).toBe(168);
  });

  test('values given with -c arrive as strings and are converted', () => {
    const config = parseConfig({
      streamCapacity: 'provisioned',
      shardCount: '4',
      allowDestroy: 'true',
      firehoseBufferSeconds: '120',
    });
    expect(config.stream).toEqual({ mode: 'provisioned', shardCount: 4 });
    expect(config.destroyData).toBe(true);
    expect(config.settings.firehoseBufferSeconds).toBe(120);
  });

  test('allowDestroy destroys data in dev; prod keeps it', () => {
    expect(parseConfig({ stage: 'dev', allowDestroy: 'true' }).destroyData).toBe(true);
    expect(parseConfig({ stage: 'prod', allowDestroy: 'false' }).destroyData).toBe(false);
  });

  test('the context keys the CDK itself sets are not mistaken for streamlake keys', () => {
    // What `cdk synth` passes (CDK_CONTEXT_JSON of aws-cdk 2.1148), what cdk.json and cdk.context.json may hold.
    const cdkOwn = {
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:version-reporting': true,
      'aws:cdk:bundling-stacks': ['**'],
      'aws:cdk:disable-asset-staging': true,
      '@aws-cdk/core:enablePartitionLiterals': true,
      '@aws-cdk/core:bootstrapQualifier': 'hnb659fds',
      '@aws-cdk-containers/ecs-service-extensions:enableDefaultLogDriver': true,
      'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
      'ssm:account=123456789012:parameterName=/x:region=eu-west-1': 'v',
      'vpc-provider:account=123456789012:filter.isDefault=true:region=eu-west-1:returnAsymmetricSubnets=true':
        {},
      'acknowledged-issue-numbers': [12345],
      'cli-telemetry': false,
    };
    expect(() => parseConfig(cdkOwn)).not.toThrow();
  });

  test('speedEngine flink is allowed with the lambda architecture', () => {
    const config = parseConfig({ architecture: 'lambda', speedEngine: 'flink' });
    expect(config.architecture === 'lambda' && config.speedEngine).toBe('flink');
  });

  test('the batch engine is EMR unless batchEngine=mapreduce', () => {
    const byDefault = parseConfig({});
    expect(byDefault.architecture === 'lambda' && byDefault.batchEngine).toBe('emr');
    const mr = parseConfig({ batchEngine: 'mapreduce' });
    expect(mr.architecture === 'lambda' && mr.batchEngine).toBe('mapreduce');
  });

  test('the consumer batch size default matches the named constant', () => {
    expect(parseConfig({}).settings.consumerBatchSize).toBe(DEFAULTS.consumerBatchSize);
  });
});

describe('fails when', () => {
  test.each([
    [{ architecture: 'kapa' }, "architecture: 'kapa' is not one of lambda, kappa"],
    [{ speedEngine: 'spark' }, "speedEngine: 'spark' is not one of lambda, flink"],
    [{ batchEngine: 'glue' }, "batchEngine: 'glue' is not one of emr, mapreduce"],
    [
      { architecture: 'kappa', batchEngine: 'mapreduce' },
      "batchEngine: 'mapreduce' is not allowed with architecture kappa: kappa has no batch layer",
    ],
    [{ stage: 'qa' }, "stage: 'qa' is not one of dev, prod"],
    [{ target: 'azure' }, "target: 'azure' is not one of aws, localstack"],
    [{ streamCapacity: 'auto' }, "streamCapacity: 'auto' is not one of on-demand, provisioned"],
    [{ egress: 'igw' }, "egress: 'igw' is not one of nat, endpoints"],
    [{ shardCount: '0' }, "shardCount: '0' is not a whole number from 1 to 500"],
    [{ shardCount: '1.5' }, "shardCount: '1.5' is not a whole number from 1 to 500"],
    [{ shardCount: '' }, "shardCount: '' is not a whole number from 1 to 500"],
    [{ streamRetentionHours: '8761' }, "streamRetentionHours: '8761' is not a whole number from 24 to 8760"],
    [{ streamRetentionHours: '23' }, "streamRetentionHours: '23' is not a whole number from 24 to 8760"],
    [
      { rawInfrequentAccessDays: '10' },
      "rawInfrequentAccessDays: '10' is not a whole number from 30 to 3650",
    ],
    [{ firehoseBufferSeconds: '901' }, "firehoseBufferSeconds: '901' is not a whole number from 0 to 900"],
    [{ consumerBatchSize: '10001' }, "consumerBatchSize: '10001' is not a whole number from 1 to 10000"],
    [
      { consumerParallelizationFactor: '11' },
      "consumerParallelizationFactor: '11' is not a whole number from 1 to 10",
    ],
    [{ allowDestroy: 'yes' }, "allowDestroy: 'yes' is not one of true, false"],
    [{ alarmEmail: 'oncall' }, "alarmEmail: 'oncall' is not an e-mail address"],
    [{ batchTimeZone: 'Mars/Olympus' }, "batchTimeZone: 'Mars/Olympus' is not an IANA time zone"],
    [
      { architecture: 'kappa', speedEngine: 'lambda' },
      "speedEngine: 'lambda' is not allowed with architecture kappa",
    ],
    [
      { rawInfrequentAccessDays: 100, rawGlacierInstantRetrievalDays: 90 },
      'rawGlacierInstantRetrievalDays: 90 must be greater than rawInfrequentAccessDays (100)',
    ],
    [
      { rawDeepArchiveDays: 120 },
      'rawDeepArchiveDays: 120 must be at least 90 days after rawGlacierInstantRetrievalDays (90)',
    ],
    [
      { batchScheduleHour: 7, batchDeadlineHour: 6 },
      'batchDeadlineHour: 6 must be later than batchScheduleHour (7)',
    ],
  ])('%j is given', (context, message) => {
    expect(problems(context)).toContain(message);
  });

  test('a key is mistyped, naming the closest real key', () => {
    expect(problems({ architecure: 'kappa' })).toContain(
      "architecure: unknown configuration key (did you mean 'architecture'?)",
    );
  });

  test.each([
    ['STAGE', 'prod', 'stage'],
    ['alarm-email', 'oncall@example.com', 'alarmEmail'],
    ['stream_capacity', 'provisioned', 'streamCapacity'],
    ['Architecture', 'kappa', 'architecture'],
    ['shardcount', '4', 'shardCount'],
  ])('a key is spelled in another case or style (%s), naming the real key', (key, value, real) => {
    expect(problems({ [key]: value })).toContain(
      `${key}: unknown configuration key (did you mean '${real}'?); see docs/configuration.md`,
    );
  });

  test.each([
    ['aws:cdk', 'looks like a CDK prefix without its colon'],
    ['@aws-cdkx/flag', 'looks like the feature-flag namespace'],
    ['telemetry', 'not the CLI key cli-telemetry'],
    ['ami', 'a context provider name without its colon'],
  ])('a key only resembles a CDK key (%s: %s)', (key) => {
    expect(problems({ [key]: true })).toContain(`${key}: unknown configuration key`);
  });

  test('stage prod with allowDestroy=true', () => {
    expect(problems({ stage: 'prod', allowDestroy: 'true' })).toContain(
      "allowDestroy: 'true' is not allowed with stage prod",
    );
  });

  test('a key is unknown and nothing is close', () => {
    expect(problems({ colour: 'blue' })).toMatch(
      /colour: unknown configuration key; see docs\/configuration.md/,
    );
  });

  test('several values are bad, reporting every one', () => {
    const message = problems({ architecture: 'kapa', stage: 'qa' });
    expect(message).toContain('architecture:');
    expect(message).toContain('stage:');
  });
});
