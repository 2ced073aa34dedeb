import { UsageError } from './errors';

/** A calendar day `yyyy-MM-dd` that exists (2026-02-30 and 2026-13-45 do not). */
export function parseDay(value: string, option = '--date'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw new UsageError(`${option} must be a calendar day yyyy-MM-dd, got '${value}'`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12)
    throw new UsageError(`${option} '${value}' is not a calendar day: there is no month ${month}`);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days)
    throw new UsageError(
      `${option} '${value}' is not a calendar day: ${m[1]}-${m[2]} has days 01 to ${days}, not ${m[3]}`,
    );
  return value;
}

/**
 * A point in time: ISO 8601 (`2026-11-20T23:40:00Z`, `2026-11-20T23:40`, `2026-11-20` = midnight UTC; no zone
 * means UTC) or a relative `-15m` / `-2h` / `-3d` from now. Returns epoch ms.
 */
export function parseTime(value: string, option: string, now = Date.now()): number {
  const rel = /^-(\d+)(s|m|h|d)$/.exec(value);
  if (rel)
    return (
      now -
      Number(rel[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd']
    );
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (m) {
    const day = parseDay(m[1]!, option);
    const iso = `${day}T${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}.${(m[5] ?? '0').padEnd(3, '0')}${m[6] ?? 'Z'}`;
    const t = Date.parse(iso);
    const check = `${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}`;
    if (!Number.isNaN(t) && /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/.test(check)) return t;
  }
  throw new UsageError(
    `${option} must be an ISO time (2026-11-20T23:40:00Z, 2026-11-20T23:40, 2026-11-20) or relative (-15m, -2h, -1d), got '${value}'`,
  );
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s`
    : `${m}m${String(sec).padStart(2, '0')}s`;
}
