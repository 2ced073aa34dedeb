import { App, Stack, TimeZone } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { checkWindow, expectedDay, missingDays } from '../../lambda/batch-deadline/check';
import { BatchDeadline, type BatchDeadlineProps } from '../../lib/constructs/batch/batch-deadline';
import planning from '../../lib/contracts/batch-planning.json';
import { CDK_JSON_CONTEXT } from '../support/app';

describe('expectedDay', () => {
  test('is the UTC day before the batch run that preceded the check', () => {
    // batch at 01:00 UTC, deadline at 06:00 UTC on 21 Nov: the run processed 20 Nov.
    expect(expectedDay('2026-11-21T06:00:00Z', 5)).toBe('2026-11-20');
  });

  test('follows the batch run, not the check, when the two straddle UTC midnight', () => {
    // Asia/Kolkata: batch 01:00 IST = 19:30 UTC on 20 Nov (processes 19 Nov); deadline 06:00 IST = 00:30 UTC on 21 Nov.
    expect(expectedDay('2026-11-21T00:30:00Z', 5)).toBe('2026-11-19');
  });

  test('fails when the time is not an instant', () => {
    expect(() => expectedDay('yesterday', 5)).toThrow(/not an ISO-8601 instant/);
  });

  test('fails when the lag is not 1-23 hours', () => {
    expect(() => expectedDay('2026-11-21T06:00:00Z', 0)).toThrow(/lagHours/);
  });
});

describe('missingDays', () => {
  const raw = (...days: string[]) => new Set(days);

  test('none when every day with raw data, and the expected day, completed', () => {
    expect(
      missingDays('2026-11-20', 4, raw('2026-11-18', '2026-11-20'), raw('2026-11-18', '2026-11-20')),
    ).toEqual([]);
  });

  test('a failed older day stays missing after a later day succeeded', () => {
    expect(
      missingDays(
        '2026-11-20',
        4,
        raw('2026-11-20'),
        raw('2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20'),
      ),
    ).toEqual(['2026-11-17', '2026-11-18', '2026-11-19']);
  });

  test('the expected day is missing without a completion even when it has no raw data', () => {
    expect(missingDays('2026-11-20', 4, raw(), raw())).toEqual(['2026-11-20']);
  });

  test('older days without raw data are not missing (a new deployment, a quiet day)', () => {
    expect(missingDays('2026-11-20', 31, raw('2026-11-20'), raw('2026-11-20'))).toEqual([]);
  });

  test('only days of the window count, across a month end', () => {
    expect(missingDays('2026-12-01', 2, raw(), raw('2026-11-29', '2026-11-30', '2026-12-01'))).toEqual([
      '2026-11-30',
      '2026-12-01',
    ]);
    expect(checkWindow('2026-12-01', 3)).toEqual({ fromDay: '2026-11-29', toDay: '2026-12-01' });
  });

  test('fails when the window is not 1 to 366 days', () => {
    expect(() => checkWindow('2026-11-20', 0)).toThrow(/windowDays is 0/);
    expect(() => checkWindow('2026-11-20', 367)).toThrow(/windowDays is 367/);
  });
});

describe('BatchDeadline', () => {
  const build = (overrides: Partial<BatchDeadlineProps> = {}) => {
    const stack = new Stack(
      new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } }),
      'T',
    );
    const props: BatchDeadlineProps = {
      viewTable: new dynamodb.Table(stack, 'Views', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      }),
      rawBucket: new s3.Bucket(stack, 'Raw'),
      encryptionKey: new kms.Key(stack, 'Key'),
      scheduleHour: 1,
      deadlineHour: 6,
      timeZone: TimeZone.ETC_UTC,
      ...overrides,
    };
    return { stack, deadline: new BatchDeadline(stack, 'D', props) };
  };

  test('publishes the metric the alarm watches', () => {
    const { deadline } = build();
    const { namespace, deadline: names } = planning.metrics;
    expect(deadline.daysMissing.namespace).toBe(namespace);
    expect(deadline.daysMissing.metricName).toBe(names.daysMissing);
    expect(deadline.daysMissing.dimensions).toEqual({ service: names.service });
  });

  test('the function gets the window, the lag and where the raw events are', () => {
    const { stack } = build({ windowDays: 10 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          SCHEDULE_LAG_HOURS: '5',
          WINDOW_DAYS: '10',
          RAW_PREFIX: 'raw/events/',
        },
      },
    });
  });

  test('may Query the completion partition only and list raw/events/ only', () => {
    const { stack } = build();
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
          .PolicyDocument.Statement,
    );
    const dynamo = statements.filter((s) => String(s.Action).startsWith('dynamodb:'));
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['meta#batch'] } },
      }),
    ]);
    const s3Statements = statements.filter((s) => String(s.Action).startsWith('s3:'));
    expect(s3Statements).toEqual([
      expect.objectContaining({
        Action: 's3:ListBucket',
        Condition: { StringLike: { 's3:prefix': ['raw/events/*'] } },
      }),
    ]);
  });

  test('fails when the deadline is not after the schedule hour', () => {
    expect(() => build({ scheduleHour: 6, deadlineHour: 6 })).toThrow(
      /deadlineHour \(6\) must be later than scheduleHour \(6\)/,
    );
  });

  test('fails when an hour is outside 0-23', () => {
    expect(() => build({ deadlineHour: 24 })).toThrow(/deadlineHour is 24/);
  });

  test('fails when the window is outside 1-366 days', () => {
    expect(() => build({ windowDays: 0 })).toThrow(/windowDays is 0/);
  });
});
