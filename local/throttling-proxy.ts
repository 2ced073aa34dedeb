/**
 * An HTTP proxy in front of kinesis-local that emulates Kinesis throttling for PutRecords: some calls are refused as a
 * whole (400 ProvisionedThroughputExceededException) and some are partially failed (the chosen records are NOT
 * forwarded, and the response marks them failed at their positions, with FailedRecordCount set), as a shard over its
 * write limit does. Every other request is forwarded unchanged.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { freePort } from './proc';

export interface ThrottlingPlan {
  /** Refuse call n (1-based) as a whole? */
  readonly rejectCall: (n: number) => boolean;
  /** In call n, fail the record at index i (not forwarded)? */
  readonly failRecord: (n: number, i: number) => boolean;
}

export interface ThrottlingStats {
  calls: number;
  rejectedCalls: number;
  failedRecords: number;
  forwardedRecords: number;
}

interface PutRecordsBody {
  StreamName?: string;
  StreamARN?: string;
  Records: unknown[];
}
interface PutRecordsResult {
  FailedRecordCount?: number;
  Records: Record<string, unknown>[];
  EncryptionType?: string;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startThrottlingProxy(
  target: string,
  plan: ThrottlingPlan,
): Promise<{ endpoint: string; stats: ThrottlingStats; close: () => Promise<void> }> {
  const stats: ThrottlingStats = { calls: 0, rejectedCalls: 0, failedRecords: 0, forwardedRecords: 0 };
  const forward = async (req: IncomingMessage, body: Buffer) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
    }
    const res = await fetch(`${target}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' ? undefined : body,
    });
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? 'application/x-amz-json-1.1',
      body: Buffer.from(await res.arrayBuffer()),
    };
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const isPutRecords = req.headers['x-amz-target'] === 'Kinesis_20131202.PutRecords';
      if (!isPutRecords) {
        const out = await forward(req, body);
        res.writeHead(out.status, { 'content-type': out.contentType }).end(out.body);
        return;
      }
      stats.calls += 1;
      const n = stats.calls;
      if (plan.rejectCall(n)) {
        stats.rejectedCalls += 1;
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(
          JSON.stringify({
            __type: 'ProvisionedThroughputExceededException',
            message: 'Rate exceeded for stream (emulated)',
          }),
        );
        return;
      }
      const request = JSON.parse(body.toString('utf8')) as PutRecordsBody;
      const failed = request.Records.map((_, i) => plan.failRecord(n, i));
      const kept = request.Records.filter((_, i) => !failed[i]);
      let forwarded: PutRecordsResult = { FailedRecordCount: 0, Records: [] };
      if (kept.length > 0) {
        const out = await forward(req, Buffer.from(JSON.stringify({ ...request, Records: kept })));
        if (out.status !== 200) {
          res.writeHead(out.status, { 'content-type': out.contentType }).end(out.body);
          return;
        }
        forwarded = JSON.parse(out.body.toString('utf8')) as PutRecordsResult;
      }
      stats.forwardedRecords += kept.length;
      const results: Record<string, unknown>[] = [];
      let k = 0;
      let failedCount = forwarded.FailedRecordCount ?? 0;
      for (let i = 0; i < request.Records.length; i++) {
        if (failed[i]) {
          stats.failedRecords += 1;
          failedCount += 1;
          results.push({
            ErrorCode: 'ProvisionedThroughputExceededException',
            ErrorMessage: 'Rate exceeded for shard (emulated)',
          });
        } else results.push(forwarded.Records[k++] ?? {});
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(
        JSON.stringify({
          FailedRecordCount: failedCount,
          Records: results,
          EncryptionType: forwarded.EncryptionType,
        }),
      );
    })().catch((err: unknown) => {
      res
        .writeHead(500, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ __type: 'InternalFailure', message: String(err) }));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
