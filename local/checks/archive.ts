/**
 * The archive's check: every object in the raw bucket, listed and read back by the harness (gunzipped, split into
 * lines), against the workload's truth. Compares payload bytes, not the archive writer's counters.
 */
import type { GeneratedRecord } from '../../cli/lib/generator';
import { LakePrefixes } from '../../lib/contracts/lake-layout';
import { b64, type Check, countBy, describeMultisetDiff, fail, multisetDiff, pass, preview } from './check';

/** One object of the raw bucket, as read back: its key and its lines (decompressed, without the delimiter). */
export interface ArchiveObject {
  readonly key: string;
  readonly lines: readonly Uint8Array[];
}

export const ARCHIVE_CHECK = 'the archive holds exactly the workload';

interface Placed {
  readonly payload: string;
  readonly key: string;
  readonly zone: 'events' | 'errors';
}

/** The payloads of every object, in base64; an error-prefix line yields the record it wraps (`rawData`). */
function placements(objects: readonly ArchiveObject[], problems: string[]): Placed[] {
  const out: Placed[] = [];
  for (const o of objects) {
    const zone = o.key.startsWith(LakePrefixes.rawEvents)
      ? 'events'
      : o.key.startsWith(LakePrefixes.rawErrors)
        ? 'errors'
        : undefined;
    if (!zone) {
      problems.push(`object ${o.key} is outside ${LakePrefixes.rawEvents} and ${LakePrefixes.rawErrors}`);
      continue;
    }
    for (const line of o.lines) {
      if (zone === 'events') {
        out.push({ payload: b64(line), key: o.key, zone });
        continue;
      }
      try {
        const wrapped = JSON.parse(Buffer.from(line).toString('utf8')) as { rawData?: unknown };
        if (typeof wrapped.rawData !== 'string') throw new Error('no rawData');
        out.push({ payload: wrapped.rawData, key: o.key, zone });
      } catch {
        problems.push(`a line of ${o.key} is not an error record with rawData`);
      }
    }
  }
  return out;
}

/**
 * Exactly the workload, by payload multiset across both prefixes (no loss, no copy); every well-formed event under
 * the event prefix, in the `dt=`/`hour=` partition of its own occurredAt (what the Spark job and Glue read); the
 * error prefix holding only records the generator made malformed. Malformed records that still carry a timestamp may
 * sit under the event prefix, as on AWS (the batch job quarantines them).
 */
export function checkArchive(workload: readonly GeneratedRecord[], objects: readonly ArchiveObject[]): Check {
  const problems: string[] = [];
  const placed = placements(objects, problems);
  const d = multisetDiff(
    countBy(workload, (r) => b64(r.data)),
    countBy(placed, (p) => p.payload),
  );
  if (d.missing.size > 0 || d.extra.size > 0) problems.unshift(describeMultisetDiff(d, 'records'));

  const truthByPayload = new Map(workload.map((r) => [b64(r.data), r.truth]));
  let misplaced = 0;
  let example = '';
  for (const p of placed) {
    const truth = truthByPayload.get(p.payload);
    if (!truth) continue;
    const occurredAt = truth.event?.occurredAt;
    const wrong =
      truth.kind === 'malformed'
        ? false
        : p.zone === 'errors' ||
          occurredAt === undefined ||
          !p.key.includes(`dt=${occurredAt.slice(0, 10)}/`) ||
          (p.key.includes('hour=') && !p.key.includes(`hour=${occurredAt.slice(11, 13)}/`));
    if (wrong) {
      misplaced++;
      example ||= `${preview(p.payload)} in ${p.key}`;
    }
  }
  if (misplaced > 0)
    problems.push(`${misplaced} well-formed events outside their dt/hour partition (e.g. ${example})`);

  const zones = countBy(placed, (p) => p.zone);
  const read = `${objects.length} objects read back: ${zones.get('events') ?? 0} records under ${LakePrefixes.rawEvents}, ${zones.get('errors') ?? 0} under ${LakePrefixes.rawErrors}; ${workload.length} produced`;
  return problems.length === 0
    ? pass(ARCHIVE_CHECK, `${read}; the same payloads, every event in its own partition`)
    : fail(ARCHIVE_CHECK, `${read}: ${problems.join('; ')}`);
}
