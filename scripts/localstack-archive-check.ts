/**
 * The LocalStack trial's one data check: did every event put into the stream reach the raw bucket, and nothing else?
 * Pure functions over what was put and what the bucket holds, so the check can be shown to fail on wrong input.
 */
import { gunzipSync } from 'node:zlib';

/**
 * JSON values of an archive object. LocalStack's Firehose ignores the GZIP setting and the processors (no newline
 * between records), so an object may be plain or gzip'd, newline-delimited or concatenated (`{…}{…}`).
 */
export function archiveRecords(body: Uint8Array): unknown[] {
  const bytes = body.length > 1 && body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
  const text = Buffer.from(bytes).toString('utf8');
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth < 0) throw new Error(`unbalanced '}' at offset ${i}`);
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new Error(`unexpected '${c}' between records at offset ${i}`);
    }
  }
  if (depth !== 0 || inString) throw new Error('the object ends inside a record');
  return values;
}

export interface ArchiveCheck {
  readonly put: number;
  readonly archived: number;
  /** eventIds put into the stream and found in no object. */
  readonly missing: readonly string[];
  /** eventIds (or records without one) found in the bucket that were never put. */
  readonly unexpected: readonly string[];
  /** eventIds found more than once (Firehose delivers at least once: reported, not a failure). */
  readonly duplicated: readonly string[];
  readonly ok: boolean;
}

/** Compares the eventIds put with the records of every archive object. */
export function checkArchive(putIds: readonly string[], objects: readonly Uint8Array[]): ArchiveCheck {
  const counts = new Map<string, number>();
  const unexpected: string[] = [];
  const expected = new Set(putIds);
  for (const body of objects) {
    for (const record of archiveRecords(body)) {
      const id =
        typeof record === 'object' && record !== null && 'eventId' in record
          ? String((record as { eventId: unknown }).eventId)
          : JSON.stringify(record);
      if (!expected.has(id)) unexpected.push(id);
      else counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  const missing = [...expected].filter((id) => !counts.has(id));
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const archived = [...counts.values()].reduce((a, b) => a + b, 0) + unexpected.length;
  return {
    put: expected.size,
    archived,
    missing,
    unexpected,
    duplicated,
    ok: expected.size > 0 && missing.length === 0 && unexpected.length === 0,
  };
}
