import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { consumerAlarms, type DeadLetterAlarmThresholds } from '../../lib/constructs/monitoring/speed-alarms';
import { StreamConsumer } from '../../lib/constructs/speed/stream-consumer';
import consumerMetrics from '../../lib/contracts/stream-consumer-metrics.json';
import { CDK_JSON_CONTEXT } from '../support/app';

type Alarm = { Properties: Record<string, unknown> };

function build(deadLetters?: DeadLetterAlarmThresholds): Template {
  const stack = new Stack(
    new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } }),
    'Speed',
  );
  const key = new kms.Key(stack, 'Key');
  const consumer = new StreamConsumer(stack, 'Consumer', {
    stream: new kinesis.Stream(stack, 'Stream', { encryptionKey: key }),
    viewTable: new dynamodb.Table(stack, 'Views', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    }),
    encryptionKey: key,
  });
  consumerAlarms(stack, {
    consumer,
    alarmTopic: new sns.Topic(stack, 'Alarms'),
    retentionHours: 24,
    maxRecordAge: Duration.hours(6),
    ...(deadLetters ? { deadLetters } : {}),
  });
  return Template.fromStack(stack);
}

const alarms = (t: Template) => Object.values(t.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
const named = (t: Template, pattern: RegExp) =>
  alarms(t).filter((a) => pattern.test(String(a.Properties.AlarmName)));

describe('dead-letter alarms of the Lambda speed layer', () => {
  const template = build();

  test('no alarm watches the depth of a dead-letter queue (it keeps messages 14 days)', () => {
    for (const a of alarms(template))
      expect(JSON.stringify(a.Properties)).not.toMatch(
        /ApproximateNumberOfMessages|ApproximateAgeOfOldestMessage/,
      );
  });

  test('any new failed batch raises a critical alarm, which clears once a period passes without one', () => {
    const [alarm] = named(template, /FailedBatches.*Critical$/);
    expect(alarm.Properties.AlarmName).toMatch(/FailedBatches-Queue-Incoming-Messages-Count-Max-Critical$/);
    expect(alarm.Properties.Metrics).toEqual([
      expect.objectContaining({
        MetricStat: expect.objectContaining({
          Metric: expect.objectContaining({ MetricName: 'NumberOfMessagesSent', Namespace: 'AWS/SQS' }),
          Period: 300,
          Stat: 'Sum',
        }),
      }),
    ]);
    expect(alarm.Properties).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  test('malformed records raise a critical alarm on their share of the records read, not on one record', () => {
    const [alarm] = named(template, /MalformedRecords-MalformedShare-Critical$/);
    expect(alarm.Properties).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const metrics = alarm.Properties.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Namespace: string }; Period: number; Stat: string };
    }[];
    const expression = metrics.find((m) => m.Expression)?.Expression ?? '';
    expect(expression).toContain('FILL(sent, 0) >= 10');
    expect(expression).toContain('100 * FILL(sent, 0) / (FILL(processed, 0) + FILL(malformed, 0))');
    const byId = Object.fromEntries(metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat]));
    expect(byId.sent).toMatchObject({
      Metric: { MetricName: 'NumberOfMessagesSent', Namespace: 'AWS/SQS' },
      Period: 900,
      Stat: 'Sum',
    });
    expect(byId.processed).toMatchObject({
      Metric: { MetricName: 'ProcessedRecords', Namespace: 'streamlake' },
    });
    expect(byId.malformed).toMatchObject({
      Metric: { MetricName: 'MalformedRecords', Namespace: 'streamlake' },
    });
    expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  test('thresholds can be set', () => {
    const t = build({ malformedPercent: 5, malformedMinimum: 100, failedBatchPeriod: Duration.minutes(1) });
    expect(named(t, /MalformedShare-Critical$/)[0].Properties.Threshold).toBe(5);
    expect(JSON.stringify(named(t, /MalformedShare-Critical$/)[0].Properties.Metrics)).toContain('>= 100');
    expect(JSON.stringify(named(t, /FailedBatches.*Critical$/)[0].Properties.Metrics)).toContain(
      '"Period":60',
    );
  });

  test('fails when the malformed share is not above 0 and at most 100', () => {
    expect(() => build({ malformedPercent: 0 })).toThrow(/malformedPercent is 0/);
    expect(() => build({ malformedMinimum: 0 })).toThrow(/malformedMinimum is 0/);
  });
});

describe('the consumer metrics the malformed alarm reads', () => {
  test('the function publishes them under the contract namespace and service', () => {
    const template = build();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: consumerMetrics.service,
          POWERTOOLS_METRICS_NAMESPACE: consumerMetrics.namespace,
        }),
      },
    });
  });

  test('the handler adds both metrics by the contract names', () => {
    // The factory the entry point builds the handler with emits the metrics.
    const source = readFileSync(
      join(__dirname, '..', '..', 'lambda', 'stream-consumer', 'handler.ts'),
      'utf8',
    );
    for (const name of [consumerMetrics.processedRecords, consumerMetrics.malformedRecords])
      expect(source).toMatch(new RegExp(`addMetric\\(\\s*'${name}'`));
  });
});
