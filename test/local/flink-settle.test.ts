/** flinkSettled: each rule that ends a Flink job's settling, and that it does not end while one is unmet. */
import { type FlinkSnapshot, type FlinkVertexState, flinkSettled } from '../../local/flink-rest';

/** source → dedupe → window → views sink; source and window also feed the dead-letter sink. */
function snapshot(
  atMs: number,
  over: Partial<Record<string, Partial<FlinkVertexState>>> = {},
  state = 'RUNNING',
): FlinkSnapshot {
  const base: FlinkVertexState[] = [
    {
      id: 'src',
      name: 'Source: kinesis-events',
      inputs: [],
      recordsIn: 0,
      recordsOut: 1000,
      metrics: { sourceRecordsOut: 1000 },
    },
    {
      id: 'dedupe',
      name: 'dedupe',
      inputs: ['src'],
      recordsIn: 980,
      recordsOut: 970,
      inputWatermark: 5_000,
      metrics: {},
    },
    {
      id: 'window',
      name: 'minute-window',
      inputs: ['dedupe'],
      recordsIn: 970,
      recordsOut: 300,
      inputWatermark: 5_000,
      metrics: {},
    },
    {
      id: 'views',
      name: 'views-table',
      inputs: ['window'],
      recordsIn: 280,
      recordsOut: 0,
      inputWatermark: 5_000,
      metrics: { sinkInFlight: 0, sinkBuffered: 0, sinkCompleted: 280 },
    },
    {
      id: 'dead',
      name: 'dead-letters',
      inputs: ['src', 'window'],
      recordsIn: 40,
      recordsOut: 0,
      inputWatermark: 5_000,
      metrics: { sinkRecordsSend: 40 },
    },
  ];
  return {
    atMs,
    jobId: 'j',
    state,
    vertices: base.map((v) => ({ ...v, ...over[v.id], metrics: { ...v.metrics, ...over[v.id]?.metrics } })),
  };
}

const EXPECT = { sourceRecords: 1000, quietMs: 10_000 };

describe('flinkSettled', () => {
  test('settles when the source read everything, nothing is in between, watermarks are still and sinks idle', () => {
    expect(flinkSettled(snapshot(0), snapshot(1500), EXPECT)).toEqual({
      settled: true,
      waiting: [],
      sourceRead: 1000,
    });
  });

  test('not while the source has read fewer records than the stream holds', () => {
    const cur = snapshot(1500, {
      src: { recordsOut: 990, metrics: { sourceRecordsOut: 990 } },
      dedupe: { recordsIn: 970 },
    });
    const s = flinkSettled(
      snapshot(0, {
        src: { recordsOut: 990, metrics: { sourceRecordsOut: 990 } },
        dedupe: { recordsIn: 970 },
      }),
      cur,
      EXPECT,
    );
    expect(s.settled).toBe(false);
    expect(s.waiting).toContain('source read 990/1000 records');
  });

  test('counts records skipped before Source.eventTimeFrom as read', () => {
    const cur = snapshot(1500, {
      src: { recordsOut: 600, metrics: { sourceRecordsOut: 600, skippedBeforeFrom: 400 } },
      dedupe: { recordsIn: 580 },
    });
    const prev = { ...cur, atMs: 0 };
    expect(flinkSettled(prev, cur, EXPECT).settled).toBe(true);
  });

  test('not while records are between operators', () => {
    const s = flinkSettled(snapshot(0), snapshot(1500, { window: { recordsIn: 960 } }), EXPECT);
    expect(s.waiting).toEqual(
      expect.arrayContaining([expect.stringMatching(/10 records between operators/)]),
    );
  });

  test('not while a watermark still moves (a window may be about to fire)', () => {
    const s = flinkSettled(snapshot(0), snapshot(1500, { window: { inputWatermark: 6_000 } }), EXPECT);
    expect(s.waiting).toEqual([expect.stringMatching(/still moving \(minute-window\)/)]);
  });

  test('not with a single snapshot, or two closer than the minimum interval', () => {
    expect(flinkSettled(undefined, snapshot(1500), EXPECT).waiting).toEqual(['a second snapshot']);
    expect(flinkSettled(snapshot(1000), snapshot(1500), EXPECT).waiting).toEqual(['a second snapshot']);
  });

  test('not while the views sink has a request in flight or writes buffered', () => {
    const busy = { views: { metrics: { sinkInFlight: 1, sinkBuffered: 3 } } };
    const s = flinkSettled(snapshot(0, busy), snapshot(1500, busy), EXPECT);
    expect(s.waiting).toEqual(['views-table: 1 in flight, 3 buffered']);
  });

  test('not while the views sink completes writes between the snapshots', () => {
    const s = flinkSettled(
      snapshot(0, { views: { metrics: { sinkCompleted: 270 } } }),
      snapshot(1500),
      EXPECT,
    );
    expect(s.waiting).toEqual([expect.stringMatching(/still moving \(views-table\)/)]);
  });

  test('not when the job does not report the views sink gauges (the contract says it must)', () => {
    const none = { views: { metrics: { sinkInFlight: undefined, sinkBuffered: undefined } } };
    const s = flinkSettled(snapshot(0, none), snapshot(1500, none), EXPECT);
    expect(s.waiting).toEqual(expect.arrayContaining([expect.stringMatching(/gauges .* are not reported/)]));
  });

  test('not while another sink has not sent every record it received', () => {
    const s = flinkSettled(
      snapshot(0),
      snapshot(1500, { dead: { metrics: { sinkRecordsSend: 39 } } }),
      EXPECT,
    );
    expect(s.waiting).toEqual(['dead-letters: 39 of 40 records sent']);
  });

  test('not while the job is not running', () => {
    expect(flinkSettled(snapshot(0), snapshot(1500, {}, 'RESTARTING'), EXPECT).waiting).toEqual([
      'job RESTARTING',
    ]);
  });

  test('without a known count: at least the minimum read, and the count still for the quiet spell', () => {
    const quiet = { minSourceRecords: 900, quietMs: 10_000 };
    expect(flinkSettled(snapshot(0), snapshot(1500), quiet, 0).waiting).toEqual([
      'source count (1000) unchanged for 10 s',
    ]);
    expect(flinkSettled(snapshot(10_000), snapshot(11_500), quiet, 0).settled).toBe(true);
    expect(
      flinkSettled(snapshot(10_000), snapshot(11_500), { ...quiet, minSourceRecords: 1200 }, 0).waiting,
    ).toEqual(['source read 1000/1200+ records']);
  });
});
