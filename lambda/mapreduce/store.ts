/**
 * The object store the phases use, narrowed to what they need, so the same phase code runs against S3 (Lambda, the
 * offline run against moto) and a local folder (the benchmark).
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { RangeReader } from './shuffle';

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface BlobStore {
  /** Every object under `prefix`, in key order. */
  list(bucket: string, prefix: string): Promise<StoredObject[]>;
  /** The object's bytes as a stream (raw objects can be large). */
  open(bucket: string, key: string): Promise<AsyncIterable<Uint8Array>>;
  get(bucket: string, key: string): Promise<Buffer>;
  /** The last `bytes` bytes, or [start, end) when `start` is given. */
  range(bucket: string, key: string, r: { suffix: number } | { start: number; end: number }): Promise<Buffer>;
  put(bucket: string, key: string, body: Uint8Array, contentType: string): Promise<void>;
  copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }): Promise<void>;
  deleteMany(bucket: string, keys: readonly string[]): Promise<void>;
}

export function rangeReader(store: BlobStore, bucket: string, key: string): RangeReader {
  return {
    tail: (bytes) => store.range(bucket, key, { suffix: bytes }),
    range: (start, end) => store.range(bucket, key, { start, end }),
  };
}

async function bytesOf(body: unknown): Promise<Buffer> {
  const b = body as { transformToByteArray?: () => Promise<Uint8Array> } | undefined;
  if (!b?.transformToByteArray) throw new Error('S3 returned no body');
  return Buffer.from(await b.transformToByteArray());
}

/** DeleteObjects takes at most 1,000 keys per call. */
const DELETE_BATCH = 1000;

export class S3BlobStore implements BlobStore {
  constructor(private readonly s3: Pick<S3Client, 'send'>) {}

  async list(bucket: string, prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async open(bucket: string, key: string): Promise<AsyncIterable<Uint8Array>> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!out.Body) throw new Error(`s3://${bucket}/${key}: no body`);
    return out.Body as AsyncIterable<Uint8Array>;
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    return bytesOf((await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body);
  }

  async range(
    bucket: string,
    key: string,
    r: { suffix: number } | { start: number; end: number },
  ): Promise<Buffer> {
    const Range = 'suffix' in r ? `bytes=-${r.suffix}` : `bytes=${r.start}-${r.end - 1}`;
    return bytesOf((await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range }))).Body);
  }

  async put(bucket: string, key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }): Promise<void> {
    // The destination bucket's default encryption (the lake key) applies to the copy.
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        CopySource: `${from.bucket}/${encodeURIComponent(from.key).replace(/%2F/g, '/')}`,
      }),
    );
  }

  async deleteMany(bucket: string, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (out.Errors && out.Errors.length > 0) {
        const e = out.Errors[0];
        throw new Error(
          `DeleteObjects in ${bucket} failed for ${out.Errors.length} keys, e.g. ${e.Key}: ${e.Code}`,
        );
      }
    }
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
