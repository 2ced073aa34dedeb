import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EsmSettings } from '../../local/compute/speed';
import { formatReport, type PipelineReport, percentiles, writeReportJson } from '../../local/report';

const ESM: EsmSettings = {
  batchSize: 1000,
  maxBatchingWindowSeconds: 5,
  tumblingWindowSeconds: 120,
  parallelizationFactor: 1,
  maxRetryAttempts: 10,
  maxRecordAgeSeconds: 21600,
  bisectOnError: true,
  reportBatchItemFailures: true,
  startingPosition: 'TRIM_HORIZON',
};

function report(workDir: string, over: Partial<PipelineReport> = {}): PipelineReport {
  return {
    architecture: 'lambda',
    workDir,
    closedDay: '2026-11-20',
    produced: { records: 10, events: 8, duplicates: 1, malformed: 1, late: 0, outOfOrder: 1 },
    components: { speed: 'lambda/stream-consumer' },
    esm: { template: ESM, ran: ESM, overridden: [] },
    settle: [{ name: 'speed', settled: true, ms: 1200, detail: 'every shard settled' }],
    paths: {},
    deadLetters: [],
    checks: [
      { name: 'a', status: 'pass', detail: 'ok' },
      {
        name: 'b',
        status: 'fail',
        detail: 'off',
        diffs: [{ key: 'k', expected: { count: 1, watchSeconds: 0 } }],
      },
    ],
    logs: {
      runtime: join(workDir, 'logs', 'runtime.log'),
      'stream-consumer': join(workDir, 'logs', 'stream-consumer.log'),
    },
    files: { report: join(workDir, 'report.json') },
    phases: [{ name: 'settle', ms: 1200 }],
    durationMs: 5000,
    ...over,
  };
}

describe('the report', () => {
  test('shows the ESM settings that ran and says when none was overridden', () => {
    const text = formatReport(report('/w'));
    expect(text).toContain(
      'event source mapping (template): batch 1000, batching window 5 s, tumbling window 120 s',
    );
    expect(text).toContain('  ran as the template says');
    expect(text).toContain('[FAIL] b: off');
    expect(text).toContain('result: 1/2 checks passed, 1 FAILED in 5.0 s');
    expect(text).toContain('stream-consumer');
  });

  test('names an overridden setting', () => {
    const text = formatReport(
      report('/w', {
        esm: {
          template: ESM,
          ran: { ...ESM, tumblingWindowSeconds: 10 },
          overridden: ['tumblingWindowSeconds 120 → 10 (--window-seconds)'],
        },
      }),
    );
    expect(text).toContain('ran with overrides: tumblingWindowSeconds 120 → 10 (--window-seconds)');
  });

  test('is written as JSON that reads back equal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-test-'));
    try {
      const r = report(dir);
      expect(JSON.parse(readFileSync(writeReportJson(r), 'utf8'))).toEqual(r);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('percentiles of latencies', () => {
    expect(percentiles([])).toBeUndefined();
    expect(percentiles([5, 1, 3, 2, 4])).toEqual({ p50: 3, p95: 5, max: 5, samples: 5 });
  });
});
