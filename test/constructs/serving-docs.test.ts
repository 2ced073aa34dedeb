import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_MINUTE_POINTS } from '../../lambda/query-api/request';
import { VIEW_VERSION_CACHE_MS } from '../../lambda/query-api/version';
import { DEFAULTS } from '../../lib/config';
import {
  DEFAULT_BURST_LIMIT,
  DEFAULT_LATENCY_ALARM,
  DEFAULT_LOG_RETENTION,
  DEFAULT_MEMORY_MIB,
  DEFAULT_RATE_LIMIT,
  DEFAULT_TIMEOUT,
} from '../../lib/constructs/serving/query-api';

const doc = readFileSync(join(__dirname, '../../docs/serving.md'), 'utf8');
/** First code span of the default column, per row key (first column, backticks stripped). */
const defaults = new Map(
  doc
    .split('\n')
    .filter((line) => /^\| [^|]+ \| `[^`]+`/.test(line))
    .map((line) => {
      const [key, value] = line
        .split('|')
        .slice(1, 3)
        .map((c) => c.trim());
      return [key.replace(/`/g, ''), /`([^`]+)`/.exec(value)?.[1]] as const;
    }),
);

test.each([
  ['servingMaxRangeDays', String(DEFAULTS.servingMaxRangeDays)],
  ['flinkViewVersion', String(DEFAULTS.flinkViewVersion)],
  ['flinkAllowedLatenessMinutes', String(DEFAULTS.flinkAllowedLatenessMinutes)],
  ['rateLimit', String(DEFAULT_RATE_LIMIT)],
  ['burstLimit', String(DEFAULT_BURST_LIMIT)],
  ['memoryMiB', String(DEFAULT_MEMORY_MIB)],
  ['timeout', String(DEFAULT_TIMEOUT.toSeconds())],
  ['logRetention', String(DEFAULT_LOG_RETENTION)],
  ['latency alarm', String(DEFAULT_LATENCY_ALARM.toMilliseconds())],
  ['pointer cache', String(VIEW_VERSION_CACHE_MS / 1000)],
  ['minute points', String(MAX_MINUTE_POINTS)],
])('docs/serving.md documents the default of %s as the code applies it', (key, value) => {
  expect(defaults.get(key)).toBe(value);
});
