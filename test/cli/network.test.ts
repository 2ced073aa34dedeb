import { ExitCode } from '../../cli/lib/errors';
import {
  connectionReason,
  describeFailure,
  type FetchLike,
  fetchWithRetries,
  isConnectionError,
} from '../../cli/lib/network';

const sdkTimeout = (message: string) => Object.assign(new Error(message), { name: 'TimeoutError' });
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
const fetchFailed = (code: string) => new TypeError('fetch failed', { cause: socketError(code) });

describe('isConnectionError', () => {
  test.each([
    ['a connect timeout', sdkTimeout('… did not establish a connection with the server within … 200 ms.')],
    ['a request timeout', sdkTimeout('… a request has exceeded the configured 300 ms requestTimeout.')],
    ['connection refused', socketError('ECONNREFUSED')],
    ['host not found', socketError('ENOTFOUND')],
    ['fetch failed (refused)', fetchFailed('ECONNREFUSED')],
  ])('%s is one', (_name, err) => {
    expect(isConnectionError(err)).toBe(true);
  });

  test.each([
    [
      'a throttle',
      Object.assign(new Error('Rate exceeded'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    ['a 503', Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } })],
    ['a missing stream', Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' })],
    ['not an error', 'ECONNREFUSED'],
  ])('%s is not one', (_name, err) => {
    expect(isConnectionError(err)).toBe(false);
  });
});

test.each([
  [
    sdkTimeout('… did not establish a connection with the server within the configured timeout of 200 ms.'),
    'no connection within 200 ms',
  ],
  [
    sdkTimeout('… a request has exceeded the configured 300 ms requestTimeout.'),
    'connected, but no answer within 300 ms',
  ],
  [socketError('ECONNREFUSED'), 'connection refused'],
  [fetchFailed('ENOTFOUND'), 'host not found'],
])('connectionReason(%s) = %s', (err, reason) => {
  expect(connectionReason(err)).toBe(reason);
});

describe('describeFailure', () => {
  test('no credentials: one line that says how to provide them, exit 6', () => {
    const err = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const d = describeFailure(err)!;
    expect(d.exitCode).toBe(ExitCode.credentials);
    expect(d.message).toMatch(/^no usable AWS credentials \(CredentialsProviderError: Could not load/);
    expect(d.message).toContain('AWS_PROFILE');
    expect(d.message).toContain('--local');
    expect(d.message).not.toContain('\n');
  });

  test('expired credentials are a credentials problem too', () => {
    const err = Object.assign(new Error('The security token included in the request is expired'), {
      name: 'ExpiredTokenException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(describeFailure(err)!.exitCode).toBe(ExitCode.credentials);
  });

  test('a timeout names the endpoint, the attempts and what to check, exit 5', () => {
    const err = Object.assign(sdkTimeout('… exceeded the configured 300 ms requestTimeout.'), {
      $metadata: { attempts: 3 },
    });
    const d = describeFailure(err, 'http://127.0.0.1:4566')!;
    expect(d.exitCode).toBe(ExitCode.unreachable);
    expect(d.message).toBe(
      'cannot reach http://127.0.0.1:4566: connected, but no answer within 300 ms (3 attempts). Check that it is the endpoint you meant (--endpoint-url, --local, --url) and that it is healthy, or raise --request-timeout.',
    );
  });

  test('anything else is left to the caller', () => {
    expect(
      describeFailure(Object.assign(new Error('nope'), { name: 'ValidationException' })),
    ).toBeUndefined();
  });
});

describe('fetchWithRetries', () => {
  const network = { connectTimeoutMs: 10, requestTimeoutMs: 10, maxAttempts: 3 };
  const noSleep = async () => {};
  const headers = async () => ({});

  test('gives up after maxAttempts connection errors, naming the origin', async () => {
    let calls = 0;
    const refused: FetchLike = async () => {
      calls++;
      throw fetchFailed('ECONNREFUSED');
    };
    await expect(
      fetchWithRetries(refused, 'http://127.0.0.1:9/api/metrics?x=1', headers, network, noSleep),
    ).rejects.toMatchObject({
      exitCode: ExitCode.unreachable,
      message: expect.stringMatching(
        /^cannot reach http:\/\/127\.0\.0\.1:9: connection refused \(3 attempts\)/,
      ),
    });
    expect(calls).toBe(3);
  });

  test('a request that never answers is cut by its deadline', async () => {
    const silent: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    await expect(
      fetchWithRetries(silent, 'http://127.0.0.1:9/m', headers, { ...network, maxAttempts: 1 }, noSleep),
    ).rejects.toMatchObject({ message: expect.stringContaining('no answer within 20 ms') });
  });

  test('retries a 5xx and returns the answer that follows', async () => {
    const answers = [503, 200];
    const flaky: FetchLike = async () => {
      const status = answers.shift()!;
      return { status, text: async () => String(status) };
    };
    expect(await fetchWithRetries(flaky, 'http://x.example/m', headers, network, noSleep)).toEqual({
      status: 200,
      text: '200',
    });
  });

  test('does not retry a 4xx', async () => {
    let calls = 0;
    const rejecting: FetchLike = async () => {
      calls++;
      return { status: 400, text: async () => 'bad' };
    };
    expect((await fetchWithRetries(rejecting, 'http://x.example/m', headers, network, noSleep)).status).toBe(
      400,
    );
    expect(calls).toBe(1);
  });
});
