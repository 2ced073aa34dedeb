import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Finds what a Markdown page points at and cannot be found: relative links (`[text](path#anchor)`) whose file or heading
 * is missing, and repository paths named in code spans (`lib/constructs/batch/spark-batch-job.ts`) that do not exist.
 * Pure over the file system it is given, so a test can feed it a page with a broken link and see it fail.
 */

export interface BrokenReference {
  readonly page: string;
  readonly line: number;
  readonly target: string;
  readonly problem: string;
}

/** Top-level folders and files of the repository that a code span may name. */
const REPO_ROOTS = [
  'bin/',
  'cli/',
  'docs/',
  'jobs/',
  'lambda/',
  'lib/',
  'local/',
  'scripts/',
  'test/',
  'bench/',
  '.ci/',
];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Anchors of a Markdown text (headings outside fenced blocks; repeated headings get -1, -2 …). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  for (const line of withoutFences(markdown)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line.text);
    if (!m) continue;
    const base = slug(m[1] as string);
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Lines outside fenced code blocks, with their 1-based numbers. */
function withoutFences(markdown: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) out.push({ text, line: i + 1 });
  });
  return out;
}

/** A code span that names a repository path: starts at a known top-level folder, no spaces, no placeholders. */
export function repoPathIn(span: string): string | undefined {
  const path = span.replace(/[),.:;]+$/, '').split(/[#:](?!\/)/)[0] as string;
  if (!REPO_ROOTS.some((r) => path.startsWith(r))) return undefined;
  if (/[\s<>{}*$?[\]|]|\.\.\./.test(path)) return undefined;
  return path;
}

/**
 * Every broken reference of one page. `read` and `exists` are the file system (injected so tests can use a fake one);
 * `root` is the repository root, `page` the page's path.
 */
export function brokenReferences(
  root: string,
  page: string,
  fs: { read: (p: string) => string; exists: (p: string) => boolean; isDir: (p: string) => boolean },
): BrokenReference[] {
  const text = fs.read(page);
  const out: BrokenReference[] = [];
  const rel = relative(root, page);
  for (const { text: line, line: n } of withoutFences(text)) {
    for (const m of line.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const path = file === '' ? page : resolve(dirname(page), decodeURIComponent(file));
      if (!fs.exists(path)) {
        out.push({ page: rel, line: n, target, problem: 'no such file' });
        continue;
      }
      if (anchor && path.endsWith('.md') && !fs.isDir(path) && !anchorsOf(fs.read(path)).has(anchor))
        out.push({ page: rel, line: n, target, problem: `no heading #${anchor}` });
    }
    for (const m of line.replace(/\[[^\]]*\]\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)) {
      const path = repoPathIn(m[1] as string);
      if (path && !fs.exists(join(root, path)))
        out.push({ page: rel, line: n, target: path, problem: 'no such file in the repository' });
    }
  }
  return out;
}

/** Markdown pages of the documentation: docs/**, README.md and the READMEs next to code. */
export function documentationPages(root: string): string[] {
  const pages: string[] = [join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      if (e === 'node_modules' || e.startsWith('.') || e === 'target' || e === 'cdk.out') continue;
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.md')) pages.push(p);
    }
  };
  for (const dir of ['docs', 'lambda', 'jobs', 'local', 'cli', 'test/fixtures']) {
    if (existsSync(join(root, dir))) walk(join(root, dir));
  }
  return pages;
}

export const realFs = {
  read: (p: string) => readFileSync(p, 'utf8'),
  exists: (p: string) => existsSync(p),
  isDir: (p: string) => existsSync(p) && statSync(p).isDirectory(),
};
