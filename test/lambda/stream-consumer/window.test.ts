import { MemoryDeadLetterSink } from '../../../lambda/stream-consumer/dead-letter';
import {
  emptyWindowState,
  isTumblingWindowEvent,
  parseWindowState,
  processWindowBatch,
  WINDOW_STATE_VERSION,
  WindowStateError,
  windowTotals,
} from '../../../lambda/stream-consumer/window';
import { MemoryViewWriter } from '../../../lambda/stream-consumer/writer';
import { expectedMinute } from '../../fixtures/fixtures';
import { event, kinesisEvent, kinesisRecords, seq, tumblingEvent } from './records';

import {
  cutsWithoutSplitDuplicates,
  expectedSpeedRows,
  FlakyWriter,
  fixtureBatch,
  rowsOf,
  runWindow,
  splitAt,
  viaLambda,
} from './window-support';

describe('tumbling window on the golden fixtures', () => {
  const cuts = (): number[] => {
    const all = cutsWithoutSplitDuplicates();
    // four cuts spread over the file: five aggregation invokes of uneven size
    const picks = [all[5], all.find((c) => c >= 300), all.find((c) => c >= 460), all.find((c) => c >= 540)];
    return picks.filter((c): c is number => c !== undefined);
  };

  it('has enough cut points to split the fixtures into five invocations', () => {
    expect(cuts()).toHaveLength(4);
  });

  it('several invocations of one window plus a final invoke write exactly expected-minute.json', async () => {
    const writer = new MemoryViewWriter();
    await runWindow(splitAt(fixtureBatch(), cuts()), { writer, deadLetters: new MemoryDeadLetterSink() });
    expect(rowsOf(writer)).toEqual(expectedSpeedRows());
    expect(writer.writes).toBe(expectedMinute().length);
  });

  it('only the final invoke writes, once per key', async () => {
    const writer = new MemoryViewWriter();
    const outcomes = await runWindow(splitAt(fixtureBatch(), cuts()), {
      writer,
      deadLetters: new MemoryDeadLetterSink(),
    });
    const writesPerInvoke = outcomes.map((o) => o.stats.viewWrites);
    expect(writesPerInvoke).toEqual([0, 0, 0, 0, 0, expectedMinute().length]);
    expect(outcomes.map((o) => o.stats.flush)).toEqual(['none', 'none', 'none', 'none', 'none', 'final']);
  });

  it('answers every invocation with a state and no batch item failures, and ends with an empty state', async () => {
    const outcomes = await runWindow(splitAt(fixtureBatch(), cuts()), {
      writer: new MemoryViewWriter(),
      deadLetters: new MemoryDeadLetterSink(),
    });
    for (const o of outcomes) expect(o.response.batchItemFailures).toEqual([]);
    expect(outcomes[3].response.state.v).toBe(WINDOW_STATE_VERSION);
    expect(outcomes[3].response.state.s.length).toBeGreaterThan(0);
    expect(outcomes[5].response.state).toEqual(emptyWindowState());
  });

  it('compacting the state over and over (whenever its tail outgrows the compacted part) leaves the totals exact', async () => {
    const writer = new MemoryViewWriter();
    const outcomes = await runWindow(splitAt(fixtureBatch(), cutsWithoutSplitDuplicates().slice(0, 40)), {
      writer,
      deadLetters: new MemoryDeadLetterSink(),
      compactMinTailBytes: 0,
    });
    expect(outcomes.filter((o) => o.stats.compacted).length).toBeGreaterThanOrEqual(5);
    expect(rowsOf(writer)).toEqual(expectedSpeedRows());
  });

  it('an aggregation invocation only appends; the damage in a state is found before anything is written', async () => {
    const deps = { writer: new MemoryViewWriter(), deadLetters: new MemoryDeadLetterSink() };
    // shape and version right, an entry wrong (a contentId the contract forbids)
    const damaged = { v: WINDOW_STATE_VERSION, k: '', c: 0, s: '2026-11-20T23:59|a#b,3,1,0;', f: 0, b: '' };
    const out = await processWindowBatch(tumblingEvent(kinesisRecords([event()]), { state: damaged }), deps);
    expect(out.stats.compacted).toBe(false);
    await expect(
      processWindowBatch(
        tumblingEvent([], { state: viaLambda(out.response.state), isFinalInvokeForWindow: true }),
        deps,
      ),
    ).rejects.toThrow(WindowStateError);
    expect(deps.writer.writes).toBe(0);
  });

  it('a final invoke that carries records folds them in before writing', async () => {
    const batches = splitAt(fixtureBatch(), cuts());
    const last = batches.pop() ?? [];
    const writer = new MemoryViewWriter();
    await runWindow(batches, { writer, deadLetters: new MemoryDeadLetterSink() }, last);
    expect(rowsOf(writer)).toEqual(expectedSpeedRows());
  });
});

describe('tumbling window state-size guard', () => {
  it('writes early and continues with an empty state when the state outgrows its budget; totals stay exact', async () => {
    const cuts = cutsWithoutSplitDuplicates();
    const batches = splitAt(fixtureBatch(), [cuts[5], cuts[20], cuts[40], cuts[60]]);
    const writer = new MemoryViewWriter();
    const outcomes = await runWindow(batches, {
      writer,
      deadLetters: new MemoryDeadLetterSink(),
      stateBudgetBytes: 1_500,
    });
    const early = outcomes.filter((o) => o.stats.flush === 'early');
    expect(early.length).toBeGreaterThan(0);
    for (const o of early) {
      expect(o.stats.stateBytes).toBeGreaterThan(1_500);
      // the received state was written; the batch went into the returned state
      expect(o.stats.returnedStateBytes).toBeLessThan(o.stats.stateBytes);
      expect(o.stats.flushToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    expect(new Set(early.map((o) => o.stats.flushToken)).size).toBe(early.length);
    expect(rowsOf(writer)).toEqual(expectedSpeedRows());
    expect(writer.writes).toBeGreaterThan(expectedMinute().length);
  });

  it('keeps the keys whose early write failed transiently in the state, and writes them later', async () => {
    const view = new MemoryViewWriter();
    const writer = new FlakyWriter(view, (c) => c === 'flaky', 1);
    const deps = { writer, deadLetters: new MemoryDeadLetterSink(), stateBudgetBytes: 10 };
    const out = await processWindowBatch(
      tumblingEvent(
        kinesisRecords([
          event({ contentId: 'flaky', watchSeconds: 30 }),
          event({ contentId: 'flaky', watchSeconds: 15 }),
          event({ contentId: 'steady', type: 'like', watchSeconds: undefined }),
        ]),
      ),
      deps,
    );
    expect(out.stats).toMatchObject({ flush: 'early', viewWrites: 1, failedWrites: 1 });
    // heartbeat is type 2 in the contract's EVENT_TYPES; contentId `flaky` is k[0]
    const s = '2026-11-20T23:59|~0,2,2,45;';
    expect(out.response.state).toEqual({
      v: 3,
      k: 'flaky',
      c: s.length,
      s,
      f: 1,
      b: `shardId-000000000007:${seq(2)}`,
    });
    expect(rowsOf(view)).toEqual(new Map([['speed#steady#like|m#2026-11-20T23:59', [1, 0]]]));

    await processWindowBatch(
      tumblingEvent([], { state: viaLambda(out.response.state), isFinalInvokeForWindow: true }),
      deps,
    );
    expect(rowsOf(view)).toEqual(
      new Map([
        ['speed#steady#like|m#2026-11-20T23:59', [1, 0]],
        ['speed#flaky#heartbeat|m#2026-11-20T23:59', [2, 45]],
      ]),
    );
  });

  it('flushes when Lambda terminates the window early (the state would be dropped)', async () => {
    const writer = new MemoryViewWriter();
    const out = await processWindowBatch(
      tumblingEvent(kinesisRecords([event({ watchSeconds: 30 })]), { isWindowTerminatedEarly: true }),
      { writer, deadLetters: new MemoryDeadLetterSink() },
    );
    expect(out.stats.flush).toBe('final');
    expect(rowsOf(writer)).toEqual(
      new Map([['speed#match-ind-aus-live#heartbeat|m#2026-11-20T23:59', [1, 30]]]),
    );
  });
});

describe('tumbling window semantics', () => {
  /** A state as this module writes it: `a` by its dictionary position, `b.c-D_9` appended literally. */
  const ok = {
    v: WINDOW_STATE_VERSION,
    k: 'a',
    c: 0,
    s: '2026-11-20T23:59|~0,3,1,0|b.c-D_9,2,2,60;',
    f: 2,
    b: 'shardId-000000000007:49657364000000000000000000000000000000000000000000000002',
  };

  it('deduplicates within an invocation only: a re-send in a later invocation of the window counts again', async () => {
    const original = event({ watchSeconds: 30 });
    const writer = new MemoryViewWriter();
    await runWindow([kinesisRecords([original, original]), kinesisRecords([original], 2)], {
      writer,
      deadLetters: new MemoryDeadLetterSink(),
    });
    expect(rowsOf(writer)).toEqual(
      new Map([['speed#match-ind-aus-live#heartbeat|m#2026-11-20T23:59', [2, 60]]]),
    );
  });

  it('reads a state of the previous layout (version 2) as one without flushes', () => {
    const { f: _f, b: _b, ...v2 } = ok;
    expect(parseWindowState({ ...v2, v: 2 })).toEqual({ ...ok, f: 0, b: '' });
  });

  it('reads an absent or empty state as empty, and refuses a state it did not write', () => {
    expect(parseWindowState(undefined)).toEqual(emptyWindowState());
    expect(parseWindowState({})).toEqual(emptyWindowState());
    expect(parseWindowState(ok)).toEqual(ok);
    expect(windowTotals(parseWindowState(ok))).toEqual(
      new Map([
        [
          '2026-11-20T23:59',
          new Map([
            ['a,3', [1, 0]],
            ['b.c-D_9,2', [2, 60]],
          ]),
        ],
      ]),
    );
  });

  it.each([
    ['the previous layout', { v: 1, m: { '2026-11-20T23:59': { 'a#like': [1, 0] } } }],
    ['an unknown field', { ...ok, x: 1 }],
    ['a version 2 state with version 3 fields', { ...ok, v: 2 }],
    ['a negative flush count', { ...ok, f: -1 }],
    ['a missing flush count', { ...ok, f: undefined }],
    ['an eventID with a quote', { ...ok, b: 'shard"1' }],
    ['a compacted length past the end', { ...ok, c: 999 }],
    ['a compacted length inside a group', { ...ok, c: 5 }],
    ['a truncated string', { ...ok, s: ok.s.slice(0, -1) }],
    ['a bad minute', { ...ok, s: 'yesterday|~0,3,1,0;' }],
    ['a group without entries', { ...ok, s: '2026-11-20T23:59;' }],
    ['a contentId index out of range', { ...ok, s: '2026-11-20T23:59|~1,3,1,0;' }],
    ['a contentId the contract forbids', { ...ok, s: '2026-11-20T23:59|a#b,3,1,0;' }],
    ['a bad dictionary entry', { ...ok, k: 'a,b#c' }],
    ['a type out of range', { ...ok, s: '2026-11-20T23:59|~0,6,1,0;' }],
    ['a missing counter', { ...ok, s: '2026-11-20T23:59|~0,3,1;' }],
    ['a negative counter', { ...ok, s: '2026-11-20T23:59|~0,3,-1,0;' }],
    ['a counter with a leading zero', { ...ok, s: '2026-11-20T23:59|~0,3,01,0;' }],
    ['a fractional counter', { ...ok, s: '2026-11-20T23:59|~0,3,1.5,0;' }],
    ['an unsafe counter', { ...ok, s: '2026-11-20T23:59|~0,3,9007199254740993,0;' }],
  ])('refuses a state with %s', (_, state) => {
    expect(() => parseWindowState(state)).toThrow(WindowStateError);
  });

  it('measures the state as Lambda does: the UTF-8 bytes of its JSON', async () => {
    const writer = new MemoryViewWriter();
    const outcomes = await runWindow(splitAt(fixtureBatch(), cutsWithoutSplitDuplicates().slice(0, 30)), {
      writer,
      deadLetters: new MemoryDeadLetterSink(),
      compactMinTailBytes: 200,
    });
    expect(outcomes.some((o) => o.stats.compacted)).toBe(true);
    for (const o of outcomes)
      expect(o.stats.returnedStateBytes).toBe(Buffer.byteLength(JSON.stringify(o.response.state)));
  });

  it('tells a tumbling-window event from a plain one', () => {
    expect(isTumblingWindowEvent(tumblingEvent([]))).toBe(true);
    expect(isTumblingWindowEvent(kinesisEvent([]))).toBe(false);
  });
});
