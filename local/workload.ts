/**
 * The workload and its truth, generated before anything runs so that the reference cannot depend on anything
 * downstream: the seeded live-match records, the truth of each (what the generator meant it to be), and the reference
 * aggregates computed from that truth. Both are also written to the work folder as `produce --out`/`--truth` would:
 * `workload.ndjson` (the payloads, one per line) and `truth.ndjson`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GeneratedRecord, WorkloadGenerator } from '../cli/lib/generator';
import { b64 } from './checks/check';
import type { StreamRecord } from './checks/stream';
import type { PipelineOptions } from './options';
import { type Aggregate, aggregate, filterDay, type TruthEvent } from './reference';

export interface Workload {
  readonly records: GeneratedRecord[];
  /** The day that closes (the workload crosses the following midnight). */
  readonly closedDay: string;
  readonly startMs: number;
  /** Well-formed events (duplicates included; the reference dedupes by eventId). */
  readonly truthEvents: TruthEvent[];
  /** Reference of every minute, and of the closed day by minute and by day. */
  readonly refAllMinutes: Map<string, Aggregate>;
  readonly refMinute: Map<string, Aggregate>;
  readonly refDay: Map<string, Aggregate>;
  readonly summary: {
    records: number;
    events: number;
    duplicates: number;
    malformed: number;
    late: number;
    outOfOrder: number;
  };
}

export function generateWorkload(
  opts: Pick<PipelineOptions, 'seed' | 'records' | 'startTime' | 'spanMinutes'>,
): Workload {
  const startMs = Date.parse(opts.startTime);
  const gen = new WorkloadGenerator({
    seed: opts.seed,
    startTimeMs: startMs,
    ratePerSecond: opts.records / (opts.spanMinutes * 60),
  });
  // `records` sets the mean rate; bursts (wickets, boundaries) slow the event clock down, so generate until the event
  // clock has covered the whole span (the day must close), within a hard cap.
  const records: GeneratedRecord[] = [];
  const endIso = new Date(startMs + opts.spanMinutes * 60_000).toISOString();
  let newest = '';
  for (const r of gen) {
    records.push(r);
    const at = r.truth.event?.occurredAt;
    if (at && at > newest) newest = at;
    if (newest >= endIso || records.length >= opts.records * 4) break;
  }
  const closedDay = opts.startTime.slice(0, 10);
  if (newest.slice(0, 10) <= closedDay) {
    throw new Error(
      `the workload ends at ${newest}: it must cross midnight after ${closedDay} for that day to close`,
    );
  }
  const truthEvents = records.flatMap((r) =>
    r.truth.kind !== 'malformed' && r.truth.event ? [r.truth.event] : [],
  );
  const refAllMinutes = aggregate(truthEvents, 'minute');
  const kind = (k: string) => records.filter((r) => r.truth.kind === k).length;
  return {
    records,
    closedDay,
    startMs,
    truthEvents,
    refAllMinutes,
    refMinute: filterDay(refAllMinutes, closedDay),
    refDay: filterDay(aggregate(truthEvents, 'day'), closedDay),
    summary: {
      records: records.length,
      events: kind('event'),
      duplicates: kind('duplicate'),
      malformed: kind('malformed'),
      late: records.filter((r) => r.truth.timing === 'late').length,
      outOfOrder: records.filter((r) => r.truth.timing === 'out_of_order').length,
    },
  };
}

/** Writes `workload.ndjson` (payloads) and `truth.ndjson` (the `produce --truth` lines) into `dir`. */
export function writeWorkloadFiles(dir: string, w: Workload): { workload: string; truth: string } {
  const files = { workload: join(dir, 'workload.ndjson'), truth: join(dir, 'truth.ndjson') };
  writeFileSync(
    files.workload,
    Buffer.concat(w.records.flatMap((r) => [Buffer.from(r.data), Buffer.from('\n')])),
  );
  writeFileSync(
    files.truth,
    w.records
      .map((r) => {
        const { event: _event, ...t } = r.truth;
        return `${JSON.stringify(t)}\n`;
      })
      .join(''),
  );
  return files;
}

/**
 * Joins what was read back from the stream with the truth, by payload: the valid event each record
 * (`shardId:sequenceNumber`) carries, and the malformed records with the generator's reason. Identical payloads carry
 * the same event (a duplicate is a byte-exact copy), so the join is unambiguous where it matters.
 */
export function joinStreamWithTruth(
  w: Workload,
  stream: readonly StreamRecord[],
): { events: Map<string, TruthEvent>; malformed: (StreamRecord & { reason: string })[] } {
  const byPayload = new Map(w.records.map((r) => [b64(r.data), r.truth]));
  const events = new Map<string, TruthEvent>();
  const malformed: (StreamRecord & { reason: string })[] = [];
  for (const s of stream) {
    const t = byPayload.get(b64(s.data));
    if (!t) continue;
    if (t.kind === 'malformed') malformed.push({ ...s, reason: t.reason ?? 'unknown' });
    else if (t.event) events.set(`${s.shardId}:${s.sequenceNumber}`, t.event);
  }
  return { events, malformed };
}
