/**
 * package.json, the README's dependency table and the code agree: every npm dependency is listed once in the table
 * and used by the repository (imported, run as a command, or needed by another dependency as stated below), and every
 * package the code imports is declared.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const declared = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)].sort();

const SOURCE_DIRS = ['bin', 'lib', 'lambda', 'cli', 'local', 'test', 'bench', 'scripts', '.ci'];

function files(dir: string): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((name) => {
    const rel = join(dir, name);
    if (name === 'node_modules' || name === '__snapshots__') return [];
    if (statSync(join(ROOT, rel)).isDirectory()) return files(rel);
    return /\.(ts|js|sh)$/.test(name) || dir === '.ci' ? [rel] : [];
  });
}

const sources = [...SOURCE_DIRS.flatMap(files), 'jest.config.js', 'cdk.json'].map((f) => ({
  f,
  text: read(f),
}));
// This file quotes package names in its own examples.
const code = sources.filter((s) => /\.(ts|js)$/.test(s.f) && !s.f.endsWith('dependencies.test.ts'));

/** The package a module specifier names: `@scope/name` or `name` (subpaths dropped). */
const packageOf = (spec: string) =>
  (spec.startsWith('@') ? spec.split('/').slice(0, 2) : spec.split('/').slice(0, 1)).join('/');

function importedPackages(text: string): string[] {
  const patterns = [
    // import … from 'x' / export … from 'x' (over several lines), and import 'x'
    /(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s+['"]([^'"\s]+)['"]/g,
    /(?:^|\n)\s*import\s+['"]([^'"\s]+)['"]/g,
    // require('x'), require.resolve('x'), import('x')
    /\b(?:require(?:\.resolve)?|import)\(\s*['"]([^'"\s]+)['"]/g,
  ];
  const found: string[] = [];
  for (const re of patterns)
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const spec = m[1]!;
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
      found.push(packageOf(spec));
    }
  return found;
}

function readmeTable(): string[][] {
  const readme = read('README.md');
  const section = readme.slice(
    readme.indexOf('## Dependencies and what each is for'),
    readme.indexOf('## Operating it'),
  );
  return (
    section
      .split('\n')
      // Rows of npm packages; the row of tools installed outside the repository names Python and Maven packages.
      .filter((l) => l.startsWith('| `') && !l.includes('installed outside the repository'))
      .map((l) => [...l.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!))
  );
}

test('the README table lists every npm dependency exactly once, and nothing that is not one', () => {
  const listed = readmeTable().flat();
  expect(listed.length).toBeGreaterThan(20);
  expect(listed.filter((n, i) => listed.indexOf(n) !== i)).toEqual([]);
  expect([...listed].sort()).toEqual(declared);
});

/** Packages used without being imported by name, and what uses them (each claim is checked). */
const INDIRECT: Record<string, () => boolean> = {
  // aws-cdk-lib's NodejsFunction bundles with the project's own esbuild.
  esbuild: () => code.some((s) => /NodejsFunction|aws-lambda-nodejs/.test(s.text)),
  // The engine @swc/jest loads.
  '@swc/core': () =>
    '@swc/core' in
    (JSON.parse(read('node_modules/@swc/jest/package.json')).peerDependencies as Record<string, string>),
  // Type packages: the module they type is imported, or tsconfig loads them.
  '@types/aws-lambda': () => code.some((s) => importedPackages(s.text).includes('aws-lambda')),
  '@types/node': () => read('tsconfig.json').includes('"node"'),
  '@types/jest': () => read('tsconfig.json').includes('"jest"'),
  // A documented command for the LocalStack target.
  'aws-cdk-local': () => read('docs/localstack.md').includes('npx cdklocal'),
};

/** The commands a package installs (its `bin`). */
function binsOf(name: string): string[] {
  const bin = JSON.parse(read(`node_modules/${name}/package.json`)).bin as
    | string
    | Record<string, string>
    | undefined;
  if (!bin) return [];
  return typeof bin === 'string' ? [name.split('/').pop()!] : Object.keys(bin);
}

const commandLines = [
  ...Object.values(pkg.scripts),
  ...sources.filter((s) => /\.sh$|^\.ci\//.test(s.f)).map((s) => s.text),
  read('cdk.json'),
];

test.each(declared)('%s is used by the repository', (name) => {
  const imported = code.some((s) => importedPackages(s.text).includes(name));
  // Started by name (`packageDir('kinesis-local')`, `require.resolve('tsx/cli')`).
  const named = code.some((s) => s.text.includes(`'${name}'`) || s.text.includes(`'${name}/`));
  const run = binsOf(name).some((b) =>
    commandLines.some((c) => new RegExp(`(^|[\\s;&|(/])${b}(\\s|$)`, 'm').test(c)),
  );
  const indirect = INDIRECT[name]?.() ?? false;
  expect({ name, used: imported || named || run || indirect }).toEqual({ name, used: true });
});

test('every package the code imports is declared in package.json', () => {
  const builtins = new Set(builtinModules);
  const imported = new Set(code.flatMap((s) => importedPackages(s.text)));
  const undeclared = [...imported].filter(
    (p) => !builtins.has(p) && !declared.includes(p) && !declared.includes(`@types/${p}`),
  );
  expect(undeclared.sort()).toEqual([]);
});

describe('the checks can fail', () => {
  test('an import of an undeclared package is found', () => {
    expect(
      importedPackages("import { x } from 'left-pad/sub';\nconst y = require('@scope/pkg/deep');"),
    ).toEqual(['left-pad', '@scope/pkg']);
  });

  test('a package nothing imports or runs is not used', () => {
    const name = '@aws-lambda-powertools/batch';
    expect(code.some((s) => importedPackages(s.text).includes(name))).toBe(false);
  });
});
