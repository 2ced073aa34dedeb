/** The kept-running runtime's HTTP endpoint refuses what it cannot do, with the status API Gateway or a REST API would use. */
import { startRuntimeServer, stopRuntimeServer } from '../../local/runtime-server';

const KEY = { accessKeyId: 'k', secretAccessKey: 's', region: 'us-east-1' };

test('bad bodies are 400, unknown routes 404, replay 501 with its reason, and a variant without batch or serving says so', async () => {
  let started = 0;
  const { server, url } = await startRuntimeServer({
    key: KEY,
    batch: {
      list: () => [],
      start: (day) => {
        started += 1;
        return { id: 'x', day, status: 'RUNNING', startedAt: '2026-11-29T00:00:00.000Z', log: '/l' };
      },
    },
    onStop: () => undefined,
    replayUnavailable: 'no replays here',
    status: () => ({ speed: { openWindows: 0 } }),
  });
  const post = (path: string, body: string) =>
    fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  try {
    expect((await post('/batch/runs', '{not json')).status).toBe(400);
    expect((await post('/batch/runs', '{"day":"2026-13"}')).status).toBe(400);
    expect((await post('/batch/runs', '[]')).status).toBe(400);
    expect(started).toBe(0);
    expect((await post('/batch/runs', '{"day":"2026-11-29"}')).status).toBe(202);
    expect(started).toBe(1);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    const replay = await post('/replays', '{}');
    expect(replay.status).toBe(501);
    expect(await replay.json()).toEqual({ message: 'no replays here' });
    expect((await fetch(`${url}/serving/metrics`)).status).toBe(404);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ ok: true, speed: { openWindows: 0 } });
  } finally {
    await stopRuntimeServer(server);
  }
  const bare = await startRuntimeServer({ key: KEY, onStop: () => undefined, replayUnavailable: '' });
  try {
    expect(
      (await fetch(`${bare.url}/batch/runs`, { method: 'POST', body: '{"day":"2026-11-29"}' })).status,
    ).toBe(501);
  } finally {
    await stopRuntimeServer(bare.server);
  }
});
