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
  /** Records put (an eventId put twice counts twice: the fixtures hold deliberate duplicates). */
  readonly put: number;
  readonly archived: number;
  /** eventIds archived fewer times than they were put. */
  readonly missing: readonly string[];
  /** eventIds (or records without one) found in the bucket that were never put. */
  readonly unexpected: readonly string[];
  /** eventIds archived more times than they were put (Firehose delivers at least once: reported, not a failure). */
  readonly duplicated: readonly string[];
  readonly ok: boolean;
}

/** Compares the records put (by eventId, with multiplicity) with the records of every archive object. */
export function checkArchive(putIds: readonly string[], objects: readonly Uint8Array[]): ArchiveCheck {
  const wanted = new Map<string, number>();
  for (const id of putIds) wanted.set(id, (wanted.get(id) ?? 0) + 1);
  const found = new Map<string, number>();
  const unexpected: string[] = [];
  let archived = 0;
  for (const body of objects) {
    for (const record of archiveRecords(body)) {
      archived++;
      const id =
        typeof record === 'object' && record !== null && 'eventId' in record
          ? String((record as { eventId: unknown }).eventId)
          : JSON.stringify(record);
      if (wanted.has(id)) found.set(id, (found.get(id) ?? 0) + 1);
      else unexpected.push(id);
    }
  }
  const missing = [...wanted].filter(([id, n]) => (found.get(id) ?? 0) < n).map(([id]) => id);
  const duplicated = [...wanted].filter(([id, n]) => (found.get(id) ?? 0) > n).map(([id]) => id);
  return {
    put: putIds.length,
    archived,
    missing,
    unexpected,
    duplicated,
    ok: putIds.length > 0 && missing.length === 0 && unexpected.length === 0,
  };
}
