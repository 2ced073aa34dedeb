/**
 * A worker thread of `npm run bench:mapreduce`: runs the engine's handlers (the deployed code, built by the same
 * factory) on the tasks the main thread sends, over a local folder, and reports each task's time and storage calls.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createHandlers, type MapReduceHandlers } from '../lambda/mapreduce/handlers';
import type { EngineConfig } from '../lambda/mapreduce/phases';
import type { BlobStore } from '../lambda/mapreduce/store';
import type { ViewItem, ViewStore } from '../lambda/mapreduce/views';
import { FsBlobStore } from '../local/mapreduce/fs-store';

export interface WorkerTask {
  readonly id: number;
  readonly phase: keyof MapReduceHandlers;
  readonly event: unknown;
}

export interface WorkerReply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
  readonly ms: number;
  /** Storage calls of this task by kind (list, get, range, put, copy, delete) and view items written. */
  readonly calls: Record<string, number>;
}

/** Counts what a task asks of the store, for the cost model's requests per GB. */
function counting(store: BlobStore, calls: Record<string, number>): BlobStore {
  const add = (k: string, n = 1) => {
    calls[k] = (calls[k] ?? 0) + n;
  };
  return {
    list: (b, p) => {
      add('list');
      return store.list(b, p);
    },
    open: (b, k) => {
      add('get');
      return store.open(b, k);
    },
    get: (b, k) => {
      add('get');
      return store.get(b, k);
    },
    range: (b, k, r) => {
      add('get');
      return store.range(b, k, r);
    },
    put: (b, k, body, t) => {
      add('put');
      add('putBytes', body.length);
      return store.put(b, k, body, t);
    },
    copy: (f, t) => {
      add('copy');
      return store.copy(f, t);
    },
    deleteMany: (b, keys) => {
      add('delete', Math.ceil(keys.length / 1000));
      return store.deleteMany(b, keys);
    },
  };
}

/** The batch view is not part of the benchmark (DynamoDB is not on this machine): items are counted only. */
class CountingViews implements ViewStore {
  constructor(private readonly calls: Record<string, number>) {}
  async put(items: readonly ViewItem[]): Promise<void> {
    this.calls.viewItems = (this.calls.viewItems ?? 0) + items.length;
  }
  async putOne(): Promise<void> {
    this.calls.viewItems = (this.calls.viewItems ?? 0) + 1;
  }
}

const { root, config } = workerData as { root: string; config: EngineConfig };
const port = parentPort;
if (port) {
  // Loaded (and compiled): the main thread starts timing only after every worker said so.
  port.postMessage({ ready: true });
  port.on('message', async (task: WorkerTask) => {
    const calls: Record<string, number> = {};
    const handlers = createHandlers(config, {
      store: counting(new FsBlobStore(root), calls),
      views: new CountingViews(calls),
      now: () => new Date(),
    });
    const start = process.hrtime.bigint();
    try {
      const result = await handlers[task.phase](task.event);
      port.postMessage({ id: task.id, result, ms: Number(process.hrtime.bigint() - start) / 1e6, calls });
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      port.postMessage({ id: task.id, error, ms: Number(process.hrtime.bigint() - start) / 1e6, calls });
    }
  });
}
