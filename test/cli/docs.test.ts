import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../../cli/lib/errors';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from '../../cli/lib/network';
import { buildProgram } from '../../cli/main';
import { testContext } from './support';

const doc = readFileSync(join(__dirname, '../../docs/cli.md'), 'utf8');
const section = (title: string) => {
  const start = doc.indexOf(`## ${title}`);
  return doc.slice(start, doc.indexOf('\n## ', start + 1));
};

test('docs/cli.md lists exactly the exit codes the CLI uses', () => {
  const documented = section('Exit codes')
    .split('\n')
    .map((l) => /^\| (\d+) \|/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined)
    .map(Number);
  expect(documented.sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
});

test('--help states the same exit codes', () => {
  let help = '';
  const program = buildProgram(testContext());
  program.configureOutput({ writeOut: (s) => (help += s) });
  program.outputHelp();
  for (const code of Object.values(ExitCode)) expect(help).toMatch(new RegExp(`\\b${code} [a-zA-Z-]`));
});

test('docs/cli.md documents every option that sets a timeout, with its default', () => {
  const table = section('Finding a deployment');
  expect(table).toContain(`| \`--connect-timeout <time>\` | \`${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s\` |`);
  expect(table).toContain(`| \`--request-timeout <time>\` | \`${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s\` |`);
});
