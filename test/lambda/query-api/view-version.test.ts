import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ViewVersion } from '../../../lambda/query-api/version';
import { deps, get } from './events';

const PARAM = '/streamlake/dev/view-version';
const ssm = mockClient(SSMClient);

function pointer(value: string) {
  ssm.on(GetParameterCommand, { Name: PARAM }).resolves({ Parameter: { Name: PARAM, Value: value } });
}

beforeEach(() => ssm.reset());

describe('the view-version pointer', () => {
  test('kappa answers from the view the parameter names, and switches after the 30 s cache', async () => {
    let now = Date.parse('2026-11-22T12:00:00.000Z');
    const version = new ViewVersion(new SSMClient({}), PARAM, () => now);
    const d = deps({ ARCHITECTURE: 'kappa' }, { flinkView: () => version.current() });
    const ask = () =>
      get(
        { contentId: 'match-42', type: 'heartbeat', from: '2026-11-21T00:00Z', to: '2026-11-21T00:00Z' },
        d,
      );

    pointer('flink-v1');
    expect((await ask()).body.series[0].points).toEqual([
      { bucket: '2026-11-21T00:00', count: 7, watchSeconds: 210, layer: 'speed' },
    ]);

    // A reprocessing flips the pointer; within the cache time the old view still answers.
    pointer('flink-v2');
    now += 29_999;
    expect((await ask()).body.views.speed).toBe('flink-v1');

    now += 1;
    const after = await ask();
    expect(after.body.views.speed).toBe('flink-v2');
    expect(after.body.series[0].points).toEqual([
      { bucket: '2026-11-21T00:00', count: 3, watchSeconds: 90, layer: 'speed' },
    ]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  test('fails when the parameter holds something that is not a view name', async () => {
    pointer('batch');
    await expect(new ViewVersion(new SSMClient({}), PARAM).current()).rejects.toThrow(
      "parameter /streamlake/dev/view-version holds 'batch', not a view name like flink-v1",
    );
  });

  test('the Lambda speed engine never reads the parameter', async () => {
    const version = new ViewVersion(new SSMClient({}), PARAM);
    pointer('flink-v1');
    await get(
      { contentId: 'match-42', type: 'heartbeat', from: '2026-11-21T00:00Z', to: '2026-11-21T00:00Z' },
      deps({}, { flinkView: () => version.current() }),
    );
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });
});
