/**
 * What every check returns, and the small helpers they share. A check is a pure function over data the harness
 * gathered itself (the workload's truth, what it read back from the stream, the buckets, the queues and the tables, and
 * the local event source mapping's delivery log), never over a figure the checked component reported about itself.
 */
import type { Diff } from '../reference';

export type CheckStatus = 'pass' | 'fail' | 'not-run';

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** Up to ten buckets that differ, for view checks. */
  readonly diffs?: readonly Diff[];
}

export const pass = (name: string, detail: string): Check => ({ name, status: 'pass', detail });
export const fail = (name: string, detail: string, diffs?: readonly Diff[]): Check => ({
  name,
  status: 'fail',
  detail,
  ...(diffs ? { diffs } : {}),
});
export const notRun = (name: string, detail: string): Check => ({ name, status: 'not-run', detail });

/** Counts of each value. */
export function countBy<T>(values: Iterable<T>, key: (v: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of values) {
    const k = key(v);
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

export interface MultisetDiff {
  /** Value → how many more times `expected` holds it than `actual`. */
  readonly missing: Map<string, number>;
  /** Value → how many more times `actual` holds it than `expected`. */
  readonly extra: Map<string, number>;
}

/** Compares two multisets of strings: equal when both maps are empty. */
export function multisetDiff(expected: Map<string, number>, actual: Map<string, number>): MultisetDiff {
  const missing = new Map<string, number>();
  const extra = new Map<string, number>();
  for (const k of new Set([...expected.keys(), ...actual.keys()])) {
    const d = (expected.get(k) ?? 0) - (actual.get(k) ?? 0);
    if (d > 0) missing.set(k, d);
    if (d < 0) extra.set(k, -d);
  }
  return { missing, extra };
}

export const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** A payload (base64 of its bytes) shortened for a report line. */
export function preview(base64: string, max = 60): string {
  const text = Buffer.from(base64, 'base64').toString('utf8');
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

export const b64 = (data: Uint8Array): string => Buffer.from(data).toString('base64');

/** "3 missing (e.g. …), 1 extra (e.g. …)": the first example of each side. */
export function describeMultisetDiff(d: MultisetDiff, what: string): string {
  const parts: string[] = [];
  const first = (m: Map<string, number>) => [...m.keys()][0] as string;
  if (d.missing.size > 0)
    parts.push(`${total(d.missing)} ${what} missing (e.g. ${preview(first(d.missing))})`);
  if (d.extra.size > 0) parts.push(`${total(d.extra)} ${what} extra (e.g. ${preview(first(d.extra))})`);
  return parts.join(', ');
}
