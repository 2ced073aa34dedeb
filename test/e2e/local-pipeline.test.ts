/**
 * The whole offline pipeline on a small seeded workload: emulators, the real stream-consumer handler behind the local
 * event source mapping (with injected invocation failures, so batches are retried), the real Flink job, the archive
 * writer and the real Spark job for the closed day. The templates are the hand-made fixture that declares every layer
 * (test/e2e/fixtures/templates); `local-synth.test.ts` checks that the runtime reads the real synthesized app.
 */
import { join } from 'node:path';
import { type PipelineReport, runPipeline } from '../../local/pipeline';

describe('offline pipeline, end to end', () => {
  let report: PipelineReport;
  const lines: string[] = [];

  beforeAll(async () => {
    report = await runPipeline({
      architecture: 'lambda',
      seed: 4242,
      records: 1500,
      startTime: '2026-11-20T23:52:00.000Z',
      spanMinutes: 14,
      putRatePerSecond: 400,
      templatesDir: join(__dirname, 'fixtures', 'templates'),
      injectConsumerFailures: 0.25,
      log: (l) => lines.push(l),
    });
  }, 900_000);

  const check = (prefix: string) => report.checks.filter((c) => c.name.startsWith(prefix));

  test('every component ran', () => {
    expect(report.checks.filter((c) => c.status === 'not-run')).toEqual([]);
  });

  test('batch view = reference for the closed day, per minute and per day, exactly', () => {
    expect(check('batch view').map((c) => [c.name, c.status, c.diffs])).toEqual([
      [`batch view = reference, per minute (${report.closedDay})`, 'pass', []],
      [`batch view = reference, per day (${report.closedDay})`, 'pass', []],
    ]);
  });

  test('flink view = reference for the closed day, per minute and per day, exactly', () => {
    expect(check('flink view').map((c) => [c.status, c.diffs])).toEqual([
      ['pass', []],
      ['pass', []],
    ]);
  });

  test('malformed records end in the dead-letter destinations of both streaming paths', () => {
    expect(check('flink dead-letters').map((c) => c.status)).toEqual(['pass']);
    expect(check('speed layer dead-letters').map((c) => c.status)).toEqual(['pass']);
    const dlq = report.deadLetters.find((d) => d.destination.startsWith('dead-letter queue'));
    expect(dlq?.count).toBeGreaterThanOrEqual(report.produced.malformed);
  });

  test('the speed view never under-counts, even with retried batches', () => {
    expect(check('speed view').map((c) => [c.status, c.diffs])).toEqual([['pass', []]]);
    expect(report.paths.speed?.recordsRedelivered).toBeGreaterThan(0);
  });

  test('the archive holds every record and the producer lost nothing', () => {
    expect(check('archive').map((c) => c.status)).toEqual(['pass']);
    expect(report.producer).toMatchObject({ sent: report.produced.records, failed: 0 });
  });
});
