import { EsmPoller, type PollerConfig } from '../../local/esm-poller';
import { readInfra } from '../../local/templates';
import { buildVariant, templateOf } from '../support/app';
import { baseConfig, fakeSource } from './esm-fakes';

const make = (over: Partial<PollerConfig>) =>
  new EsmPoller(
    fakeSource({}),
    async () => undefined,
    async () => undefined,
    { ...baseConfig, ...over },
  );

describe('local ESM settings', () => {
  test.each([
    [
      { tumblingWindowSeconds: -1 },
      /tumblingWindowSeconds must be an integer from 0 \(no window\) to 900, got -1/,
    ],
    [{ tumblingWindowSeconds: 901 }, /tumblingWindowSeconds .* got 901/],
    [{ tumblingWindowSeconds: 1.5 }, /tumblingWindowSeconds .* got 1\.5/],
    [{ parallelizationFactor: 0 }, /parallelizationFactor must be an integer from 1 to 10, got 0/],
    [{ parallelizationFactor: 11 }, /parallelizationFactor .* got 11/],
    [{ batchSize: 0 }, /batchSize must be an integer from 1 to 10000, got 0/],
    [{ maxRetryAttempts: -2 }, /maxRetryAttempts .* got -2/],
  ])('fails when %j', (over, message) => {
    expect(() => make(over)).toThrow(message);
  });

  test('fails when a tumbling window is combined with parallelizationFactor > 1, naming both settings', () => {
    expect(() => make({ tumblingWindowSeconds: 120, parallelizationFactor: 2 })).toThrow(
      /tumblingWindowSeconds 120 with parallelizationFactor 2: .*only with parallelizationFactor 1/,
    );
  });

  test('accepts the bounds: a 900 s window, factor 10 without a window', () => {
    expect(() => make({ tumblingWindowSeconds: 900 })).not.toThrow();
    expect(() => make({ parallelizationFactor: 10 })).not.toThrow();
  });
});

describe('template reader: event source mapping tumbling window', () => {
  const mapping = (props: Record<string, unknown>) =>
    readInfra([
      {
        stackName: 'S',
        template: {
          Resources: {
            M: {
              Type: 'AWS::Lambda::EventSourceMapping',
              Properties: { EventSourceArn: { 'Fn::GetAtt': ['X', 'Arn'] }, ...props },
            },
          },
        },
      },
    ]).eventSourceMappings[0];

  test('reads TumblingWindowInSeconds and ParallelizationFactor', () => {
    expect(mapping({ TumblingWindowInSeconds: 45, ParallelizationFactor: 3 })).toMatchObject({
      tumblingWindowSeconds: 45,
      parallelizationFactor: 3,
    });
  });

  test('a mapping without TumblingWindowInSeconds has none (AWS default 0)', () => {
    expect(mapping({})?.tumblingWindowSeconds).toBe(0);
  });

  test('the synthesized lambda architecture deploys the consumer with its 120 s window, and the reader sees it', () => {
    const app = buildVariant({ architecture: 'lambda' });
    const infra = readInfra(
      app.stacks.all.map((s) => ({ stackName: s.stackName, template: templateOf(s).toJSON() })),
    );
    expect(infra.eventSourceMappings.map((m) => [m.tumblingWindowSeconds, m.parallelizationFactor])).toEqual([
      [120, 1],
    ]);
  });
});
