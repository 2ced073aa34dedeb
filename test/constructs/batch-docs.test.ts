import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../lib/config';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'batch.md'), 'utf8');
const BATCH_KEYS = [
  'batchScheduleHour',
  'batchTimeZone',
  'batchDeadlineHour',
  'batchEngine',
  'emrCoreInstances',
  'emrTaskSpotMaxUnits',
  'emrIdleTimeoutMinutes',
  'egress',
] as const;

test.each(BATCH_KEYS)('docs/batch.md lists %s with the schema default', (key) => {
  const row = doc.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
  expect(row).toBeDefined();
  expect(row?.split('|')[2].trim()).toBe(`\`${DEFAULTS[key]}\``);
});
