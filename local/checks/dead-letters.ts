/**
 * Dead-letter checks: one dead letter per malformed record produced, with the generator's reason. The SQS queue of the
 * Lambda speed path is compared record by record (its messages carry shard and sequence number); the Flink job keys its
 * dead-letter items by reason and payload, so a payload produced twice is one item.
 */
import type { GeneratedRecord } from '../../cli/lib/generator';
import { b64, type Check, fail, pass, preview } from './check';
import type { StreamRecord } from './stream';

export const SQS_DEAD_LETTER_CHECK = 'speed layer dead-letters each malformed record once, with its reason';

/** The SQS dead-letter body the consumer writes (lambda/stream-consumer/dead-letter.ts). */
interface SqsDeadLetter {
  readonly reason?: unknown;
  readonly shardId?: unknown;
  readonly sequenceNumber?: unknown;
  readonly data?: unknown;
  readonly dataOmitted?: unknown;
}

/**
 * `malformed`: the malformed records as read back from the stream, with the reason the generator gave each.
 * `bodies`: every message of the dead-letter queue. `deliveries`: how many times the local event source mapping handed
 * each record (`shardId:sequenceNumber`) to the handler; a record delivered again may be dead-lettered again, never more
 * often than it was delivered.
 */
export function checkSqsDeadLetters(
  malformed: readonly (StreamRecord & { reason: string })[],
  bodies: readonly string[],
  deliveries: ReadonlyMap<string, number>,
): Check {
  const expected = new Map(malformed.map((r) => [`${r.shardId}:${r.sequenceNumber}`, r]));
  const copies = new Map<string, number>();
  const problems: string[] = [];
  const note = (kind: string, example: string) => problems.push(`${kind} (e.g. ${example})`);
  const counts = { unreadable: 0, unexpected: 0, wrongReason: 0, wrongData: 0 };
  const examples: Partial<Record<keyof typeof counts, string>> = {};
  for (const body of bodies) {
    let m: SqsDeadLetter;
    try {
      m = JSON.parse(body) as SqsDeadLetter;
    } catch {
      counts.unreadable++;
      examples.unreadable ??= JSON.stringify(body.slice(0, 60));
      continue;
    }
    const id = `${String(m.shardId)}:${String(m.sequenceNumber)}`;
    const record = expected.get(id);
    if (!record) {
      counts.unexpected++;
      examples.unexpected ??= `${id} ${String(m.reason)}`;
      continue;
    }
    copies.set(id, (copies.get(id) ?? 0) + 1);
    if (m.reason !== record.reason) {
      counts.wrongReason++;
      examples.wrongReason ??= `${id}: ${String(m.reason)}, generated as ${record.reason}`;
    }
    if (m.dataOmitted === undefined && m.data !== b64(record.data)) {
      counts.wrongData++;
      examples.wrongData ??= `${id}: ${preview(String(m.data))}`;
    }
  }
  if (counts.unreadable) note(`${counts.unreadable} unreadable messages`, examples.unreadable ?? '');
  if (counts.unexpected)
    note(`${counts.unexpected} messages for records that are not malformed`, examples.unexpected ?? '');
  if (counts.wrongReason)
    note(`${counts.wrongReason} with another reason than the generator's`, examples.wrongReason ?? '');
  if (counts.wrongData) note(`${counts.wrongData} whose data is not the record's`, examples.wrongData ?? '');
  const missing = [...expected.keys()].filter((id) => !copies.has(id));
  if (missing.length) note(`${missing.length} malformed records without a dead letter`, missing[0] as string);
  const beyond = [...copies].filter(([id, n]) => n > (deliveries.get(id) ?? 0));
  if (beyond.length) {
    const [id, n] = beyond[0] as [string, number];
    note(
      `${beyond.length} records dead-lettered more often than delivered`,
      `${id}: ${n} for ${deliveries.get(id) ?? 0}`,
    );
  }
  const redelivered = [...copies.values()].reduce((a, n) => a + n - 1, 0);
  const figures = `${bodies.length} messages for ${malformed.length} malformed records`;
  if (problems.length > 0) return fail(SQS_DEAD_LETTER_CHECK, `${figures}: ${problems.join('; ')}`);
  return pass(
    SQS_DEAD_LETTER_CHECK,
    redelivered === 0
      ? `${figures}: one each, reasons and data equal the generator's`
      : `${figures}: every record dead-lettered, ${redelivered} extra copies from redelivered batches (each within its record's deliveries), reasons and data equal the generator's`,
  );
}

export const ON_FAILURE_CHECK = 'no batch discarded to the on-failure destination';

/** Every message there is a batch the event source mapping gave up on: its records are missing from the speed view. */
export function checkOnFailureDestination(bodies: readonly string[]): Check {
  if (bodies.length === 0) return pass(ON_FAILURE_CHECK, 'the on-failure queue is empty');
  let example = bodies[0]?.slice(0, 200) ?? '';
  try {
    const m = JSON.parse(bodies[0] ?? '') as {
      requestContext?: { condition?: string };
      KinesisBatchInfo?: { shardId?: string; startSequenceNumber?: string; batchSize?: number };
    };
    example = `${m.requestContext?.condition}: ${m.KinesisBatchInfo?.batchSize} records of ${m.KinesisBatchInfo?.shardId} from ${m.KinesisBatchInfo?.startSequenceNumber}`;
  } catch {
    // keep the raw text
  }
  return fail(ON_FAILURE_CHECK, `${bodies.length} batches discarded (e.g. ${example})`);
}

export const FLINK_DEAD_LETTER_CHECK = 'flink dead-letters each malformed payload once, with its reason';

/** A Flink dead-letter item's `reason` and `payload` attributes (jobs/flink ViewItems.deadLetterItem). */
export interface FlinkDeadLetterItem {
  readonly reason: string;
  readonly payload: string;
}

/**
 * The items must be exactly one per distinct (reason, payload) of the malformed records produced: none missing, no
 * extra item (a second copy, a `too_late` event, a valid record), reasons equal to the generator's. The payload is
 * compared as the job stores it: the record's bytes decoded as UTF-8 with replacement characters.
 */
export function checkFlinkDeadLetters(
  workload: readonly GeneratedRecord[],
  items: readonly FlinkDeadLetterItem[],
): Check {
  const decode = (data: Uint8Array) => new TextDecoder('utf-8').decode(data);
  const id = (reason: string, payload: string) => `${reason}\u0000${payload}`;
  const expected = new Set(
    workload.filter((r) => r.truth.kind === 'malformed').map((r) => id(r.truth.reason ?? '', decode(r.data))),
  );
  const seen = new Map<string, number>();
  for (const i of items) seen.set(id(i.reason, i.payload), (seen.get(id(i.reason, i.payload)) ?? 0) + 1);
  const missing = [...expected].filter((k) => !seen.has(k));
  const extra = [...seen.keys()].filter((k) => !expected.has(k));
  const doubled = [...seen].filter(([, n]) => n > 1);
  const show = (k: string) => {
    const [reason, payload] = k.split('\u0000') as [string, string];
    return `${reason} ${JSON.stringify(payload.slice(0, 60))}`;
  };
  const problems = [
    missing.length
      ? `${missing.length} malformed payloads without an item (e.g. ${show(missing[0] as string)})`
      : '',
    extra.length
      ? `${extra.length} items no malformed record explains (e.g. ${show(extra[0] as string)})`
      : '',
    doubled.length
      ? `${doubled.length} payloads with more than one item (e.g. ${show(doubled[0]?.[0] ?? '')})`
      : '',
  ].filter(Boolean);
  const figures = `${items.length} items for ${expected.size} distinct malformed payloads`;
  return problems.length === 0
    ? pass(FLINK_DEAD_LETTER_CHECK, `${figures}: one each, reasons equal the generator's`)
    : fail(FLINK_DEAD_LETTER_CHECK, `${figures}: ${problems.join('; ')}`);
}
