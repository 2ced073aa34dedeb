/** docs/local.md shows every flag of `npm start`, and no flag that does not exist. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../local/cli';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'local.md'), 'utf8');
/** Every --flag on a line of docs/local.md that runs `npm start`. */
const documented = new Set(
  doc
    .split('\n')
    .filter((l) => l.startsWith('npm start'))
    .flatMap((l) => [...l.split('#')[0]!.matchAll(/ (--[a-z-]+)/g)].map((m) => m[1] as string)),
);

describe('npm start flags', () => {
  const flags = buildProgram()
    .options.map((o) => o.long as string)
    .sort();

  test('every flag appears in docs/local.md', () => {
    expect(flags.filter((f) => !documented.has(f))).toEqual([]);
  });

  test('every flag docs/local.md uses exists', () => {
    expect([...documented].filter((f) => f !== '--help' && !flags.includes(f))).toEqual([]);
  });

  test('--window-seconds takes 0 to 900, as Lambda does', () => {
    const parse = (v: string) =>
      buildProgram()
        .exitOverride()
        .configureOutput({ writeErr: () => undefined })
        .parse(['node', 'x', '--window-seconds', v]);
    expect(parse('10').opts().windowSeconds).toBe(10);
    expect(() => parse('901')).toThrow(/--window-seconds must be an integer from 0 to 900/);
  });
});
