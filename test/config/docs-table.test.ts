import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, contextSchema, DEFAULTS, parseConfig } from '../../lib/config';

interface Row {
  readonly key: string;
  readonly defaultCell: string;
  readonly allowedCell: string;
}

const rows: Row[] = readFileSync(join(__dirname, '../../docs/configuration.md'), 'utf8')
  .split('\n')
  .filter((line) => /^\| `[A-Za-z]+` \|/.test(line))
  .map((line) => {
    const [key, defaultCell, allowedCell] = line
      .split('|')
      .slice(1, 4)
      .map((c) => c.trim());
    return { key: key.replace(/`/g, ''), defaultCell, allowedCell };
  });

const schemaDefaults = contextSchema.parse({}) as Record<string, unknown>;
const firstCode = (cell: string) => /^`([^`]*)`/.exec(cell)?.[1];

test('the table lists exactly the schema keys, once each', () => {
  expect(rows.map((r) => r.key).sort()).toEqual([...CONFIG_KEYS].sort());
});

test.each(rows.map((r) => [r.key, r] as const))('the default of %s is the schema default', (key, row) => {
  if (schemaDefaults[key] === undefined) {
    // Optional keys: their documented default is derived (checked below) or absent.
    expect(['speedEngine', 'batchEngine', 'streamRetentionHours', 'alarmEmail']).toContain(key);
    return;
  }
  expect(firstCode(row.defaultCell)).toBe(String(schemaDefaults[key]));
});

test('derived defaults are documented as the config resolves them', () => {
  const byKey = Object.fromEntries(rows.map((r) => [r.key, r.defaultCell]));
  const lambda = parseConfig({ architecture: 'lambda' });
  const kappa = parseConfig({ architecture: 'kappa' });
  expect(byKey.streamRetentionHours).toBe(
    `\`${lambda.streamRetentionHours}\` with architecture lambda; \`${kappa.streamRetentionHours}\` with kappa`,
  );
  expect(byKey.speedEngine).toBe(
    `\`${lambda.architecture === 'lambda' && lambda.speedEngine}\` with architecture lambda; \`flink\` with kappa`,
  );
  expect(byKey.batchEngine).toBe(
    `\`${lambda.architecture === 'lambda' && lambda.batchEngine}\` with architecture lambda; none with kappa`,
  );
  expect(byKey.alarmEmail).toBe('none');
});

test.each(rows.map((r) => [r.key, r] as const))('the allowed values of %s match the schema', (key, row) => {
  const field = contextSchema.shape[key as keyof typeof contextSchema.shape];
  const options = (field as unknown as { unwrap?: () => { options?: string[] } }).unwrap?.().options;
  const range = /^(\d+) to (\d+)$/.exec(row.allowedCell);
  if (options) {
    expect(row.allowedCell).toBe(options.map((o) => `\`${o}\``).join(', '));
  } else if (range) {
    const [, min, max] = range.map(Number);
    // The field alone: cross-field rules (e.g. Deep Archive after Glacier IR) are tested in config.test.ts.
    expect(field.safeParse(min).success).toBe(true);
    expect(field.safeParse(max).success).toBe(true);
    expect(field.safeParse(max + 1).success).toBe(false);
    expect(field.safeParse(min - 1).success).toBe(false);
  } else {
    expect(['`true`, `false`', 'an e-mail address', 'an IANA time zone']).toContain(row.allowedCell);
  }
});

test('cdk.json sets only documented keys, to their documented defaults', () => {
  const context = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')).context as Record<
    string,
    unknown
  >;
  const own = Object.entries(context).filter(([k]) => /^[a-z][A-Za-z0-9]*$/.test(k));
  expect(own.length).toBeGreaterThan(0);
  for (const [key, value] of own)
    expect(schemaDefaults[key] ?? DEFAULTS[key as keyof typeof DEFAULTS]).toBe(value);
});
