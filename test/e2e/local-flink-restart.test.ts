/**
 * Fault test: the local Flink job is killed (SIGKILL) mid-stream and restarted from its latest retained checkpoint;
 * the Flink view of the closed day must still equal the independent reference exactly (no loss, no double count).
 */
import { join } from 'node:path';
import { type PipelineReport, runPipeline } from '../../local/pipeline';

describe('Flink job killed mid-stream and restored from its checkpoint', () => {
  let report: PipelineReport;

  beforeAll(async () => {
    report = await runPipeline({
      architecture: 'kappa',
      seed: 777,
      records: 1500,
      startTime: '2026-11-20T23:50:00.000Z',
      spanMinutes: 16,
      putRatePerSecond: 100,
      templatesDir: join(__dirname, 'fixtures', 'templates'),
      killFlinkAt: 0.5,
      runBatch: false,
      log: () => undefined,
    });
  }, 900_000);

  test('the job was restarted once', () => {
    expect(report.paths.flink?.restarts).toBe(1);
  });

  test('final Flink totals for the closed day are exact, per minute and per day', () => {
    expect(
      report.checks.filter((c) => c.name.startsWith('flink view')).map((c) => [c.status, c.diffs]),
    ).toEqual([
      ['pass', []],
      ['pass', []],
    ]);
  });

  test('malformed records are dead-lettered once each across the restart', () => {
    expect(report.checks.filter((c) => c.name.startsWith('flink dead-letters')).map((c) => c.status)).toEqual(
      ['pass'],
    );
  });
});
