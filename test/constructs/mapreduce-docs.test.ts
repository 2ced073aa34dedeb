import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAPREDUCE_DEFAULTS } from '../../lib/contracts/mapreduce';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'batch.md'), 'utf8');
const UNITS: Record<string, number> = { MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** `| \`key\` | value |` rows of the limits table in docs/batch.md, parsed back to numbers. */
function documented(): Map<string, number> {
  const start = doc.indexOf('`test/constructs/mapreduce-docs.test.ts`');
  const rows = new Map<string, number>();
  for (const line of doc.slice(start).split('\n').slice(1)) {
    const m = /^\| `([A-Za-z]+)` \| ([\d,]+)(?: (MiB|GiB))? \|$/.exec(line);
    if (m) rows.set(m[1], Number(m[2].replace(/,/g, '')) * (m[3] ? UNITS[m[3]] : 1));
    else if (rows.size > 0 && !line.startsWith('|')) break;
  }
  return rows;
}

test('docs/batch.md lists every MapReduce limit with its default', () => {
  const keys = Object.keys(MAPREDUCE_DEFAULTS).filter((k) => k !== 'topN');
  const rows = documented();
  expect([...rows.keys()].sort()).toEqual(keys.sort());
  for (const k of keys)
    expect([k, rows.get(k)]).toEqual([k, MAPREDUCE_DEFAULTS[k as keyof typeof MAPREDUCE_DEFAULTS]]);
});

test('the parser reads a wrong value as wrong (the check can fail)', () => {
  const rows = documented();
  expect(rows.get('mapItemBytes')).not.toBe(64 * 1024 ** 2);
  expect(rows.size).toBeGreaterThan(3);
});
