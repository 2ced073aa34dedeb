import type { KinesisStreamRecord } from 'aws-lambda';
import {
  type DeadLetter,
  type DeadLetterSink,
  MemoryDeadLetterSink,
} from '../../../lambda/stream-consumer/dead-letter';
import {
  DeadLetterUndeliveredError,
  processWindowBatch,
  WindowFlushError,
} from '../../../lambda/stream-consumer/window';
import { MemoryViewWriter, ViewWriteError, type ViewWriter } from '../../../lambda/stream-consumer/writer';
import { expectedMinute, malformedLines } from '../../fixtures/fixtures';
import { event, kinesisRecord, kinesisRecords, seq, tumblingEvent } from './records';

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

describe('tumbling window failures', () => {
  it('a transient failure on the final flush throws; the retry with the previous state writes only what is missing: exact totals', async () => {
    const cuts = cutsWithoutSplitDuplicates();
    const batches = splitAt(fixtureBatch(), [cuts[10], cuts[30]]);
    // aggregation invokes (no writes), keeping the state the final invoke receives
    let state: Record<string, unknown> | undefined;
    const healthy = { writer: new MemoryViewWriter(), deadLetters: new MemoryDeadLetterSink() };
    for (const b of batches)
      state = viaLambda((await processWindowBatch(tumblingEvent(b, { state }), healthy)).response.state);
    const finalEvent = tumblingEvent([], { state, isFinalInvokeForWindow: true });

    const failing = expectedMinute()[0].contentId;
    const view = new MemoryViewWriter();
    const flaky = new FlakyWriter(view, (c) => c === failing, 1);
    await expect(
      processWindowBatch(finalEvent, { writer: flaky, deadLetters: healthy.deadLetters }),
    ).rejects.toThrow(WindowFlushError);
    // Lambda retries the final invoke with the same (previous) state; this time every write succeeds
    const retry = await processWindowBatch(finalEvent, { writer: flaky, deadLetters: healthy.deadLetters });
    const failingKeys = expectedMinute().filter((r) => r.contentId === failing).length;
    expect(failingKeys).toBeGreaterThan(0);
    expect(retry.stats.viewWrites).toBe(failingKeys);
    expect(retry.stats.alreadyApplied).toBe(expectedMinute().length - failingKeys);
    // nothing lost, nothing twice: the retry's flush has the same token, so written rows skip it
    expect(rowsOf(view)).toEqual(expectedSpeedRows());
  });

  it('a non-transient error part-way through an early flush, then a retry: no key counted twice', async () => {
    const cuts = cutsWithoutSplitDuplicates();
    const batches = splitAt(fixtureBatch(), [cuts[20], cuts[40], cuts[60]]);
    const view = new MemoryViewWriter();
    let calls = 0;
    // the 5th write of every flush attempt fails for good (validation-like); after 3 failures, all succeed
    let failuresLeft = 3;
    const writer: ViewWriter = {
      add: async (delta, token) => {
        calls += 1;
        if (failuresLeft > 0 && calls % 5 === 0) {
          failuresLeft -= 1;
          throw Object.assign(new Error('item too large'), { name: 'ValidationException' });
        }
        return view.add(delta, token);
      },
    };
    const deps = {
      writer,
      deadLetters: new MemoryDeadLetterSink(),
      stateBudgetBytes: 1_500,
      writeConcurrency: 1,
    };
    let state: Record<string, unknown> | undefined;
    let threw = 0;
    const invoke = async (records: KinesisStreamRecord[], final: boolean): Promise<void> => {
      for (;;) {
        try {
          const out = await processWindowBatch(
            tumblingEvent(records, { state, isFinalInvokeForWindow: final }),
            deps,
          );
          state = viaLambda(out.response.state);
          return;
        } catch (e) {
          expect(e).toBeInstanceOf(ViewWriteError);
          threw += 1; // Lambda retries with the previous state
        }
      }
    };
    for (const b of batches) await invoke(b, false);
    await invoke([], true);
    expect(threw).toBe(3);
    expect(rowsOf(view)).toEqual(expectedSpeedRows());
  });

  it('fails when flushes carry no token: the same mid-flush error then double counts (the check can fail)', async () => {
    const cuts = cutsWithoutSplitDuplicates();
    const batches = splitAt(fixtureBatch(), [cuts[20]]);
    const view = new MemoryViewWriter();
    let calls = 0;
    const tokenless: ViewWriter = {
      add: async (delta) => {
        calls += 1;
        if (calls === 5) throw Object.assign(new Error('item too large'), { name: 'ValidationException' });
        return view.add(delta);
      },
    };
    const deps = { writer: tokenless, deadLetters: new MemoryDeadLetterSink(), writeConcurrency: 1 };
    let state: Record<string, unknown> | undefined;
    for (const b of batches)
      state = viaLambda((await processWindowBatch(tumblingEvent(b, { state }), deps)).response.state);
    const final = tumblingEvent([], { state, isFinalInvokeForWindow: true });
    await expect(processWindowBatch(final, deps)).rejects.toThrow(ViewWriteError);
    await processWindowBatch(final, deps);
    expect(rowsOf(view)).not.toEqual(expectedSpeedRows());
  });

  it('a non-transient error on the final flush throws a ViewWriteError', async () => {
    const view = new MemoryViewWriter();
    const writer = new FlakyWriter(view, () => true, 1, 'AccessDeniedException');
    const deps = { writer, deadLetters: new MemoryDeadLetterSink() };
    const state = viaLambda(
      (await processWindowBatch(tumblingEvent(kinesisRecords([event()])), deps)).response.state,
    );
    await expect(
      processWindowBatch(tumblingEvent([], { state, isFinalInvokeForWindow: true }), deps),
    ).rejects.toThrow(ViewWriteError);
  });

  it('malformed records are dead-lettered by the invocation that receives them, not at window end', async () => {
    const deadLetters = new MemoryDeadLetterSink();
    const writer = new MemoryViewWriter();
    const records = [
      kinesisRecord(event(), 0),
      kinesisRecord('{"not": "an event"}', 1),
      kinesisRecord('{', 2),
    ];
    const out = await processWindowBatch(tumblingEvent(records), { writer, deadLetters });
    expect(deadLetters.letters.map((l) => [l.reason, l.ref.sequenceNumber])).toEqual([
      ['schema:eventId', seq(1)],
      ['invalid_json', seq(2)],
    ]);
    expect(writer.writes).toBe(0);
    expect(out.stats).toMatchObject({ malformed: 2, processed: 1, flush: 'none' });
  });

  it('dead-letters exactly the fixture lines of malformed.json over a window', async () => {
    const deadLetters = new MemoryDeadLetterSink();
    await runWindow(splitAt(fixtureBatch(), [100, 300, 500]), {
      writer: new MemoryViewWriter(),
      deadLetters,
    });
    expect(deadLetters.letters.map((l) => [l.reason, l.ref.sequenceNumber])).toEqual(
      malformedLines().map((m) => [m.reason, seq(m.line - 1)]),
    );
  });

  it('throws when dead letters cannot be sent, before writing anything, so the retry starts from the previous state', async () => {
    const refusing: DeadLetterSink = { send: async (letters: readonly DeadLetter[]) => [...letters] };
    const writer = new MemoryViewWriter();
    const state = viaLambda(
      (
        await processWindowBatch(tumblingEvent(kinesisRecords([event()])), {
          writer,
          deadLetters: new MemoryDeadLetterSink(),
        })
      ).response.state,
    );
    const final = tumblingEvent([kinesisRecord('{', 1)], { state, isFinalInvokeForWindow: true });
    await expect(processWindowBatch(final, { writer, deadLetters: refusing })).rejects.toThrow(
      DeadLetterUndeliveredError,
    );
    expect(writer.writes).toBe(0);
  });
});
