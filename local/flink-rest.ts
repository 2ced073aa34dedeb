/**
 * When is a local Flink job done with its input? Read from Flink's own REST API (the MiniCluster's, turned on with the
 * job's `--rest-port`, lib/contracts/flink-runtime.json), never from the view it writes:
 *
 * - the source has read the input: its records out (plus those it skipped before `Source.eventTimeFrom`) reach the
 *   number of records on the stream, when that number is known (a job that read the stream from TRIM_HORIZON without
 *   a restore); otherwise (a job restored from a checkpoint, a replay that reads the archive first) its count is at
 *   least what is known to be there and has not moved for a quiet spell;
 * - nothing is between operators: the records every vertex sent equal the records every vertex received;
 * - every window whose end has passed has fired: the input watermark of every vertex has stopped moving (two samples
 *   at least a second apart, a few auto-watermark intervals, with nothing in between);
 * - the sinks are idle: the views sink's own gauges say nothing is in flight or buffered, and every other sink has
 *   sent at least every record it received.
 *
 * `flinkSettled` is a pure function over two snapshots, so each rule is unit-tested.
 */
import flinkRuntime from '../lib/contracts/flink-runtime.json';

const M = flinkRuntime.metrics;

/** Operator metrics read from every vertex, by the end of their id (`<operator>.<name>`), summed over subtasks. */
export const WATCHED_METRICS = {
  /** Records a source operator emitted (its operator-level numRecordsOut; the id starts with `Source__`). */
  sourceRecordsOut: 'numRecordsOut',
  /** Records the stream source skipped before `Source.eventTimeFrom` (jobs/flink ViewsJob.RawBytes). */
  skippedBeforeFrom: 'recordsBeforeEventTimeFrom',
  /** Records a sink writer handed to its destination (FLIP-33 sink metric). */
  sinkRecordsSend: 'numRecordsSend',
  sinkInFlight: M.sinkInFlightRequests,
  sinkBuffered: M.sinkBufferedWrites,
  sinkCompleted: M.sinkCompletedWrites,
} as const;
export type WatchedMetric = keyof typeof WATCHED_METRICS;

export interface FlinkVertexState {
  readonly id: string;
  readonly name: string;
  /** Ids of the vertices feeding this one. */
  readonly inputs: readonly string[];
  /** Task-level records received from and sent to other vertices, summed over subtasks. */
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Lowest input watermark of its subtasks (epoch ms); absent for sources. */
  readonly inputWatermark?: number;
  readonly metrics: Readonly<Partial<Record<WatchedMetric, number>>>;
}

export interface FlinkSnapshot {
  readonly atMs: number;
  readonly jobId: string;
  readonly state: string;
  readonly vertices: readonly FlinkVertexState[];
}

export interface FlinkExpectation {
  /** Records the job must read, when known (a fresh job reading the stream from TRIM_HORIZON). */
  readonly sourceRecords?: number;
  /** Without a known count: at least this many read (for example the stream part of a replay)… @default 0 */
  readonly minSourceRecords?: number;
  /** …and the count unchanged for this long. */
  readonly quietMs: number;
  /** Least time between the two snapshots that show the watermarks and counters still. @default 1000 */
  readonly minIntervalMs?: number;
}

export interface FlinkSettleState {
  readonly settled: boolean;
  /** What is not there yet (empty when settled). */
  readonly waiting: readonly string[];
  /** Records the source read (emitted + skipped). */
  readonly sourceRead: number;
}

const sum = (xs: Iterable<number>) => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

export function sourceRead(s: FlinkSnapshot): number {
  return sum(
    s.vertices
      .filter((v) => v.inputs.length === 0)
      .map((v) => (v.metrics.sourceRecordsOut ?? 0) + (v.metrics.skippedBeforeFrom ?? 0)),
  );
}

function balance(s: FlinkSnapshot): { sent: number; received: number } {
  const feeding = new Set(s.vertices.flatMap((v) => v.inputs));
  return {
    sent: sum(s.vertices.filter((v) => feeding.has(v.id)).map((v) => v.recordsOut)),
    received: sum(s.vertices.filter((v) => v.inputs.length > 0).map((v) => v.recordsIn)),
  };
}

/**
 * Whether the job has finished with its input, judged from two snapshots (`prev` older) and, without a known source
 * count, since when the source's count has not changed (`sourceUnchangedSinceMs`, kept by the caller).
 */
export function flinkSettled(
  prev: FlinkSnapshot | undefined,
  cur: FlinkSnapshot,
  expect: FlinkExpectation,
  sourceUnchangedSinceMs = cur.atMs,
): FlinkSettleState {
  const waiting: string[] = [];
  const read = sourceRead(cur);
  if (cur.state !== 'RUNNING') waiting.push(`job ${cur.state}`);
  if (expect.sourceRecords !== undefined) {
    if (read < expect.sourceRecords) waiting.push(`source read ${read}/${expect.sourceRecords} records`);
  } else {
    if (read < (expect.minSourceRecords ?? 0))
      waiting.push(`source read ${read}/${expect.minSourceRecords}+ records`);
    if (cur.atMs - sourceUnchangedSinceMs < expect.quietMs)
      waiting.push(`source count (${read}) unchanged for ${expect.quietMs / 1000} s`);
  }
  const b = balance(cur);
  if (b.sent !== b.received) waiting.push(`${b.sent - b.received} records between operators`);

  if (!prev || cur.atMs - prev.atMs < (expect.minIntervalMs ?? 1000)) waiting.push('a second snapshot');
  else {
    const before = new Map(prev.vertices.map((v) => [v.id, v]));
    const moved = cur.vertices.filter((v) => {
      const p = before.get(v.id);
      return (
        !p ||
        p.recordsIn !== v.recordsIn ||
        p.recordsOut !== v.recordsOut ||
        p.inputWatermark !== v.inputWatermark ||
        p.metrics.sinkCompleted !== v.metrics.sinkCompleted
      );
    });
    if (moved.length > 0)
      waiting.push(`watermarks or counters still moving (${moved.map((v) => v.name).join(', ')})`);
  }

  const viewsSinks = cur.vertices.filter((v) => v.metrics.sinkInFlight !== undefined);
  if (viewsSinks.length === 0)
    waiting.push(
      `the views sink's gauges (${M.sinkInFlightRequests}, ${M.sinkBufferedWrites}) are not reported`,
    );
  for (const v of viewsSinks) {
    const busy = (v.metrics.sinkInFlight ?? 0) + (v.metrics.sinkBuffered ?? 0);
    if (busy > 0)
      waiting.push(`${v.name}: ${v.metrics.sinkInFlight} in flight, ${v.metrics.sinkBuffered} buffered`);
  }
  const feeding = new Set(cur.vertices.flatMap((v) => v.inputs));
  for (const v of cur.vertices) {
    if (feeding.has(v.id) || v.metrics.sinkInFlight !== undefined || v.inputs.length === 0) continue;
    const sent = v.metrics.sinkRecordsSend ?? 0;
    if (sent < v.recordsIn) waiting.push(`${v.name}: ${sent} of ${v.recordsIn} records sent`);
  }
  return { settled: waiting.length === 0, waiting, sourceRead: read };
}

interface JobDetails {
  jid: string;
  state: string;
  vertices: { id: string; name: string; metrics?: { 'read-records'?: number; 'write-records'?: number } }[];
  plan?: { nodes?: { id: string; inputs?: { id: string }[] }[] };
}

/** A small client of the Flink REST API (https://nightlies.apache.org/flink/flink-docs-release-1.20/docs/ops/rest_api/). */
export class FlinkRest {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  /** The id of the job the MiniCluster runs (the newest not finished), or undefined. */
  async jobId(): Promise<string | undefined> {
    const o = await this.get<{ jobs: { jid: string; state: string; 'start-time': number }[] }>(
      '/jobs/overview',
    );
    return o.jobs
      .filter((j) => !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state))
      .sort((a, b) => b['start-time'] - a['start-time'])[0]?.jid;
  }

  /**
   * The metric ids of a vertex that end with each watched name. Listed on every snapshot: an operator registers its
   * metrics when it opens, so an early list can miss some.
   */
  private async idsOf(jobId: string, vertexId: string): Promise<Map<WatchedMetric, string[]>> {
    const all = await this.get<{ id: string }[]>(`/jobs/${jobId}/vertices/${vertexId}/subtasks/metrics`);
    const ids = new Map<WatchedMetric, string[]>();
    for (const [key, name] of Object.entries(WATCHED_METRICS) as [WatchedMetric, string][]) {
      ids.set(
        key,
        all
          .map((m) => m.id)
          .filter(
            (id) => id.endsWith(`.${name}`) && (key !== 'sourceRecordsOut' || id.startsWith('Source__')),
          ),
      );
    }
    return ids;
  }

  async snapshot(jobId: string): Promise<FlinkSnapshot> {
    const job = await this.get<JobDetails>(`/jobs/${jobId}`);
    const inputs = new Map((job.plan?.nodes ?? []).map((n) => [n.id, (n.inputs ?? []).map((i) => i.id)]));
    const vertices: FlinkVertexState[] = [];
    for (const v of job.vertices) {
      const ids = await this.idsOf(jobId, v.id);
      const wanted = [...ids.values()].flat();
      const values = new Map<string, number>();
      if (wanted.length > 0) {
        const got = await this.get<{ id: string; sum?: number }[]>(
          `/jobs/${jobId}/vertices/${v.id}/subtasks/metrics?get=${wanted.map(encodeURIComponent).join(',')}&agg=sum`,
        );
        for (const m of got) values.set(m.id, Number(m.sum ?? 0));
      }
      const metrics: Partial<Record<WatchedMetric, number>> = {};
      for (const [key, list] of ids)
        if (list.length > 0) metrics[key] = sum(list.map((id) => values.get(id) ?? 0));
      const ins = inputs.get(v.id) ?? [];
      let inputWatermark: number | undefined;
      if (ins.length > 0) {
        const w = await this.get<{ id: string; value: string }[]>(
          `/jobs/${jobId}/vertices/${v.id}/watermarks`,
        );
        inputWatermark = Math.min(...w.map((x) => Number(x.value)));
      }
      vertices.push({
        id: v.id,
        name: v.name,
        inputs: ins,
        recordsIn: v.metrics?.['read-records'] ?? 0,
        recordsOut: v.metrics?.['write-records'] ?? 0,
        inputWatermark,
        metrics,
      });
    }
    return { atMs: Date.now(), jobId, state: job.state, vertices };
  }
}
