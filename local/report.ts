/** The run's report: what ran, how it settled, the checks; as text for the console and as report.json. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from './checks/check';
import { describeEsm, type EsmSettings } from './compute/speed';
import type { SettleResult } from './settle';
import type { Architecture } from './templates';

export interface PipelineReport {
  readonly architecture: Architecture;
  readonly speedEngine?: 'lambda' | 'flink';
  readonly workDir: string;
  readonly closedDay: string;
  readonly produced: {
    records: number;
    events: number;
    duplicates: number;
    malformed: number;
    late: number;
    outOfOrder: number;
  };
  /** The producer's own account (shown, never checked: the stream is read back instead). */
  readonly producer?: {
    sent: number;
    failed: number;
    retried: number;
    throttledCalls: number;
    elapsedMs: number;
  };
  readonly components: Record<string, string>;
  /** The event source mapping settings: the template's, what ran, and which a flag overrode. */
  readonly esm?: { template: EsmSettings; ran: EsmSettings; overridden: string[] };
  readonly settle: SettleResult[];
  /** Per-path figures, for reading (the checks do not use them). */
  readonly paths: Record<string, Record<string, number | string>>;
  readonly deadLetters: { destination: string; count: number; reasons: Record<string, number> }[];
  readonly latencyMs?: { p50: number; p95: number; max: number; samples: number };
  readonly checks: Check[];
  /** Log file name → path (handlers, emulators, jobs, the runtime's own). */
  readonly logs: Record<string, string>;
  /** The workload's payloads, its truth, and this report as JSON. */
  readonly files: Record<string, string>;
  readonly phases: { name: string; ms: number }[];
  readonly durationMs: number;
}

export function percentiles(values: number[]): PipelineReport['latencyMs'] {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
  return { p50: at(50), p95: at(95), max: sorted[sorted.length - 1] as number, samples: sorted.length };
}

export function writeReportJson(r: PipelineReport): string {
  const file = join(r.workDir, 'report.json');
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tag = (c: Check) => (c.status === 'pass' ? 'PASS' : c.status === 'fail' ? 'FAIL' : 'NOT RUN');

/** The report as the console shows it. */
export function formatReport(r: PipelineReport): string {
  const lines: string[] = [];
  lines.push(
    `streamlake offline run: architecture ${r.architecture}${r.speedEngine ? `, speed engine ${r.speedEngine}` : ''}, closed day ${r.closedDay}`,
  );
  lines.push(
    `workload: ${r.produced.records} records: ${r.produced.events} events (${r.produced.late} late, ${r.produced.outOfOrder} out of order), ` +
      `${r.produced.duplicates} duplicates, ${r.produced.malformed} malformed`,
  );
  if (r.producer)
    lines.push(
      `producer: ${r.producer.sent} sent, ${r.producer.failed} failed, ${r.producer.retried} retried, ${r.producer.throttledCalls} throttled calls, ${sec(r.producer.elapsedMs)}`,
    );
  lines.push('components:');
  for (const [k, v] of Object.entries(r.components)) lines.push(`  ${k.padEnd(9)} ${v}`);
  if (r.esm) {
    lines.push(`event source mapping (template): ${describeEsm(r.esm.template)}`);
    lines.push(
      r.esm.overridden.length === 0
        ? '  ran as the template says'
        : `  ran with overrides: ${r.esm.overridden.join('; ')}`,
    );
  }
  lines.push('settled:');
  for (const s of r.settle)
    lines.push(`  ${s.name.padEnd(9)} ${s.settled ? 'yes' : 'NO '} in ${sec(s.ms)}: ${s.detail}`);
  lines.push('per path:');
  for (const [k, v] of Object.entries(r.paths))
    lines.push(
      `  ${k.padEnd(9)} ${Object.entries(v)
        .map(([a, b]) => `${a}=${b}`)
        .join(' ')}`,
    );
  lines.push('dead letters (read back):');
  if (r.deadLetters.length === 0) lines.push('  (no dead-letter destination ran)');
  for (const d of r.deadLetters) lines.push(`  ${d.destination}: ${d.count} ${JSON.stringify(d.reasons)}`);
  if (r.latencyMs)
    lines.push(
      `event → speed view latency (PutRecords → end of the invocation that wrote it): p50 ${sec(r.latencyMs.p50)}, p95 ${sec(r.latencyMs.p95)}, max ${sec(r.latencyMs.max)} over ${r.latencyMs.samples} records`,
    );
  lines.push('checks:');
  for (const c of r.checks) {
    lines.push(`  [${tag(c)}] ${c.name}: ${c.detail}`);
    for (const d of c.diffs ?? [])
      lines.push(
        `      ${d.key}: expected ${JSON.stringify(d.expected ?? null)}, got ${JSON.stringify(d.actual ?? null)}`,
      );
  }
  lines.push(
    `logs: ${r.logs.runtime ? `${r.logs.runtime} and the rest of ` : ''}${join(r.workDir, 'logs')}/`,
  );
  for (const [k, v] of Object.entries(r.logs)) if (k !== 'runtime') lines.push(`  ${k.padEnd(24)} ${v}`);
  lines.push(`report: ${r.files.report ?? join(r.workDir, 'report.json')}`);
  lines.push(`phases: ${r.phases.map((p) => `${p.name} ${sec(p.ms)}`).join(', ')}`);
  const failed = r.checks.filter((c) => c.status === 'fail').length;
  const notRun = r.checks.filter((c) => c.status === 'not-run').length;
  lines.push(
    `result: ${r.checks.length - failed - notRun}/${r.checks.length} checks passed${failed ? `, ${failed} FAILED` : ''}${notRun ? `, ${notRun} not run` : ''} in ${sec(r.durationMs)}`,
  );
  return lines.join('\n');
}
