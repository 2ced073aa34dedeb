/**
 * The map phase: read a work item's raw objects (gzip NDJSON as Firehose wrote them), decode and validate every line
 * with the stream consumer's decoder (`decodeEventBytes`: the event contract's verdicts, with a fast path for plainly
 * valid events), keep the malformed ones with their reason, and partition the valid events by Spark's hash of
 * `eventId` into one shuffle file for the round-1 reducers.
 */
import { createGunzip } from 'node:zlib';
import { dayOf, type StreamEvent } from '../../lib/contracts/event';
import { PARTITION_MISMATCH } from '../../lib/contracts/mapreduce';
import { decodeEventBytes } from '../stream-consumer/decode';
import { partitionOf } from './hash';
import { LineSplitter } from './lines';
import type { EventRecord, QuarantineRow } from './records';
import { ShuffleWriter } from './shuffle';

/** One raw object of the day, as the plan listed it. */
export interface PlannedObject {
  readonly key: string;
  /** Rank of the key among the day's objects in byte order: the first-written rule compares these. */
  readonly ordinal: number;
  readonly size: number;
}

export interface MapTask {
  readonly day: string;
  readonly rawBucket: string;
  readonly objects: readonly PlannedObject[];
  /** Round-1 reducers. */
  readonly eventPartitions: number;
}

export interface MapCounts {
  readonly objects: number;
  readonly bytes: number;
  readonly lines: number;
  readonly valid: number;
  readonly quarantined: number;
}

export interface MapResult {
  readonly shuffle: Buffer;
  readonly quarantine: QuarantineRow[];
  readonly counts: MapCounts;
}

/** Opens a raw object's (compressed) bytes as a stream. */
export type OpenObject = (key: string) => Promise<AsyncIterable<Uint8Array>>;

export type LineVerdict = { ok: true; event: StreamEvent } | { ok: false; reason: string };

/** What one line is: a valid event of the day, or malformed with the reason the Spark job would give. */
export function classifyLine(bytes: Uint8Array, day: string): LineVerdict {
  const result = decodeEventBytes(bytes);
  if (!result.ok) return result;
  // Firehose partitions by occurredAt, so a valid event of another day here means a misplaced object: counting it
  // in this day would be wrong and dropping it would lose it (the Spark job does the same).
  if (dayOf(result.event.occurredAt) !== day) return { ok: false, reason: PARTITION_MISMATCH };
  return result;
}

/** Runs the map phase over one work item. Objects are read one after another, each streamed through gunzip. */
export async function mapObjects(task: MapTask, open: OpenObject): Promise<MapResult> {
  const writer = new ShuffleWriter(task.eventPartitions);
  const quarantine: QuarantineRow[] = [];
  let lines = 0;
  let valid = 0;
  let bytes = 0;
  for (const object of task.objects) {
    const source = `s3://${task.rawBucket}/${object.key}`;
    const splitter = new LineSplitter((line, n) => {
      lines++;
      const verdict = classifyLine(line, task.day);
      if (!verdict.ok) {
        quarantine.push({ reason: verdict.reason, raw: line.toString('utf8'), source_file: source });
        return;
      }
      valid++;
      const e = verdict.event;
      const record: EventRecord = [
        e.eventId,
        e.type,
        e.userId,
        e.contentId,
        e.occurredAt,
        e.region,
        e.device,
        e.watchSeconds ?? null,
        object.ordinal,
        n,
      ];
      writer.add(partitionOf(task.eventPartitions, e.eventId), JSON.stringify(record));
    });
    // Large output chunks: fewer callbacks and fewer lines carried across chunk ends.
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    const input = await open(object.key);
    let read = 0;
    const feed = (async () => {
      for await (const chunk of input) {
        read += chunk.length;
        if (!gunzip.write(chunk)) await new Promise<void>((resolve) => gunzip.once('drain', resolve));
      }
      gunzip.end();
    })();
    const consume = (async () => {
      for await (const chunk of gunzip) splitter.push(chunk as Buffer);
      splitter.end();
    })();
    await Promise.all([feed, consume]).catch((err: unknown) => {
      gunzip.destroy();
      throw new Error(
        `s3://${task.rawBucket}/${object.key}: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
    bytes += read;
  }
  const counts: MapCounts = {
    objects: task.objects.length,
    bytes,
    lines,
    valid,
    quarantined: quarantine.length,
  };
  return { shuffle: writer.finish(counts), quarantine, counts };
}
