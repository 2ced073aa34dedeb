/**
 * What `npm run localstack:trial` (scripts/localstack-trial.ts) prepares and cleans up around LocalStack: its virtualenv,
 * the JDK and DynamoDB Local it would otherwise download at first use, and the process tree it leaves behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..');
export const LOCALSTACK_VERSION = '2026.3.0';
const CONSTRAINTS = join(ROOT, 'scripts', 'localstack-constraints.txt');
const DDB_POM = join(ROOT, 'scripts', 'localstack-dynamodb-local.pom.xml');

const hashOf = (...files: string[]) =>
  createHash('sha256')
    .update(files.map((f) => readFileSync(f)).join('\0'))
    .digest('hex');

/** Python 3.13 (LocalStack 2026.3 needs it): $LOCALSTACK_PYTHON, else pyenv's newest 3.13, else python3.13 on PATH. */
function python313(): string {
  if (process.env.LOCALSTACK_PYTHON) return process.env.LOCALSTACK_PYTHON;
  try {
    const prefix = execFileSync('pyenv', ['prefix', '3.13'], { encoding: 'utf8' }).trim().split('\n').pop();
    if (prefix && existsSync(join(prefix, 'bin', 'python3'))) return join(prefix, 'bin', 'python3');
  } catch {
    // no pyenv, or no 3.13 in it
  }
  try {
    execFileSync('python3.13', ['--version']);
    return 'python3.13';
  } catch {
    throw new Error(
      'LocalStack 2026.3 needs Python 3.13: install it (pyenv install 3.13) or set LOCALSTACK_PYTHON',
    );
  }
}

/** The venv with LocalStack, reinstalled only when the constraints change. */
export function ensureVenv(cache: string): string {
  const venv = join(cache, 'venv');
  const stamp = join(venv, '.streamlake-stamp');
  const want = hashOf(CONSTRAINTS);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return venv;
  rmSync(venv, { recursive: true, force: true });
  execFileSync(python313(), ['-m', 'venv', venv], { stdio: 'inherit' });
  const pip = join(venv, 'bin', 'pip');
  execFileSync(
    pip,
    [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '-c',
      CONSTRAINTS,
      `localstack-core[runtime]==${LOCALSTACK_VERSION}`,
    ],
    { stdio: 'inherit' },
  );
  writeFileSync(stamp, want);
  return venv;
}

/** JAVA_HOME of the machine's JDK, which must be 17 or later (DynamoDB Local 2.x needs 17). */
export function javaHome(): string {
  const home =
    process.env.JAVA_HOME ??
    dirname(dirname(realpathSync(execFileSync('which', ['java'], { encoding: 'utf8' }).trim())));
  const out = spawnSync(join(home, 'bin', 'java'), ['-version'], { encoding: 'utf8' });
  const major = Number(/version "(\d+)/.exec(`${out.stderr}${out.stdout}`)?.[1]);
  if (!(major >= 17))
    throw new Error(`LocalStack's DynamoDB Local needs Java 17 or later; ${home} has ${major || 'none'}`);
  return home;
}

/** A symlink `link` → `target`, replacing whatever is there (LocalStack leaves an empty folder after a failed download). */
export function forceLink(target: string, link: string): void {
  mkdirSync(dirname(link), { recursive: true });
  if (existsSync(link) || isSymlink(link)) rmSync(link, { recursive: true, force: true });
  symlinkSync(target, link);
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Wraps a manifest header at 72 bytes, as the JAR specification requires. */
function manifestLine(line: string): string {
  const out = [line.slice(0, 72)];
  for (let i = 72; i < line.length; i += 71) out.push(` ${line.slice(i, i + 71)}`);
  return out.join('\n');
}

/**
 * LocalStack's `dynamodb-local/2` package directory, filled from Maven Central: DynamoDBLocal_lib/ (the jar, its
 * libraries, sqlite4java's native libraries), a launcher DynamoDBLocal.jar whose manifest names them (LocalStack runs
 * `java -jar DynamoDBLocal.jar`; the Maven jar's manifest names the files of AWS's zip instead), and the agent jar
 * LocalStack passes to -javaagent.
 */
export function ensureDynamoDbLocal(libDir: string, home: string): void {
  const dir = join(libDir, 'dynamodb-local', '2');
  const stamp = join(dir, '.streamlake-stamp');
  const want = hashOf(DDB_POM);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  rmSync(dir, { recursive: true, force: true });
  const lib = join(dir, 'DynamoDBLocal_lib');
  execFileSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      DDB_POM,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${lib}`,
    ],
    { stdio: 'inherit' },
  );
  const jars = readdirSync(lib).filter((f) => f.endsWith('.jar'));
  const agent = jars.find((f) => f.startsWith('byte-buddy-agent-'));
  if (!agent || !jars.some((f) => f.startsWith('DynamoDBLocal-'))) {
    throw new Error(`Maven did not copy DynamoDB Local and byte-buddy-agent into ${lib}`);
  }
  const classPath = jars.filter((f) => f !== agent).map((f) => `DynamoDBLocal_lib/${f}`);
  const manifest = join(dir, 'MANIFEST.MF');
  writeFileSync(
    manifest,
    `${[
      'Manifest-Version: 1.0',
      'Main-Class: com.amazonaws.services.dynamodbv2.local.main.ServerRunner',
      manifestLine(`Class-Path: ${classPath.join(' ')}`),
    ].join('\n')}\n`,
  );
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  writeFileSync(join(dir, 'ddb-local-loader-0.1.jar'), readFileSync(join(lib, agent)));
  // LocalStack treats the package as installed once DynamoDBLocal.jar exists: write it last.
  execFileSync(join(home, 'bin', 'jar'), [
    '--create',
    '--file',
    join(dir, 'DynamoDBLocal.jar'),
    '--manifest',
    manifest,
    '-C',
    empty,
    '.',
  ]);
  writeFileSync(stamp, want);
}

/** Every process below `pid` (LocalStack starts DynamoDB Local, kinesis-local and the KCL in sessions of their own). */
export function descendants(pid: number): { pid: number; start: string }[] {
  const children = new Map<number, { pid: number; start: string }[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command (which may hold spaces) start after the last ')': state, ppid, …, starttime (22nd).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const list = children.get(ppid) ?? [];
      list.push({ pid: Number(entry), start: fields[19] });
      children.set(ppid, list);
    } catch {
      // the process ended while we read
    }
  }
  const out: { pid: number; start: string }[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c.pid);
    }
  };
  walk(pid);
  return out;
}

/** SIGKILLs the processes of a snapshot that still run (same pid and start time, so never a recycled pid). */
export function killLeftovers(snapshot: readonly { pid: number; start: string }[]): number {
  let killed = 0;
  for (const p of snapshot) {
    try {
      const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] !== p.start) continue;
      process.kill(p.pid, 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}
