/**
 * The shuffle file: what one map (or round-1 reduce) task writes for all reducers of the next round, in one S3
 * object, as Hadoop writes one map output file plus an index: one segment per reducer, then a JSON index, then an
 * 8-byte trailer (index length, magic). A reducer reads the trailer and index with one suffix range GET and its own
 * segment with one range GET, so a task writes 1 object instead of one per reducer (S3 PUTs cost 12× GETs).
 *
 * A segment is a JSON array of records (each record a JSON array), parsed with one `JSON.parse`.
 */

const MAGIC = 0x524d4c53; // "SLMR" little-endian
const TRAILER_BYTES = 8;
/** First read of a shuffle file's tail: trailer + index of up to a few thousand partitions in one GET. */
export const TAIL_READ_BYTES = 64 * 1024;

export interface SegmentRef {
  readonly offset: number;
  readonly length: number;
  readonly records: number;
}

export interface ShuffleIndex<M> {
  readonly version: 1;
  readonly segments: readonly SegmentRef[];
  /** What the task that wrote the file counted (lines read, rows kept…). */
  readonly meta: M;
}

/** Collects records per partition, then lays out the file. */
export class ShuffleWriter {
  private readonly parts: string[][];

  constructor(readonly partitions: number) {
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new Error(`a shuffle needs at least one partition, got ${partitions}`);
    this.parts = Array.from({ length: partitions }, () => []);
  }

  /** Adds one record (already JSON-encoded) to partition p. */
  add(p: number, encoded: string): void {
    this.parts[p].push(encoded);
  }

  get records(): number {
    return this.parts.reduce((n, part) => n + part.length, 0);
  }

  finish<M>(meta: M): Buffer {
    const chunks: Buffer[] = [];
    const segments: SegmentRef[] = [];
    let offset = 0;
    for (let p = 0; p < this.partitions; p++) {
      const records = this.parts[p];
      if (records.length === 0) {
        segments.push({ offset, length: 0, records: 0 });
        continue;
      }
      const segment = Buffer.from(`[${records.join(',')}]`, 'utf8');
      this.parts[p] = [];
      chunks.push(segment);
      segments.push({ offset, length: segment.length, records: records.length });
      offset += segment.length;
    }
    const index: ShuffleIndex<M> = { version: 1, segments, meta };
    const indexBytes = Buffer.from(JSON.stringify(index), 'utf8');
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(indexBytes.length, 0);
    trailer.writeUInt32LE(MAGIC, 4);
    return Buffer.concat([...chunks, indexBytes, trailer]);
  }
}

/** Reads byte ranges of one stored object. */
export interface RangeReader {
  /** The last `bytes` bytes (all of it when shorter). */
  tail(bytes: number): Promise<Buffer>;
  /** Bytes [start, end) of the object. */
  range(start: number, end: number): Promise<Buffer>;
}

/** Reads a shuffle file's index: one tail read, a second only when the index is larger than the first read. */
export async function readIndex<M>(reader: RangeReader, name: string): Promise<ShuffleIndex<M>> {
  let tail = await reader.tail(TAIL_READ_BYTES);
  if (tail.length < TRAILER_BYTES) throw new Error(`${name} is not a shuffle file: ${tail.length} bytes`);
  const length = tail.readUInt32LE(tail.length - TRAILER_BYTES);
  if (tail.readUInt32LE(tail.length - 4) !== MAGIC)
    throw new Error(`${name} is not a shuffle file: no trailer`);
  if (length + TRAILER_BYTES > tail.length) tail = await reader.tail(length + TRAILER_BYTES);
  const start = tail.length - TRAILER_BYTES - length;
  if (start < 0) throw new Error(`${name} is truncated: its index needs ${length} bytes`);
  const index = JSON.parse(
    tail.subarray(start, tail.length - TRAILER_BYTES).toString('utf8'),
  ) as ShuffleIndex<M>;
  if (index.version !== 1) throw new Error(`${name}: unknown shuffle file version ${String(index.version)}`);
  return index;
}

/** Parses one segment of a shuffle file (the records a reducer owns). */
export function parseSegment<R>(bytes: Buffer, ref: SegmentRef, name: string): R[] {
  if (bytes.length !== ref.length)
    throw new Error(`${name}: segment read ${bytes.length} bytes, the index says ${ref.length}`);
  const records = JSON.parse(bytes.toString('utf8')) as R[];
  if (records.length !== ref.records)
    throw new Error(`${name}: segment holds ${records.length} records, the index says ${ref.records}`);
  return records;
}

/** Reads the records of partition p from one shuffle file, and the file's index meta. */
export async function readPartition<R, M>(
  reader: RangeReader,
  p: number,
  name: string,
): Promise<{ records: R[]; meta: M }> {
  const index = await readIndex<M>(reader, name);
  const ref = index.segments[p];
  if (ref === undefined)
    throw new Error(`${name} has ${index.segments.length} partitions; partition ${p} was asked for`);
  if (ref.length === 0) return { records: [], meta: index.meta };
  const bytes = await reader.range(ref.offset, ref.offset + ref.length);
  return { records: parseSegment<R>(bytes, ref, name), meta: index.meta };
}
