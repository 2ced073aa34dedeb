import { valueAfter } from '../../local/compute/flink';
import { archiveProbe, esmProbe, shardsBehind } from '../../local/settle';

const TIPS = { 'shardId-0': '49000000000000000000000000010', 'shardId-1': '49000000000000000000000000009' };

describe('settle probes', () => {
  test('shardsBehind compares sequence numbers as integers, not strings', () => {
    expect(
      shardsBehind({ 'shardId-0': '9', 'shardId-1': '10' }, { 'shardId-0': '10', 'shardId-1': '9' }),
    ).toEqual(['shardId-0 at 9 of 10']);
  });

  test('the ESM has settled when every shard reached its tip and no window is open', () => {
    expect(esmProbe(TIPS, 0, TIPS)).toEqual({ settled: true, waiting: [] });
  });

  test('the ESM has not settled with a shard behind, a shard never read, or a window open', () => {
    expect(esmProbe({ ...TIPS, 'shardId-1': '49000000000000000000000000008' }, 0, TIPS).settled).toBe(false);
    expect(esmProbe({ 'shardId-0': TIPS['shardId-0'] }, 0, TIPS).waiting).toEqual([
      'settled position of shardId-1 at nothing of 49000000000000000000000000009',
    ]);
    expect(esmProbe(TIPS, 2, TIPS).waiting).toEqual(['2 tumbling window(s) open']);
  });

  test('the archive writer has settled when it has read every shard up to its tip', () => {
    expect(archiveProbe(TIPS, TIPS).settled).toBe(true);
    expect(archiveProbe({}, TIPS).settled).toBe(false);
  });

  test('the REST endpoint is read from the contract line', () => {
    expect(
      valueAfter(
        'x\nstreamlake-flink: rest endpoint http://127.0.0.1:4242 (MiniCluster)\n',
        'streamlake-flink: rest endpoint ',
      ),
    ).toBe('http://127.0.0.1:4242');
    expect(valueAfter('nothing here', 'streamlake-flink: rest endpoint ')).toBeUndefined();
  });
});
