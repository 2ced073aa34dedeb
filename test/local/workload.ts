/** A small seeded workload and what a correct pipeline would make of it, for the check tests. */
import { gzipSync } from 'node:zlib';
import { type GeneratedRecord, WorkloadGenerator } from '../../cli/lib/generator';
import type { ArchiveObject } from '../../local/checks/archive';
import type { StreamRecord } from '../../local/checks/stream';
import type { TruthEvent } from '../../local/reference';

/** 400 records with plenty of malformed and duplicate ones, crossing midnight. */
export function workload(n = 400): GeneratedRecord[] {
  const gen = new WorkloadGenerator({
    seed: 7,
    startTimeMs: Date.parse('2026-11-20T23:58:00.000Z'),
    ratePerSecond: 2,
    fractions: { malformed: 0.08, duplicate: 0.05, late: 0.03, outOfOrder: 0.05 },
  });
  const out: GeneratedRecord[] = [];
  for (const r of gen) {
    out.push(r);
    if (out.length === n) break;
  }
  return out;
}

/** The stream a correct producer leaves: every record once, spread over two shards in order. */
export function streamOf(records: readonly GeneratedRecord[]): StreamRecord[] {
  return records.map((r, i) => ({
    shardId: `shardId-00000000000${i % 2}`,
    sequenceNumber: String(49_000_000_000_000n + BigInt(i)),
    data: r.data,
  }));
}

/** Valid events by record (`shardId:sequenceNumber`). */
export function eventsBySeq(
  records: readonly GeneratedRecord[],
  stream = streamOf(records),
): Map<string, TruthEvent> {
  const out = new Map<string, TruthEvent>();
  stream.forEach((s, i) => {
    const e = records[i]?.truth.event;
    if (e && records[i]?.truth.kind !== 'malformed') out.set(`${s.shardId}:${s.sequenceNumber}`, e);
  });
  return out;
}

/** The raw bucket a correct archive writer leaves: events by dt/hour of occurredAt, the rest under errors. */
export function archiveOf(records: readonly GeneratedRecord[]): ArchiveObject[] {
  const objects = new Map<string, Uint8Array[]>();
  for (const r of records) {
    const at = r.truth.event?.occurredAt;
    const key =
      r.truth.kind !== 'malformed' && at
        ? `raw/events/dt=${at.slice(0, 10)}/hour=${at.slice(11, 13)}/part-1.gz`
        : 'raw/errors/partitioning-failed/dt=2026-11-20/part-1.gz';
    const line = key.startsWith('raw/errors/')
      ? Buffer.from(JSON.stringify({ errorCode: 'x', rawData: Buffer.from(r.data).toString('base64') }))
      : r.data;
    objects.set(key, [...(objects.get(key) ?? []), line]);
  }
  return [...objects].map(([key, lines]) => ({ key, lines }));
}

export { gzipSync };
