import { App, Stack, TimeZone } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DEADLINE_METRIC, daysBehind, expectedDay } from '../../lambda/batch-deadline/check';
import { BatchDeadline } from '../../lib/constructs/batch/batch-deadline';
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

describe('daysBehind', () => {
  test('is 0 when the watermark is the expected day', () => {
    expect(daysBehind('2026-11-20', '2026-11-20')).toBe(0);
  });

  test('is 0 when the watermark is ahead (a later day was backfilled first)', () => {
    expect(daysBehind('2026-11-20', '2026-11-21')).toBe(0);
  });

  test('counts whole missing days across a month end', () => {
    expect(daysBehind('2026-12-02', '2026-11-29')).toBe(3);
  });

  test('is 1 when there is no watermark yet', () => {
    expect(daysBehind('2026-11-20', undefined)).toBe(1);
    expect(daysBehind('2026-11-20', 'garbage')).toBe(1);
  });
});

describe('BatchDeadline', () => {
  const table = () => {
    const stack = new Stack(
      new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } }),
      'T',
    );
    return {
      stack,
      table: new dynamodb.Table(stack, 'Views', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      }),
      key: new kms.Key(stack, 'Key'),
    };
  };

  test('publishes the metric the alarm watches', () => {
    const { stack, table: t, key } = table();
    const d = new BatchDeadline(stack, 'D', {
      viewTable: t,
      encryptionKey: key,
      scheduleHour: 1,
      deadlineHour: 6,
      timeZone: TimeZone.ETC_UTC,
    });
    expect(d.daysBehind.namespace).toBe(DEADLINE_METRIC.namespace);
    expect(d.daysBehind.metricName).toBe(DEADLINE_METRIC.name);
    expect(d.daysBehind.dimensions).toEqual({ service: DEADLINE_METRIC.service });
  });

  test('fails when the deadline is not after the schedule hour', () => {
    const { stack, table: t, key } = table();
    expect(
      () =>
        new BatchDeadline(stack, 'D', {
          viewTable: t,
          encryptionKey: key,
          scheduleHour: 6,
          deadlineHour: 6,
          timeZone: TimeZone.ETC_UTC,
        }),
    ).toThrow(/deadlineHour \(6\) must be later than scheduleHour \(6\)/);
  });

  test('fails when an hour is outside 0-23', () => {
    const { stack, table: t, key } = table();
    expect(
      () =>
        new BatchDeadline(stack, 'D', {
          viewTable: t,
          encryptionKey: key,
          scheduleHour: 1,
          deadlineHour: 24,
          timeZone: TimeZone.ETC_UTC,
        }),
    ).toThrow(/deadlineHour is 24/);
  });
});
