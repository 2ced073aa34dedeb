/**
 * Fault test: the local Flink job is killed (SIGKILL) mid-stream and restarted from its latest retained checkpoint;
 * once the restored job has settled (its REST figures), the Flink view of the closed day must equal the independent
 * reference exactly (no loss, no double count). The consumer runs here without a tumbling window (--window-seconds 0),
 * so the batch path (processBatch) also runs end to end.
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
      windowSeconds: 0,
      killFlinkAt: 0.5,
      runBatch: false,
      reprocess: false,
      keepWorkDir: 'none',
      log: () => undefined,
    });
  }, 900_000);

  test('the job was restarted once and settled', () => {
    expect(report.paths.flink?.restarts).toBe(1);
    expect(report.settle.find((s) => s.name === 'flink')?.settled).toBe(true);
  });

  test('final Flink totals for the closed day are exact, per minute and per day', () => {
    expect(
      report.checks.filter((c) => c.name.startsWith('flink view')).map((c) => [c.status, c.diffs]),
    ).toEqual([
      ['pass', undefined],
      ['pass', undefined],
    ]);
  });

  test('malformed records are dead-lettered once each across the restart', () => {
    expect(report.checks.filter((c) => c.name.startsWith('flink dead-letters')).map((c) => c.status)).toEqual(
      ['pass'],
    );
  });

  test('the batch path of the consumer (no window) passes its checks too', () => {
    expect(report.esm?.ran.tumblingWindowSeconds).toBe(0);
    expect(report.checks.filter((c) => c.name.startsWith('speed')).map((c) => [c.name, c.status])).toEqual([
      ['speed view within its at-least-once bounds, per minute', 'pass'],
      ['speed layer dead-letters each malformed record once, with its reason', 'pass'],
    ]);
  });
});
