import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConsumerEnv } from '../../../lambda/stream-consumer/env';

const VALID = {
  VIEW_TABLE_NAME: 'streamlake-views',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/malformed',
};

/** `key → default` from the runtime configuration table of the README (backticked defaults only). */
function readmeDefaults(): Map<string, string> {
  const readme = readFileSync(join(__dirname, '../../../lambda/stream-consumer/README.md'), 'utf8');
  const section = readme.split('## Runtime configuration')[1].split('\n## ')[0];
  const out = new Map<string, string>();
  for (const m of section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*`([^`]*)`\s*\|/gm)) out.set(m[1], m[2]);
  return out;
}

describe('stream-consumer environment', () => {
  it('applies the defaults the README documents', () => {
    const env = parseConsumerEnv(VALID);
    const documented = readmeDefaults();
    expect(documented.size).toBe(4);
    for (const [key, value] of documented)
      expect({ key, value: String(env[key as keyof typeof env]) }).toEqual({ key, value });
  });

  it('reads numbers from strings', () => {
    expect(parseConsumerEnv({ ...VALID, SPEED_TTL_DAYS: '7', WRITE_CONCURRENCY: '25' })).toMatchObject({
      SPEED_TTL_DAYS: 7,
      WRITE_CONCURRENCY: 25,
    });
  });

  it('fails when VIEW_TABLE_NAME is missing, naming the key', () => {
    expect(() => parseConsumerEnv({ DEAD_LETTER_QUEUE_URL: VALID.DEAD_LETTER_QUEUE_URL })).toThrow(
      /stream-consumer environment is invalid: VIEW_TABLE_NAME=undefined/,
    );
  });

  it('fails when DEAD_LETTER_QUEUE_URL is not a URL or SPEED_TTL_DAYS is not a positive integer', () => {
    expect(() => parseConsumerEnv({ ...VALID, DEAD_LETTER_QUEUE_URL: 'malformed' })).toThrow(
      /DEAD_LETTER_QUEUE_URL="malformed"/,
    );
    expect(() => parseConsumerEnv({ ...VALID, SPEED_TTL_DAYS: '0' })).toThrow(/SPEED_TTL_DAYS="0"/);
    expect(() => parseConsumerEnv({ ...VALID, SPEED_TTL_DAYS: '1.5' })).toThrow(/SPEED_TTL_DAYS/);
    expect(() => parseConsumerEnv({ ...VALID, WRITE_CONCURRENCY: '0' })).toThrow(/WRITE_CONCURRENCY/);
  });
});
