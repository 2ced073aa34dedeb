/**
 * The whole offline pipeline on a small seeded workload, on the deployed speed path: the real stream-consumer handler
 * behind the local event source mapping with the template's tumbling window (shortened to 10 s here, as
 * `npm start -- --window-seconds 10` does) and injected invocation failures, so windows are retried; the real Flink
 * job; the archive writer; the real Spark job for the closed day. The templates are the hand-made fixture that
 * declares every layer like the synthesized app (test/e2e/fixtures/templates); `local-synth.test.ts` checks that the
 * runtime reads the real synthesized app.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PipelineReport, runPipeline } from '../../local/pipeline';

describe('offline pipeline, end to end (tumbling-window path)', () => {
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
      windowSeconds: 10,
      injectConsumerFailures: 0.25,
      log: (l) => lines.push(l),
    });
  }, 900_000);

  const named = (prefix: string) => report.checks.filter((c) => c.name.startsWith(prefix));

  test('every check passes', () => {
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'the stream holds exactly the workload',
        'the archive holds exactly the workload',
        'speed view within its at-least-once bounds, per minute',
        'speed layer dead-letters each malformed record once, with its reason',
        'no batch discarded to the on-failure destination',
        'flink dead-letters each malformed payload once, with its reason',
        'query API serves the closed day',
      ]),
    );
    expect(named('batch view')).toHaveLength(2);
    expect(named('flink view')).toHaveLength(2);
  });

  test('every component settled on its signals', () => {
    expect(report.settle.map((s) => [s.name, s.settled])).toEqual([
      ['speed', true],
      ['archive', true],
      ['flink', true],
    ]);
  });

  test('the window path ran, with windows retried, and the report says the window was shortened', () => {
    expect(report.esm?.template.tumblingWindowSeconds).toBe(120);
    expect(report.esm?.ran.tumblingWindowSeconds).toBe(10);
    expect(report.esm?.overridden).toEqual(['tumblingWindowSeconds 120 → 10 (--window-seconds)']);
    expect(report.paths.speed?.windowsClosed).toBeGreaterThan(0);
    expect(report.paths.speed?.recordsRedelivered).toBeGreaterThan(0);
  });

  test('handler logs go to a file, the console shows phases and progress only', () => {
    const consumerLog = report.logs['stream-consumer'] as string;
    expect(readFileSync(consumerLog, 'utf8')).toMatch(/"message":"window batch done"/);
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(lines.some((l) => /\] settle \(/.test(l))).toBe(true);
  });

  test('the report is written as JSON next to the logs', () => {
    const file = report.files.report as string;
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).checks).toEqual(report.checks);
  });
});
