import { join } from 'node:path';
import {
  anchorsOf,
  brokenReferences,
  documentationPages,
  realFs,
  repoPathIn,
  slug,
} from '../support/doc-links';

const ROOT = join(__dirname, '..', '..');

describe('documentation links', () => {
  test.each(documentationPages(ROOT).map((p) => [p.slice(ROOT.length + 1), p]))(
    '%s: every relative link and every named repository file resolves',
    (_name, page) => {
      expect(brokenReferences(ROOT, page, realFs)).toEqual([]);
    },
  );

  test('the concepts guide and the systems page are among the pages checked', () => {
    const pages = documentationPages(ROOT).map((p) => p.slice(ROOT.length + 1));
    expect(pages).toEqual(expect.arrayContaining(['docs/concepts.md', 'docs/systems.md', 'README.md']));
  });
});

describe('the link checker', () => {
  const files: Record<string, string> = {
    '/r/docs/a.md': [
      '# Title',
      '## Kafka vs Kinesis',
      'See [b](b.md#real-heading), [gone](missing.md), [bad anchor](b.md#nope), [self](#kafka-vs-kinesis),',
      '[web](https://example.com/x), `lib/real.ts`, `lib/missing.ts`, `not/a/repo/path.ts`, `lib/<name>.ts`.',
      '```',
      '[ignored](inside-a-fence.md) `lib/also-ignored.ts`',
      '```',
    ].join('\n'),
    '/r/docs/b.md': '# Real heading\n',
    '/r/lib/real.ts': '',
  };
  const fs = {
    read: (p: string) => files[p] ?? '',
    exists: (p: string) => p in files || p === '/r/lib',
    isDir: (p: string) => p === '/r/lib',
  };

  test('fails on a missing file, a missing heading and a named repository file that does not exist', () => {
    expect(brokenReferences('/r', '/r/docs/a.md', fs).map((b) => [b.target, b.problem])).toEqual([
      ['missing.md', 'no such file'],
      ['b.md#nope', 'no heading #nope'],
      ['lib/missing.ts', 'no such file in the repository'],
    ]);
  });

  test('passes a page whose references all resolve', () => {
    expect(brokenReferences('/r', '/r/docs/b.md', fs)).toEqual([]);
  });

  test('anchors follow GitHub: lower case, punctuation dropped, repeats numbered', () => {
    expect(slug('HDFS vs S3')).toBe('hdfs-vs-s3');
    expect(slug('Hadoop as an orchestrator: is YARN like Kubernetes?')).toBe(
      'hadoop-as-an-orchestrator-is-yarn-like-kubernetes',
    );
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
  });

  test('only code spans that start at a repository folder and hold no placeholder name a file', () => {
    expect(repoPathIn('lib/config/schema.ts')).toBe('lib/config/schema.ts');
    expect(repoPathIn('jobs/spark/src/streamlake_spark/main.py:62')).toBe(
      'jobs/spark/src/streamlake_spark/main.py',
    );
    expect(repoPathIn('raw/events/dt=D/')).toBeUndefined();
    expect(repoPathIn('lib/constructs/<layer>/')).toBeUndefined();
    expect(repoPathIn('npm run test:unit')).toBeUndefined();
  });
});
