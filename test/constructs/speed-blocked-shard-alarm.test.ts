/**
 * A tumbling window's final invocation that keeps failing blocks its shard (AWS: "your Lambda function suspends
 * further processing until a successful invocation"). The records wait on the stream: they expire after the stream's
 * retention, and the ones behind the blocked window are discarded once older than the mapping's maximum record age.
 * The consumer's iterator-age alarm must fire well before either; this reads the deployed numbers from the templates
 * (the stream's RetentionPeriodHours, the mapping's MaximumRecordAgeInSeconds, the alarm's threshold and evaluation)
 * rather than the config that produced them.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { buildVariant, templateOf } from '../support/app';

interface AlarmTiming {
  readonly thresholdMs: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

/** Worst case from the moment the age crosses the threshold to ALARM: every evaluated period must breach. */
function latestFiringMs(a: AlarmTiming): number {
  return a.thresholdMs + a.periodSeconds * 1000 * a.evaluationPeriods;
}

/**
 * What is wrong with an alarm that must fire before records are lost `lossMs` after they arrived: it must fire with at
 * least a quarter of that time left to act, and alarm on one series of M out of N breaching periods (not more).
 */
function blockedShardAlarmProblems(a: AlarmTiming, lossMs: number): string[] {
  const problems: string[] = [];
  if (!(latestFiringMs(a) <= 0.75 * lossMs))
    problems.push(
      `fires up to ${latestFiringMs(a) / 60_000} min after the records arrived, later than 3/4 of the ${lossMs / 60_000} min before they are lost`,
    );
  if (a.datapointsToAlarm > a.evaluationPeriods) problems.push('needs more datapoints than it evaluates');
  if (a.thresholdMs <= 0) problems.push('fires on any age (no threshold)');
  return problems;
}

type Resource = { Properties: Record<string, unknown> };

const synthesized = new Map<string, { speed: Template; ingestion: Template }>();

/** The Speed and Ingestion templates of a lambda-architecture variant (synthesized once per context). */
function stackTemplates(context: Record<string, string>): { speed: Template; ingestion: Template } {
  const key = JSON.stringify(context);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const { stacks } = buildVariant({ architecture: 'lambda', ...context });
  const find = (layer: string) => {
    const s = stacks.all.find((x) => x.stackName.endsWith(`-${layer}`));
    if (!s) throw new Error(`no ${layer} stack`);
    return templateOf(s);
  };
  const templates = { speed: find('Speed'), ingestion: find('Ingestion') };
  synthesized.set(key, templates);
  return templates;
}

function consumerIteratorAlarm(speed: Template): AlarmTiming {
  const alarms = Object.values(speed.findResources('AWS::CloudWatch::Alarm')) as Resource[];
  const matching = alarms.filter((a) =>
    JSON.stringify(a.Properties.Metrics ?? a.Properties).includes('"MetricName":"IteratorAge"'),
  );
  expect(matching).toHaveLength(1);
  const p = (matching[0] as Resource).Properties as {
    Threshold: number;
    EvaluationPeriods: number;
    DatapointsToAlarm?: number;
    Metrics: { MetricStat?: { Period: number; Stat: string; Metric: { Namespace: string } } }[];
    AlarmActions: unknown[];
  };
  const stat = p.Metrics.find((m) => m.MetricStat)?.MetricStat;
  expect(stat?.Metric.Namespace).toBe('AWS/Lambda');
  expect(stat?.Stat).toBe('Maximum');
  expect(p.AlarmActions).toHaveLength(1);
  return {
    thresholdMs: p.Threshold,
    periodSeconds: stat?.Period ?? Number.NaN,
    evaluationPeriods: p.EvaluationPeriods,
    datapointsToAlarm: p.DatapointsToAlarm ?? p.EvaluationPeriods,
  };
}

function lossMs(speed: Template, ingestion: Template): { retentionMs: number; maxRecordAgeMs: number } {
  const streams = Object.values(ingestion.findResources('AWS::Kinesis::Stream')) as Resource[];
  expect(streams).toHaveLength(1);
  const retentionHours = (streams[0] as Resource).Properties.RetentionPeriodHours as number;
  const mappings = Object.values(speed.findResources('AWS::Lambda::EventSourceMapping')) as Resource[];
  expect(mappings).toHaveLength(1);
  const maxAge = (mappings[0] as Resource).Properties.MaximumRecordAgeInSeconds as number;
  expect(retentionHours).toBeGreaterThan(0);
  expect(maxAge).toBeGreaterThan(0);
  return { retentionMs: retentionHours * 3_600_000, maxRecordAgeMs: maxAge * 1000 };
}

describe('the consumer iterator-age alarm against a blocked shard', () => {
  test.each([
    ['the defaults', {}],
    ['a week of retention', { streamRetentionHours: '168' }],
    ['a one-hour maximum record age', { consumerMaxRecordAgeHours: '1' }],
  ])(
    'with %s, fires with a quarter of the time left before the records expire or are discarded',
    (_, context) => {
      const { speed, ingestion } = stackTemplates(context);
      const alarm = consumerIteratorAlarm(speed);
      const { retentionMs, maxRecordAgeMs } = lossMs(speed, ingestion);
      expect(blockedShardAlarmProblems(alarm, Math.min(retentionMs, maxRecordAgeMs))).toEqual([]);
      expect(latestFiringMs(alarm)).toBeLessThan(retentionMs);
    },
  );

  test('with the defaults: 24 h retention, 6 h record age, alarm at 3 h (evaluated over 3 × 5 min)', () => {
    const { speed, ingestion } = stackTemplates({});
    const alarm = consumerIteratorAlarm(speed);
    expect(lossMs(speed, ingestion)).toEqual({ retentionMs: 24 * 3_600_000, maxRecordAgeMs: 6 * 3_600_000 });
    expect(alarm).toEqual({
      thresholdMs: 3 * 3_600_000,
      periodSeconds: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });
  });

  test('a failing final invocation also trips the Errors alarm at the first failure', () => {
    const { speed } = stackTemplates({});
    const alarms = Object.values(speed.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    const errors = alarms.filter((a) => JSON.stringify(a.Properties).includes('"MetricName":"Errors"'));
    expect(errors).toHaveLength(1);
    expect((errors[0] as Resource).Properties).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('fails when the alarm would fire too late: a threshold at the retention, or one evaluated too long', () => {
    const day = 24 * 3_600_000;
    expect(
      blockedShardAlarmProblems(
        { thresholdMs: day, periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
        day,
      ),
    ).toHaveLength(1);
    expect(
      blockedShardAlarmProblems(
        { thresholdMs: 3 * 3_600_000, periodSeconds: 3600, evaluationPeriods: 24, datapointsToAlarm: 24 },
        6 * 3_600_000,
      ),
    ).toHaveLength(1);
    expect(
      blockedShardAlarmProblems(
        { thresholdMs: 0, periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 2 },
        day,
      ),
    ).toHaveLength(2);
  });
});
