/**
 * Test helpers: the golden fixtures laid out as Firehose lays out raw objects (written here independently of the
 * engine), an in-memory views table, and a Parquet reader for what the engine published.
 */
import { gzipSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import type { BlobStore } from '../../../lambda/mapreduce/store';
import type { ViewItem, ViewStore } from '../../../lambda/mapreduce/views';

/** What Firehose's partitioning needs: JSON with a real occurredAt instant; anything else goes to its error prefix. */
export function firehosePartition(line: Buffer): { day: string; hour: string } | undefined {
  let record: unknown;
  try {
    record = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(line));
  } catch {
    return undefined;
  }
  const at =
    typeof record === 'object' && record !== null ? (record as { occurredAt?: unknown }).occurredAt : null;
  if (typeof at !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/.exec(at);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || t.getUTCHours() !== h || mi > 59 || s > 59)
    return undefined;
  return { day: at.slice(0, 10), hour: at.slice(11, 13) };
}

/**
 * Writes the placeable lines into raw/events/dt=D/hour=HH/ objects of at most `perObject` lines, named in arrival
 * order; returns line number (1-based) → day.
 */
export async function layOut(
  store: BlobStore,
  bucket: string,
  lines: readonly Buffer[],
  perObject: number,
  name = 'streamlake-raw-1-2026-11-21-00-30',
): Promise<Map<number, string>> {
  const files = new Map<string, Buffer[]>();
  const placed = new Map<number, string>();
  lines.forEach((line, i) => {
    const where = firehosePartition(line);
    if (!where) return;
    const folder = `raw/events/dt=${where.day}/hour=${where.hour}/`;
    const list = files.get(folder) ?? [];
    list.push(line);
    files.set(folder, list);
    placed.set(i + 1, where.day);
  });
  for (const [folder, body] of files) {
    for (let k = 0; k * perObject < body.length; k++) {
      const chunk = body.slice(k * perObject, (k + 1) * perObject);
      const data = gzipSync(Buffer.concat(chunk.flatMap((l) => [l, Buffer.from('\n')])));
      await store.put(bucket, `${folder}${name}-${String(k).padStart(2, '0')}.gz`, data, 'application/gzip');
    }
  }
  return placed;
}

export class MemoryViews implements ViewStore {
  readonly items = new Map<string, ViewItem>();
  readonly order: string[] = [];
  async put(items: readonly ViewItem[]): Promise<void> {
    for (const i of items) this.putSync(i);
  }
  async putOne(item: ViewItem): Promise<void> {
    this.putSync(item);
  }
  private putSync(item: ViewItem): void {
    const key = `${item.pk}|${item.sk}`;
    this.items.set(key, item);
    this.order.push(key);
  }
}

export type Row = Record<string, unknown>;

/** Every row of every Parquet file under `prefix`, with the file each came from. */
export async function readTable(
  store: BlobStore,
  bucket: string,
  prefix: string,
): Promise<{ file: string; rows: Row[] }[]> {
  const out: { file: string; rows: Row[] }[] = [];
  for (const o of await store.list(bucket, prefix)) {
    const bytes = await store.get(bucket, o.key);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    out.push({ file: o.key, rows: (await parquetReadObjects({ file })) as Row[] });
  }
  return out;
}
