/**
 * A seeded generator of the live-match workload: viewers of a live cricket match (and of the long tail of
 * other streams) send heartbeats, likes, comments… Content popularity is Zipf-like; wickets and boundaries
 * cause bursts on the match stream; configurable fractions of out-of-order, late, duplicate and malformed
 * records test the pipeline's dedup, lateness and dead-letter handling.
 *
 * Every record carries its own ground truth (what the generator meant it to be), so tests and the offline
 * pipeline can check fractions and expected results without re-deriving them from the payloads.
 *
 * Time model: the generator keeps an event-time clock that advances by exponential inter-arrival gaps at
 * `ratePerSecond` (times the burst multiplier). "Arrival" is the order records are yielded. An in-order
 * event is stamped with the clock; an out-of-order one 1 ms..30 s behind the newest stamp seen; a late one
 * 1..5 min behind it; a duplicate is a byte-identical re-send of a record yielded < 10 min (event time) earlier.
 */
import {
  EVENT_TYPES,
  type EventType,
  type MalformedReason,
  type StreamEvent,
  WATCH_SECONDS_TYPES,
} from './event';
import {
  exponential,
  pick,
  type Random,
  randomInt,
  randomUuid,
  seededRandom,
  weighted,
  Zipf,
} from './random';

export type RecordKind = 'event' | 'duplicate' | 'malformed';
export type Timing = 'in_order' | 'out_of_order' | 'late';
export type BurstKind = 'wicket' | 'boundary';

/** The malformed categories generated; each is the reason the contract's parser (lib/contracts/event.ts) gives. */
export const MALFORMED_REASONS = [
  'invalid_json',
  'invalid_utf8',
  'not_an_object',
  'schema:eventId',
  'schema:type',
  'schema:userId',
  'schema:contentId',
  'schema:occurredAt',
  'invalid_timestamp',
  'schema:watchSeconds',
  'watch_seconds_not_allowed',
] as const satisfies readonly MalformedReason[];
export type GeneratedMalformedReason = (typeof MALFORMED_REASONS)[number];

export interface GroundTruth {
  /** 0-based position in arrival order. */
  readonly sequence: number;
  readonly kind: RecordKind;
  /** For `event` and `duplicate` (a duplicate repeats the original's timing). */
  readonly timing?: Timing;
  readonly eventId?: string;
  readonly event?: StreamEvent;
  /** For `duplicate`: the sequence of the record it re-sends. */
  readonly duplicateOf?: number;
  /** For `malformed`. */
  readonly reason?: GeneratedMalformedReason;
  /** Set while a wicket/boundary burst is running. */
  readonly burst?: BurstKind;
}

export interface GeneratedRecord {
  /** The Kinesis record payload, byte-exact (may be deliberately invalid UTF-8/JSON). Never contains '\n'. */
  readonly data: Uint8Array;
  /** eventId for well-formed records (a duplicate lands on its original's shard); a random UUID otherwise. */
  readonly partitionKey: string;
  readonly truth: GroundTruth;
}

export interface WorkloadFractions {
  /** Share of records that are 1..5 minutes behind the newest event time. @default 0.02 */
  readonly late: number;
  /** Share of records that are up to 30 s behind the newest event time. @default 0.05 */
  readonly outOfOrder: number;
  /** Share of records that re-send an earlier record byte for byte. @default 0.01 */
  readonly duplicate: number;
  /** Share of records that break the contract. @default 0.005 */
  readonly malformed: number;
}

export interface GeneratorOptions {
  readonly seed: number;
  /** Event time of the first event (epoch ms). @default 2026-11-20T23:40:00.000Z (the golden fixtures' window) */
  readonly startTimeMs?: number;
  /** Mean events per second of event time (before bursts). @default 100 */
  readonly ratePerSecond?: number;
  /** Distinct content ids (streams). @default 50 */
  readonly contentCount?: number;
  /** Zipf exponent of content popularity. @default 1.1 */
  readonly zipfExponent?: number;
  /** Distinct viewers. @default 100000 */
  readonly userCount?: number;
  /** Wickets + boundaries per hour of event time. @default 12 */
  readonly burstsPerHour?: number;
  readonly fractions?: Partial<WorkloadFractions>;
}

export const DEFAULT_START_TIME_MS = Date.parse('2026-11-20T23:40:00.000Z');
export const DEFAULT_RATE_PER_SECOND = 100;
export const DEFAULT_CONTENT_COUNT = 50;
export const DEFAULT_ZIPF_EXPONENT = 1.1;
export const DEFAULT_USER_COUNT = 100_000;
export const DEFAULT_BURSTS_PER_HOUR = 12;
export const DEFAULT_FRACTIONS: WorkloadFractions = {
  late: 0.02,
  outOfOrder: 0.05,
  duplicate: 0.01,
  malformed: 0.005,
};

const OUT_OF_ORDER_MAX_MS = 30_000;
const LATE_MIN_MS = 60_000;
const LATE_MAX_MS = 300_000;
const DUPLICATE_MAX_GAP_MS = 10 * 60_000;
const DUPLICATE_HISTORY = 4096;

/** Bursts: a wicket brings a bigger, longer surge than a boundary; both focus on the live match (rank 0). */
const BURSTS: Record<BurstKind, { multiplier: number; durationMs: number; matchShare: number }> = {
  wicket: { multiplier: 4, durationMs: 90_000, matchShare: 0.8 },
  boundary: { multiplier: 2.5, durationMs: 30_000, matchShare: 0.7 },
};
const NORMAL_TYPES: Record<EventType, number> = {
  heartbeat: 55,
  view_start: 12,
  view_end: 10,
  like: 12,
  comment: 7,
  share: 4,
};
const BURST_TYPES: Record<EventType, number> = {
  heartbeat: 35,
  view_start: 15,
  view_end: 5,
  like: 25,
  comment: 15,
  share: 5,
};
const REGIONS = {
  'ap-south-1': 60,
  'eu-west-2': 12,
  'me-central-1': 10,
  'ap-southeast-2': 10,
  'us-east-1': 8,
};
const DEVICES = ['android', 'ios', 'web', 'smart_tv', 'fire_tv'] as const;

function validateFraction(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0 || v > 1)
    throw new RangeError(`fraction ${name} must be in [0, 1], got ${v}`);
}

const encoder = new TextEncoder();

export class WorkloadGenerator implements Iterable<GeneratedRecord> {
  readonly fractions: WorkloadFractions;
  private readonly rng: Random;
  private readonly zipf: Zipf;
  private readonly ratePerSecond: number;
  private readonly userCount: number;
  private readonly burstStartProbability: number;
  private clockMs: number;
  private newestMs: number;
  private sequence = 0;
  private burst: { kind: BurstKind; untilMs: number } | undefined;
  private readonly history: { record: GeneratedRecord; atMs: number }[] = [];

  constructor(options: GeneratorOptions) {
    this.fractions = { ...DEFAULT_FRACTIONS, ...options.fractions };
    for (const [k, v] of Object.entries(this.fractions)) validateFraction(k, v);
    const total =
      this.fractions.late + this.fractions.outOfOrder + this.fractions.duplicate + this.fractions.malformed;
    if (total > 1) throw new RangeError(`fractions add up to ${total}; they must add up to at most 1`);
    this.ratePerSecond = options.ratePerSecond ?? DEFAULT_RATE_PER_SECOND;
    if (!(this.ratePerSecond > 0))
      throw new RangeError(`ratePerSecond must be > 0, got ${this.ratePerSecond}`);
    const contentCount = options.contentCount ?? DEFAULT_CONTENT_COUNT;
    if (!Number.isInteger(contentCount) || contentCount < 1)
      throw new RangeError('contentCount must be a positive integer');
    this.userCount = options.userCount ?? DEFAULT_USER_COUNT;
    this.rng = seededRandom(options.seed);
    this.zipf = new Zipf(contentCount, options.zipfExponent ?? DEFAULT_ZIPF_EXPONENT);
    this.burstStartProbability =
      (options.burstsPerHour ?? DEFAULT_BURSTS_PER_HOUR) / (3600 * this.ratePerSecond);
    this.clockMs = options.startTimeMs ?? DEFAULT_START_TIME_MS;
    this.newestMs = this.clockMs;
  }

  static contentId(rank: number): string {
    return rank === 0 ? 'match-ind-aus-final' : `stream-${String(rank).padStart(4, '0')}`;
  }

  *[Symbol.iterator](): Iterator<GeneratedRecord> {
    for (;;) yield this.next();
  }

  /** The next `n` records. */
  take(n: number): GeneratedRecord[] {
    const out: GeneratedRecord[] = [];
    for (let i = 0; i < n; i++) out.push(this.next());
    return out;
  }

  next(): GeneratedRecord {
    const rng = this.rng;
    this.advanceClock();
    const f = this.fractions;
    const kind = weighted(rng, {
      malformed: f.malformed,
      duplicate: f.duplicate,
      late: f.late,
      outOfOrder: f.outOfOrder,
      inOrder: Math.max(0, 1 - f.malformed - f.duplicate - f.late - f.outOfOrder),
    });
    const sequence = this.sequence++;
    const burst = this.burst?.kind;
    if (kind === 'malformed') return this.malformed(sequence, burst);
    if (kind === 'duplicate') {
      const dup = this.duplicate(sequence, burst);
      if (dup) return dup;
    }
    const timing: Timing = kind === 'late' ? 'late' : kind === 'outOfOrder' ? 'out_of_order' : 'in_order';
    let occurredMs = this.clockMs;
    if (timing === 'late') occurredMs = this.newestMs - randomInt(rng, LATE_MIN_MS, LATE_MAX_MS);
    else if (timing === 'out_of_order') occurredMs = this.newestMs - randomInt(rng, 1, OUT_OF_ORDER_MAX_MS);
    this.newestMs = Math.max(this.newestMs, occurredMs);
    const event = this.event(occurredMs);
    const record: GeneratedRecord = {
      data: encoder.encode(JSON.stringify(event)),
      partitionKey: event.eventId,
      truth: { sequence, kind: 'event', timing, eventId: event.eventId, event, ...(burst ? { burst } : {}) },
    };
    this.history.push({ record, atMs: this.newestMs });
    if (this.history.length > DUPLICATE_HISTORY) this.history.shift();
    return record;
  }

  private advanceClock(): void {
    const rng = this.rng;
    if (this.burst && this.clockMs >= this.burst.untilMs) this.burst = undefined;
    if (!this.burst && rng.next() < this.burstStartProbability) {
      const kind: BurstKind = rng.next() < 0.35 ? 'wicket' : 'boundary';
      this.burst = { kind, untilMs: this.clockMs + BURSTS[kind].durationMs };
    }
    const multiplier = this.burst ? BURSTS[this.burst.kind].multiplier : 1;
    this.clockMs += exponential(rng, 1000 / (this.ratePerSecond * multiplier));
    this.clockMs = Math.max(this.clockMs, this.newestMs);
  }

  private event(occurredMs: number): StreamEvent {
    const rng = this.rng;
    const burst = this.burst ? BURSTS[this.burst.kind] : undefined;
    const rank = burst && rng.next() < burst.matchShare ? 0 : this.zipf.sample(rng);
    const type = weighted(rng, burst ? BURST_TYPES : NORMAL_TYPES);
    const base = {
      eventId: randomUuid(rng),
      type,
      userId: `user-${randomInt(rng, 1, this.userCount)}`,
      contentId: WorkloadGenerator.contentId(rank),
      occurredAt: new Date(Math.floor(occurredMs)).toISOString(),
      region: weighted(rng, REGIONS),
      device: pick(rng, DEVICES),
    };
    // Some clients omit watchSeconds (it then counts as 0): the consumers must handle absence.
    if (WATCH_SECONDS_TYPES.includes(type) && rng.next() < 0.95) {
      const watchSeconds = type === 'heartbeat' ? randomInt(rng, 1, 60) : randomInt(rng, 0, 3600);
      return { ...base, watchSeconds };
    }
    return base;
  }

  private duplicate(sequence: number, burst: BurstKind | undefined): GeneratedRecord | undefined {
    // History is in arrival order and `atMs` never decreases: drop what is too old, pick from the rest.
    while (this.history.length > 0 && this.newestMs - this.history[0]!.atMs >= DUPLICATE_MAX_GAP_MS)
      this.history.shift();
    if (this.history.length === 0) return undefined;
    const original = pick(this.rng, this.history).record;
    return {
      data: original.data,
      partitionKey: original.partitionKey,
      truth: {
        sequence,
        kind: 'duplicate',
        timing: original.truth.timing!,
        eventId: original.truth.eventId!,
        event: original.truth.event!,
        duplicateOf: original.truth.sequence,
        ...(burst ? { burst } : {}),
      },
    };
  }

  private malformed(sequence: number, burst: BurstKind | undefined): GeneratedRecord {
    const rng = this.rng;
    const reason = pick(rng, MALFORMED_REASONS);
    const good = this.event(this.clockMs) as unknown as Record<string, unknown>;
    this.newestMs = Math.max(this.newestMs, this.clockMs);
    let data: Uint8Array;
    const json = (o: unknown): Uint8Array => encoder.encode(JSON.stringify(o));
    switch (reason) {
      case 'invalid_json': {
        const text = JSON.stringify(good);
        data = encoder.encode(text.slice(0, randomInt(rng, 1, text.length - 2)));
        break;
      }
      case 'invalid_utf8': {
        const text = encoder.encode(
          JSON.stringify({ ...good, userId: 'user-\u0000' }).replace('\\u0000', '@'),
        );
        const at = text.indexOf(0x40); // '@' inside the userId string: replace it with a lone continuation byte
        data = Uint8Array.from(text);
        data[at] = 0x80;
        break;
      }
      case 'not_an_object':
        data = json(rng.next() < 0.5 ? [good] : 'heartbeat');
        break;
      case 'schema:eventId':
        data = json({ ...good, eventId: rng.next() < 0.5 ? 'not-a-uuid' : 12345 });
        break;
      case 'schema:type':
        data = json({ ...good, type: pick(rng, ['view', 'HEARTBEAT', 'dislike']) });
        break;
      case 'schema:userId':
        data = json({ ...good, userId: rng.next() < 0.5 ? '' : 'u'.repeat(129) });
        break;
      case 'schema:contentId':
        data = json({ ...good, contentId: `${good['contentId']}#x` });
        break;
      case 'schema:occurredAt':
        data = json({
          ...good,
          occurredAt: pick(rng, ['2026-11-20T23:40:00Z', 'yesterday', '2026-11-20 23:40:00.000']),
        });
        break;
      case 'invalid_timestamp':
        data = json({
          ...good,
          occurredAt: pick(rng, ['2026-02-30T12:00:00.000Z', '2026-11-20T24:00:00.000Z']),
        });
        break;
      case 'schema:watchSeconds': {
        const type = pick(rng, ['heartbeat', 'view_end']);
        data = json({ ...good, type, watchSeconds: pick(rng, [null, 3601, -1, 1.5, '30']) });
        break;
      }
      case 'watch_seconds_not_allowed':
        data = json({
          ...good,
          type: pick(rng, ['like', 'comment', 'share', 'view_start']),
          watchSeconds: 10,
        });
        break;
    }
    return {
      data,
      partitionKey: randomUuid(rng),
      truth: { sequence, kind: 'malformed', reason, ...(burst ? { burst } : {}) },
    };
  }
}

/** Counts of a sample's ground truth, for summaries and fraction checks. */
export interface TruthSummary {
  readonly total: number;
  readonly events: number;
  readonly duplicates: number;
  readonly malformed: number;
  readonly late: number;
  readonly outOfOrder: number;
  readonly inBurst: number;
  readonly byType: Readonly<Record<EventType, number>>;
}

export function summarizeTruth(records: Iterable<GeneratedRecord>): TruthSummary {
  const byType = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
  let total = 0;
  let events = 0;
  let duplicates = 0;
  let malformed = 0;
  let late = 0;
  let outOfOrder = 0;
  let inBurst = 0;
  for (const { truth } of records) {
    total++;
    if (truth.burst) inBurst++;
    if (truth.kind === 'malformed') malformed++;
    else if (truth.kind === 'duplicate') duplicates++;
    else {
      events++;
      byType[truth.event!.type]++;
      if (truth.timing === 'late') late++;
      if (truth.timing === 'out_of_order') outOfOrder++;
    }
  }
  return { total, events, duplicates, malformed, late, outOfOrder, inBurst, byType };
}
