/**
 * Reading back and checking, once every component has settled: each function reads what a component left on the
 * emulators (local/observe.ts) and hands it, with the workload's truth, to a pure check (local/checks/).
 */
import viewTable from '../lib/contracts/view-table.json';
import { checkArchive } from './checks/archive';
import { type Check, countBy } from './checks/check';
import { checkFlinkDeadLetters, checkOnFailureDestination, checkSqsDeadLetters } from './checks/dead-letters';
import type { StreamRecord } from './checks/stream';
import { checkExactView, checkSpeedView, speedUpperBound } from './checks/views';
import type { SpeedLayer } from './compute/speed';
import type { Deployment } from './infra';
import { readBucket, readFlinkDeadLetters, readQueue } from './observe';
import { type Aggregate, filterDay, readView, rollUpToDays } from './reference';
import { joinStreamWithTruth, type Workload } from './workload';

export interface DeadLetterSummary {
  readonly destination: string;
  readonly count: number;
  readonly reasons: Record<string, number>;
}

export interface Verified {
  readonly checks: Check[];
  readonly deadLetters: DeadLetterSummary[];
  readonly paths: Record<string, Record<string, number | string>>;
}

const sum = (rows: Iterable<Aggregate>) => {
  let count = 0;
  for (const r of rows) count += r.count;
  return count;
};

/** The raw bucket, every object, against the workload. */
export async function verifyArchive(d: Deployment, w: Workload): Promise<Verified> {
  const objects = await readBucket(d.clients.s3, d.rawBucket);
  return {
    checks: [checkArchive(w.records, objects)],
    deadLetters: [],
    paths: {
      archive: { objects: objects.length, lines: objects.reduce((n, o) => n + o.lines.length, 0) },
    },
  };
}

function reasonsOf(
  bodies: readonly string[],
  pick: (m: Record<string, unknown>) => unknown,
): Record<string, number> {
  return Object.fromEntries(
    countBy(bodies, (b) => {
      try {
        return String(pick(JSON.parse(b) as Record<string, unknown>) ?? 'unknown');
      } catch {
        return 'unreadable';
      }
    }),
  );
}

/** The speed view within its bounds, the dead-letter queue record by record, the on-failure queue empty. */
export async function verifySpeed(
  d: Deployment,
  w: Workload,
  stream: readonly StreamRecord[],
  speed: SpeedLayer,
): Promise<Verified> {
  const { events, malformed } = joinStreamWithTruth(w, stream);
  const view = await readView(d.clients.dynamodb, d.table, viewTable.views.speed, 'minute');
  const upper = speedUpperBound(events, speed.deliveries);
  const checks: Check[] = [checkSpeedView(w.refAllMinutes, upper, view)];
  const deadLetters: DeadLetterSummary[] = [];
  if (d.deadLetterQueueUrl) {
    const bodies = await readQueue(d.clients.sqs, d.deadLetterQueueUrl);
    checks.push(checkSqsDeadLetters(malformed, bodies, speed.deliveryCounts));
    deadLetters.push({
      destination: 'dead-letter queue (SQS)',
      count: bodies.length,
      reasons: reasonsOf(bodies, (m) => m.reason),
    });
  }
  if (d.onFailureQueueUrl && d.onFailureQueueUrl !== d.deadLetterQueueUrl) {
    const bodies = await readQueue(d.clients.sqs, d.onFailureQueueUrl);
    checks.push(checkOnFailureDestination(bodies));
    deadLetters.push({
      destination: 'on-failure destination (SQS)',
      count: bodies.length,
      reasons: reasonsOf(bodies, (m) => (m.requestContext as { condition?: string } | undefined)?.condition),
    });
  }
  const s = speed.poller.stats;
  return {
    checks,
    deadLetters,
    paths: {
      speed: {
        invocations: s.invocations,
        failedInvocations: s.failedInvocations,
        recordsDelivered: s.recordsDelivered,
        recordsRedelivered: s.recordsRedelivered,
        windowsClosed: s.windowsClosed,
        windowsTerminatedEarly: s.windowsTerminatedEarly,
        bisections: s.bisections,
        batchesToDestination: s.batchesToDestination,
        minuteRows: view.size,
        events: sum(view.values()),
      },
    },
  };
}

/** The Flink view of the closed day equal to the reference (minutes, and minutes rolled up to the day); its dead letters. */
export async function verifyFlink(d: Deployment, w: Workload, flinkView: string): Promise<Verified> {
  const minutes = filterDay(await readView(d.clients.dynamodb, d.table, flinkView, 'minute'), w.closedDay);
  const items = await readFlinkDeadLetters(d.clients.dynamodb, d.table, flinkView);
  return {
    checks: [
      checkExactView(`flink view = reference, per minute (${w.closedDay})`, w.refMinute, minutes),
      checkExactView(
        `flink view = reference, per day (${w.closedDay}, minutes rolled up)`,
        w.refDay,
        rollUpToDays(minutes.values()),
      ),
      checkFlinkDeadLetters(w.records, items),
    ],
    deadLetters: [
      {
        destination: `flink dead letters (views table, deadletter#${flinkView}#…)`,
        count: items.length,
        reasons: Object.fromEntries(countBy(items, (i) => i.reason)),
      },
    ],
    paths: { flink: { minuteRows: minutes.size, events: sum(minutes.values()) } },
  };
}

/** The batch view of the closed day equal to the reference, per minute and per day. */
export async function verifyBatch(d: Deployment, w: Workload): Promise<Verified> {
  const minutes = filterDay(
    await readView(d.clients.dynamodb, d.table, viewTable.views.batch, 'minute'),
    w.closedDay,
  );
  const days = filterDay(
    await readView(d.clients.dynamodb, d.table, viewTable.views.batch, 'day'),
    w.closedDay,
  );
  return {
    checks: [
      checkExactView(`batch view = reference, per minute (${w.closedDay})`, w.refMinute, minutes),
      checkExactView(`batch view = reference, per day (${w.closedDay})`, w.refDay, days),
    ],
    deadLetters: [],
    paths: { batch: { minuteRows: minutes.size, dayRows: days.size, events: sum(days.values()) } },
  };
}
