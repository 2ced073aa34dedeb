import { z } from 'zod';
import { CONTENT_ID, EVENT_TYPES, type EventType } from './contract';
import { DAY_MS, dayOf, MINUTE_MS, minuteOf } from './time';

export const GRANULARITIES = ['minute', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** Granularity when the request names none. */
export const DEFAULT_GRANULARITY: Granularity = 'minute';

/** Most minute points one series may hold: one day. A wider minute query must use day granularity. */
export const MAX_MINUTE_POINTS = 1440;

/** A validated query: which series, and the inclusive range of buckets. */
export interface MetricsQuery {
  readonly contentId: string;
  /** The types asked for: one, or all six when the request names none. */
  readonly types: readonly EventType[];
  readonly granularity: Granularity;
  /** First day bucket, `yyyy-MM-dd`. */
  readonly fromDay: string;
  /** Last day bucket, `yyyy-MM-dd` (included). */
  readonly toDay: string;
  /** First minute bucket, `yyyy-MM-ddTHH:mm`. */
  readonly fromMinute: string;
  /** Last minute bucket, `yyyy-MM-ddTHH:mm` (included). */
  readonly toMinute: string;
}

export type ParseResult =
  | { readonly ok: true; readonly query: MetricsQuery }
  | { readonly ok: false; readonly problems: readonly string[] };

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{3}))?)?Z)?$/;
const DATE_FORMATS = 'yyyy-MM-dd or yyyy-MM-ddTHH:mm[:ss[.SSS]]Z (UTC)';

/** A parsed `from`/`to`: the instant, and whether only a date was given (a date-only `to` covers its whole day). */
interface Instant {
  readonly epochMs: number;
  readonly dateOnly: boolean;
}

/** Parses an accepted ISO-8601 UTC form; undefined when the text is not one, or not a real calendar instant. */
export function parseInstant(text: string): Instant | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  const epochMs = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(epochMs);
  // Date.UTC rolls 2026-02-30 over to March; a real instant reads back the same fields.
  const real =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s;
  return real ? { epochMs, dateOnly: m[4] === undefined } : undefined;
}

const instant = (name: string) =>
  z
    .string({ error: (i) => (i.input === undefined ? `${name} is required` : `${name} must be a string`) })
    .transform((text, ctx) => {
      const parsed = parseInstant(text);
      if (!parsed) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} '${text}' is not a valid date: use ${DATE_FORMATS}`,
        });
        return z.NEVER;
      }
      return parsed;
    });

const querySchema = z.strictObject(
  {
    contentId: z
      .string({
        error: (i) => (i.input === undefined ? 'contentId is required' : 'contentId must be a string'),
      })
      .regex(CONTENT_ID, {
        error: (i) => `contentId '${String(i.input)}' must be 1..128 characters of A-Z a-z 0-9 . _ -`,
      }),
    type: z
      .enum(EVENT_TYPES, {
        error: (i) => `type '${String(i.input)}' is not one of ${EVENT_TYPES.join(', ')}`,
      })
      .optional(),
    from: instant('from'),
    to: instant('to'),
    granularity: z
      .enum(GRANULARITIES, {
        error: (i) => `granularity '${String(i.input)}' is not one of ${GRANULARITIES.join(', ')}`,
      })
      .default(DEFAULT_GRANULARITY),
  },
  {
    error: (i) => (i.code === 'unrecognized_keys' ? `unknown parameter(s): ${i.keys.join(', ')}` : undefined),
  },
);

/**
 * Validates the query string of `GET /metrics`. Buckets run from the one containing `from` to the one containing
 * `to`, both included; a date-only `to` includes its whole day. Every problem is reported, not just the first.
 */
export function parseMetricsQuery(
  params: Readonly<Record<string, string | undefined>> | undefined,
  maxRangeDays: number,
): ParseResult {
  const parsed = querySchema.safeParse(params ?? {});
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => i.message) };
  const { contentId, type, from, to, granularity } = parsed.data;
  // The last instant the range covers: a date-only `to` means the end of that day.
  const toEnd = to.dateOnly ? to.epochMs + DAY_MS - 1 : to.epochMs;
  if (from.epochMs > toEnd)
    return { ok: false, problems: [`from (${params?.from}) is after to (${params?.to})`] };
  const fromDay = dayOf(from.epochMs);
  const toDay = dayOf(toEnd);
  const days = Math.round((Date.parse(toDay) - Date.parse(fromDay)) / DAY_MS) + 1;
  if (days > maxRangeDays) {
    return { ok: false, problems: [`the range covers ${days} days; at most ${maxRangeDays} are allowed`] };
  }
  const fromMinute = minuteOf(from.epochMs);
  const toMinute = minuteOf(toEnd);
  const minutes = Math.round((Date.parse(`${toMinute}Z`) - Date.parse(`${fromMinute}Z`)) / MINUTE_MS) + 1;
  if (granularity === 'minute' && minutes > MAX_MINUTE_POINTS) {
    return {
      ok: false,
      problems: [
        `minute granularity covers ${minutes} minutes; at most ${MAX_MINUTE_POINTS} are allowed (use granularity=day)`,
      ],
    };
  }
  return {
    ok: true,
    query: {
      contentId,
      types: type === undefined ? EVENT_TYPES : [type],
      granularity,
      fromDay,
      toDay,
      fromMinute,
      toMinute,
    },
  };
}
