/**
 * Kappa reprocessing against the emulators (local/reprocess.ts): after the live Flink job has built flink-v1, a replay
 * job rebuilds flink-v2 from the raw archive (moto S3, as the archive writer delivered it) for the first part of the
 * closed day and from the stream for the rest; the SSM pointer flips and the real query handler serves flink-v2; the
 * live job is handed over to flink-v2 without state. The control-plane side (CreateApplication, waits, deletes) is
 * cli/lib/replay.ts, tested with mocked clients in test/cli/replay.test.ts.
 */
import { join } from 'node:path';
import { type PipelineReport, runPipeline } from '../../local/pipeline';

describe('kappa reprocessing on the emulators', () => {
  let report: PipelineReport;
  const lines: string[] = [];

  beforeAll(async () => {
    report = await runPipeline({
      architecture: 'kappa',
      seed: 777,
      records: 1500,
      startTime: '2026-11-20T23:50:00.000Z',
      spanMinutes: 16,
      putRatePerSecond: 400,
      templatesDir: join(__dirname, 'fixtures', 'kappa-templates'),
      keepWorkDir: 'none',
      log: (l) => lines.push(l),
    });
  }, 900_000);

  const check = (prefix: string) => report.checks.filter((c) => c.name.startsWith(prefix));

  test('the live job built flink-v1 = reference first, once settled', () => {
    expect(report.settle.map((s) => [s.name, s.settled])).toEqual([
      ['archive', true],
      ['flink', true],
    ]);
    expect(check('flink view').map((c) => [c.status, c.diffs])).toEqual([
      ['pass', undefined],
      ['pass', undefined],
    ]);
  });

  test('the replay job rebuilds flink-v2 from the archive and the stream, equal to the reference', () => {
    expect(check('replay (archive, then stream)').map((c) => [c.status, c.detail])).toEqual([
      ['pass', expect.stringMatching(/^(\d+) minute rows vs \1 in the reference$/)],
    ]);
  });

  test('serving switches to flink-v2 only through the pointer', () => {
    expect(check('query API switches').map((c) => [c.status, c.detail])).toEqual([
      ['pass', 'served flink-v1 before the flip, flink-v2 after'],
    ]);
  });

  test('the hand-over rewrites the windows from H only, with the same totals', () => {
    const [c] = check('hand-over');
    expect(c?.status).toBe('pass');
    expect(c?.detail).toMatch(
      / (\d+)\/\1 windows from H rewritten, 0\/\d+ earlier windows touched, 0 differences/,
    );
  });
});
