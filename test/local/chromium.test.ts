/** Finding a Chromium for the dashboard's browser test: $CHROMIUM_PATH first, then the usual names on PATH. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium } from '../support/chromium';

const dir = mkdtempSync(join(tmpdir(), 'streamlake-chromium-'));
const exe = (name: string, mode = 0o755) => {
  const p = join(dir, name);
  writeFileSync(p, '#!/bin/sh\n');
  chmodSync(p, mode);
  return p;
};

test('finds chromium-browser on PATH when there is no chromium', () => {
  const p = exe('chromium-browser');
  expect(findChromium({ PATH: `/nonexistent:${dir}` })).toBe(p);
});

test('a file that is not executable is not a browser', () => {
  const empty = mkdtempSync(join(tmpdir(), 'streamlake-chromium-'));
  const p = join(empty, 'chromium');
  writeFileSync(p, '');
  chmodSync(p, 0o644);
  expect(findChromium({ PATH: empty })).toBeUndefined();
});

test('CHROMIUM_PATH wins, and a wrong one is not replaced by a guess', () => {
  const p = exe('my-chrome');
  expect(findChromium({ CHROMIUM_PATH: p, PATH: dir })).toBe(p);
  expect(findChromium({ CHROMIUM_PATH: join(dir, 'missing'), PATH: dir })).toBeUndefined();
});
