import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeClock, fullJitterDelay, TokenBucket } from '../../cli/lib/clock';
import { isRetryable, MAX_BYTES_PER_CALL, type ProducibleRecord, produce } from '../../cli/lib/producer';

const kinesis = mockClient(KinesisClient);
beforeEach(() => kinesis.reset());

function records(n: number, bytes = 100): ProducibleRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    data: new Uint8Array(bytes).fill(65),
    partitionKey: `pk-${i}`,
  }));
}

function inputs(): PutRecordsCommandInput[] {
  return kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input);
}

function allOk() {
  kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
    FailedRecordCount: 0,
    Records: input.Records!.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
  }));
}

function requestBytes(input: PutRecordsCommandInput): number {
  return input.Records!.reduce(
    (s, r) => s + (r.Data as Uint8Array).byteLength + Buffer.byteLength(r.PartitionKey!),
    0,
  );
}

const client = () => new KinesisClient({ region: 'us-east-1' });

describe('PutRecords request shaping', () => {
  test('never sends more than 500 records in a call', async () => {
    allOk();
    const result = await produce(records(1234), { client: client(), stream: 's', clock: new FakeClock() });
    const sizes = inputs().map((i) => i.Records!.length);
    expect(sizes).toEqual([500, 500, 234]);
    expect(result.sent).toBe(1234);
    expect(result.failed).toBe(0);
  });

  test('never sends more than 5 MiB in a call, partition keys included', async () => {
    allOk();
    // 600 KiB records: 8 fit in 5 MiB (8 × 614,400 + keys = 4.69 MiB), a 9th would not.
    const big = records(20, 600 * 1024);
    const result = await produce(big, { client: client(), stream: 's', clock: new FakeClock() });
    for (const i of inputs()) expect(requestBytes(i)).toBeLessThanOrEqual(MAX_BYTES_PER_CALL);
    expect(inputs().map((i) => i.Records!.length)).toEqual([8, 8, 4]);
    expect(result.sent).toBe(20);
  });

  test('rejects a record over 1 MiB without sending it, and reports it unsent', async () => {
    allOk();
    const tooBig = { data: new Uint8Array(1024 * 1024), partitionKey: 'k' };
    const result = await produce([...records(2), tooBig], {
      client: client(),
      stream: 's',
      clock: new FakeClock(),
    });
    expect(result.sent).toBe(2);
    expect(result.failed).toBe(1);
    expect(result.unsent[0]!.record).toBe(tooBig);
    expect(inputs().flatMap((i) => i.Records!).length).toBe(2);
  });

  test('uses StreamARN when given an ARN', async () => {
    allOk();
    await produce(records(1), {
      client: client(),
      stream: 'arn:aws:kinesis:us-east-1:111122223333:stream/x',
      clock: new FakeClock(),
    });
    expect(inputs()[0]!.StreamARN).toBe('arn:aws:kinesis:us-east-1:111122223333:stream/x');
    expect(inputs()[0]!.StreamName).toBeUndefined();
  });
});

describe('retries', () => {
  test('partially failed records are retried until none are lost', async () => {
    // Each call fails every other record with a throughput error.
    let call = 0;
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      call++;
      const rs = input.Records!.map((_, i) =>
        call < 4 && i % 2 === 0
          ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
          : { SequenceNumber: `${call}-${i}`, ShardId: 's' },
      );
      return { FailedRecordCount: rs.filter((r) => 'ErrorCode' in r).length, Records: rs };
    });
    const sent: string[] = [];
    const result = await produce(records(8), {
      client: client(),
      stream: 's',
      clock: new FakeClock(),
      random: () => 0.5,
    });
    for (const i of inputs()) sent.push(...i.Records!.map((r) => r.PartitionKey!));
    // 8 → 4 fail → 2 fail → 1 fails → 0: four calls with 8, 4, 2, 1 records.
    expect(inputs().map((i) => i.Records!.length)).toEqual([8, 4, 2, 1]);
    expect(result.sent).toBe(8);
    expect(result.failed).toBe(0);
    expect(result.retried).toBe(4 + 2 + 1);
    // The retried records are exactly the failed ones: pk-0, pk-2, pk-4, pk-6, then pk-0, pk-4, then pk-0.
    expect(sent.slice(8)).toEqual(['pk-0', 'pk-2', 'pk-4', 'pk-6', 'pk-0', 'pk-4', 'pk-0']);
  });

  test('a throttled call backs off exponentially with full jitter (no real waiting)', async () => {
    const throttle = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
    });
    kinesis
      .on(PutRecordsCommand)
      .rejectsOnce(throttle)
      .rejectsOnce(throttle)
      .rejectsOnce(throttle)
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 's' }] });
    const clock = new FakeClock();
    // random() = 1 picks the top of each jitter range: base 100 ms × 2^attempt → 100, 200, 400.
    const result = await produce(records(1), { client: client(), stream: 's', clock, random: () => 1 });
    expect(clock.sleeps).toEqual([100, 200, 400]);
    expect(result.throttledCalls).toBe(3);
    expect(result.sent).toBe(1);
  });

  test('full jitter draws below the exponential cap', () => {
    expect(fullJitterDelay(3, 100, 5000, () => 0.25)).toBe(200); // 0.25 × 800
    expect(fullJitterDelay(10, 100, 5000, () => 0.5)).toBe(2500); // cap 5000
    expect(fullJitterDelay(0, 100, 5000, () => 0)).toBe(0);
  });

  test('exhausted retries leave the records unsent and counted as failed', async () => {
    kinesis.on(PutRecordsCommand).resolves({
      FailedRecordCount: 1,
      Records: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }],
    });
    const r = records(1);
    const result = await produce(r, {
      client: client(),
      stream: 's',
      clock: new FakeClock(),
      maxAttempts: 3,
    });
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(3);
    expect(result.failed).toBe(1);
    expect(result.sent).toBe(0);
    expect(result.unsent.map((u) => u.record)).toEqual(r);
    expect(result.unsent[0]!.reason).toMatch(/retries exhausted after 3 attempts \(InternalFailure/);
  });

  test('a non-retryable error stops the run, keeps the records, and is not retried', async () => {
    kinesis
      .on(PutRecordsCommand)
      .rejects(Object.assign(new Error('Stream s not found'), { name: 'ResourceNotFoundException' }));
    const result = await produce(records(3), { client: client(), stream: 's', clock: new FakeClock() });
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(1);
    expect(result.fatalError?.name).toBe('ResourceNotFoundException');
    expect(result.unsent).toHaveLength(3);
  });

  test('classifies errors', () => {
    expect(isRetryable(Object.assign(new Error(), { name: 'ThrottlingException' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error(), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error(), { name: 'X', $metadata: { httpStatusCode: 503 } }))).toBe(
      true,
    );
    expect(
      isRetryable(
        Object.assign(new Error(), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }),
      ),
    ).toBe(false);
    expect(isRetryable('nope')).toBe(false);
  });
});

describe('rate limiting', () => {
  test('a token bucket at 100/s spaces 1,000 records over 9.99 s of (fake) time', async () => {
    allOk();
    const clock = new FakeClock();
    const result = await produce(records(1000), { client: client(), stream: 's', clock, ratePerSecond: 100 });
    // One token at start, then one every 10 ms: the 1,000th is available at 999 × 10 ms.
    expect(result.elapsedMs).toBeCloseTo(9990, 6);
    expect(result.sent).toBe(1000);
    // Partial batches linger up to 100 ms: a batch opened at t holds the records taken at t, t+10, …, t+100
    // (11 records) and is sent when the next token is awaited, so ceil(1000 / 11) = 91 calls, not 1,000.
    expect(result.calls).toBe(91);
  });

  test('the bucket refuses beyond its capacity and refills with time', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, clock, 2);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    clock.sleep(1000);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  test('fails when the rate is not positive', () => {
    expect(() => new TokenBucket(-1, new FakeClock())).toThrow(/positive/);
    expect(() => new TokenBucket(0, new FakeClock())).toThrow(/positive/);
  });
});

describe('endpoints that do not answer', () => {
  const refused = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });

  test('connection errors are counted as such, not as throttles, and stop the run after 3 in a row', async () => {
    kinesis.on(PutRecordsCommand).rejects(refused());
    const result = await produce(records(1000), { client: client(), stream: 's', clock: new FakeClock() });
    // The first call's 500 records, and the one taken while it failed; the rest is never taken from the source.
    expect(result).toMatchObject({ calls: 3, connectionErrors: 3, throttledCalls: 0, sent: 0, failed: 501 });
    expect(result.fatalError).toMatchObject({ code: 'ECONNREFUSED' });
    expect(result.unsent).toHaveLength(501);
    expect(result.unsent[0]!.reason).toMatch(/^no answer from the endpoint/);
  });

  test('a throttle is still a throttle', async () => {
    kinesis
      .on(PutRecordsCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ProvisionedThroughputExceededException',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .callsFake((input: PutRecordsCommandInput) => ({
        FailedRecordCount: 0,
        Records: input.Records!.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
      }));
    const result = await produce(records(10), { client: client(), stream: 's', clock: new FakeClock() });
    expect(result).toMatchObject({ sent: 10, throttledCalls: 1, connectionErrors: 0 });
  });

  test('an answer in between resets the count: two failures, an answer, two failures do not stop the run', async () => {
    const ok = (input: PutRecordsCommandInput) => ({
      FailedRecordCount: 0,
      Records: input.Records!.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
    });
    kinesis
      .on(PutRecordsCommand)
      .rejectsOnce(refused())
      .rejectsOnce(refused())
      .callsFakeOnce(ok)
      .rejectsOnce(refused())
      .rejectsOnce(refused())
      .callsFake(ok);
    const result = await produce(records(1000), { client: client(), stream: 's', clock: new FakeClock() });
    expect(result).toMatchObject({ sent: 1000, failed: 0, connectionErrors: 4 });
    expect(result.fatalError).toBeUndefined();
  });
});

describe('interruption (Ctrl-C)', () => {
  test('stops taking records, cancels the call in flight and returns every unconfirmed record', async () => {
    const abort = new AbortController();
    let taken = 0;
    async function* endless() {
      for (;;) {
        taken++;
        yield { data: new Uint8Array(10), partitionKey: `k${taken}` };
      }
    }
    // A call that only ends when it is cancelled, as against an endpoint that never answers.
    const hanging = {
      send: (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
        new Promise<never>((_resolve, reject) => {
          options?.abortSignal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
          );
          // Ctrl-C while the first call is in flight.
          setImmediate(() => abort.abort());
        }),
    } as unknown as KinesisClient;
    const result = await produce(endless(), {
      client: hanging,
      stream: 's',
      clock: new FakeClock(),
      maxRecordsPerCall: 5,
      signal: abort.signal,
    });
    expect(result.interrupted).toBe(true);
    expect(result.sent).toBe(0);
    expect(result.unsent).toHaveLength(taken);
    expect(result.unsent[0]!.reason).toMatch(/^interrupted before Kinesis confirmed it/);
    expect(result.unsent.at(-1)!.reason).toBe('interrupted before it was sent');
  });
});

test('a record taken from the source is sent or reported unsent, never dropped, when the run stops early', async () => {
  kinesis
    .on(PutRecordsCommand)
    .rejects(Object.assign(new Error('no stream'), { name: 'ResourceNotFoundException' }));
  let yielded = 0;
  function* counted() {
    for (const r of records(2000)) {
      yielded++;
      yield r;
    }
  }
  const result = await produce(counted(), {
    client: client(),
    stream: 's',
    clock: new FakeClock(),
    ratePerSecond: 100,
    lingerMs: 50,
  });
  expect(result.fatalError?.name).toBe('ResourceNotFoundException');
  expect(yielded).toBeLessThan(2000);
  expect(result.sent + result.failed).toBe(yielded);
  expect(result.unsent).toHaveLength(yielded);
});
