/**
 * Local stand-in for the Firehose delivery stream: reads the Kinesis stream and writes the raw zone with the key layout,
 * compression and buffering that the synthesized `AWS::KinesisFirehose::DeliveryStream` describes (prefix with
 * `!{partitionKeyFromQuery:…}` / `!{timestamp:…}` / `!{firehose:…}` expressions, error output prefix, GZIP, buffering
 * hints). Records whose partition keys cannot be extracted go under the error prefix, wrapped as Firehose wraps them.
 *
 * Partition keys: the template's MetadataExtraction jq query is evaluated for the subset Firehose setups use here
 * (`{name: .field}`, `{name: .field[a:b]}`, `… | strptime(…) | strftime(…)` is not supported and fails loudly).
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ShardSource, SourceRecord } from './esm-poller';
import type { FirehoseSpec } from './templates';

export interface PartitionKeyExpr {
  readonly name: string;
  readonly path: readonly string[];
  readonly slice?: readonly [number, number];
  /** `if type == "string" and test(RE) then … else error(msg) end`: the guard and its error message. */
  readonly guard?: { readonly pattern: RegExp; readonly message: string };
}

/** Splits `a, b` at top-level commas (outside strings, parentheses, brackets and braces). */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (inString) {
      cur += ch;
      if (ch === '\\') cur += s[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if ('([{'.includes(ch)) depth += 1;
    else if (')]}'.includes(ch)) depth -= 1;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const PATH = String.raw`((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`;
const SLICE = String.raw`\[(\d+):(\d+)\]`;
const SIMPLE = new RegExp(`^${PATH}(?:${SLICE})?$`);
const GUARDED = new RegExp(
  String.raw`^${PATH}\s*\|\s*if type == "string" and test\("((?:[^"\\]|\\.)*)"\) then \.${SLICE} else error\("((?:[^"\\]|\\.)*)"\) end$`,
);

/**
 * Parses the MetadataExtraction query: a jq object whose values are `.path`, `.path[a:b]` or
 * `.path | if type == "string" and test("RE") then .[a:b] else error("msg") end` (what lib/constructs/ingestion uses).
 * Anything else fails loudly rather than partitioning differently from Firehose.
 */
export function parseJqKeys(query: string): PartitionKeyExpr[] {
  const body = query.trim();
  if (!body.startsWith('{') || !body.endsWith('}'))
    throw new Error(`partition-key query must be a jq object: ${query}`);
  return splitTopLevel(body.slice(1, -1)).map((entry) => {
    const m = /^"?([A-Za-z_][A-Za-z0-9_]*)"?\s*:\s*([\s\S]+)$/.exec(entry);
    if (!m) throw new Error(`unsupported jq partition-key entry "${entry}"`);
    const name = m[1] as string;
    let expr = (m[2] as string).trim();
    // jq allows (and the construct writes) parentheses around each value expression.
    while (expr.startsWith('(') && expr.endsWith(')') && splitTopLevel(expr.slice(1, -1)).length === 1)
      expr = expr.slice(1, -1).trim();
    const path = (p: string) => p.split('.').filter((x) => x.length > 0);
    const simple = SIMPLE.exec(expr);
    if (simple) {
      const [, p, a, b] = simple as unknown as [string, string, string | undefined, string | undefined];
      return {
        name,
        path: path(p),
        slice: a !== undefined && b !== undefined ? ([Number(a), Number(b)] as const) : undefined,
      };
    }
    const guarded = GUARDED.exec(expr);
    if (guarded) {
      const [, p, re, a, b, msg] = guarded as unknown as [string, string, string, string, string, string];
      return {
        name,
        path: path(p),
        slice: [Number(a), Number(b)] as const,
        guard: {
          pattern: new RegExp(JSON.parse(`"${re}"`) as string),
          message: JSON.parse(`"${msg}"`) as string,
        },
      };
    }
    throw new Error(
      `unsupported jq partition-key expression for ${name}: ${expr} (the local archive writer handles .path, .path[a:b] and a guarded slice)`,
    );
  });
}

/** jq semantics: a missing field is null, slicing null is null, slicing a non-string is an error. A null key fails the record. */
export function extractKeys(
  exprs: readonly PartitionKeyExpr[],
  data: Uint8Array,
): Record<string, string> | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { error: 'DynamicPartitioning.MetadataExtractionFailed: not valid JSON' };
  }
  const out: Record<string, string> = {};
  for (const e of exprs) {
    let v: unknown = doc;
    for (const p of e.path) {
      if (v === null || v === undefined) v = undefined;
      else if (typeof v === 'object' && !Array.isArray(v)) v = (v as Record<string, unknown>)[p];
      else
        return {
          error: `DynamicPartitioning.MetadataExtractionFailed: cannot index ${typeof v} with "${p}"`,
        };
    }
    if (e.guard && !(typeof v === 'string' && e.guard.pattern.test(v))) {
      return { error: `DynamicPartitioning.MetadataExtractionFailed: ${e.guard.message}` };
    }
    if (e.slice) {
      if (v === undefined || v === null) v = undefined;
      else if (typeof v === 'string') v = v.slice(e.slice[0], e.slice[1]);
      else
        return {
          error: `DynamicPartitioning.MetadataExtractionFailed: cannot slice ${typeof v} at .${e.path.join('.')}`,
        };
    }
    if (v === undefined || v === null || v === '')
      return { error: `DynamicPartitioning.MetadataExtractionFailed: key ${e.name} is null` };
    out[e.name] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Java DateTimeFormatter subset Firehose timestamps use: yyyy, MM, dd, HH, mm, ss. Always UTC. */
export function formatTimestamp(pattern: string, ms: number): string {
  const d = new Date(ms);
  return pattern
    .replace(/yyyy/g, String(d.getUTCFullYear()))
    .replace(/MM/g, pad(d.getUTCMonth() + 1))
    .replace(/dd/g, pad(d.getUTCDate()))
    .replace(/HH/g, pad(d.getUTCHours()))
    .replace(/mm/g, pad(d.getUTCMinutes()))
    .replace(/ss/g, pad(d.getUTCSeconds()));
}

/** Renders a Firehose S3 prefix for one record. */
export function renderPrefix(
  prefix: string,
  ctx: { keys?: Record<string, string>; arrivalMs: number; errorOutputType?: string },
): string {
  return prefix.replace(/!\{([A-Za-z]+):([^}]*)\}/g, (whole, ns: string, arg: string) => {
    switch (ns) {
      case 'partitionKeyFromQuery':
      case 'partitionKeyFromLambda': {
        const v = ctx.keys?.[arg];
        if (v === undefined) throw new Error(`prefix ${prefix} uses ${whole} but the record has no such key`);
        return v;
      }
      case 'timestamp':
        return formatTimestamp(arg, ctx.arrivalMs);
      case 'firehose':
        if (arg === 'error-output-type') return ctx.errorOutputType ?? 'processing-failed';
        if (arg === 'random-string') return randomUUID().slice(0, 11);
        throw new Error(`unsupported Firehose expression ${whole}`);
      default:
        throw new Error(`unsupported Firehose expression ${whole}`);
    }
  });
}

/** Firehose names objects `<prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>[.gz]`. */
export function objectName(deliveryStream: string, flushMs: number, compression: string): string {
  const ext =
    compression === 'GZIP'
      ? '.gz'
      : compression === 'Snappy' || compression === 'HADOOP_SNAPPY'
        ? '.snappy'
        : '';
  return `${deliveryStream}-1-${formatTimestamp('yyyy-MM-dd-HH-mm-ss', flushMs)}-${randomUUID()}${ext}`;
}

export interface ArchiveStats {
  records: number;
  errorRecords: number;
  objects: number;
  bytes: number;
}

interface Buffer_ {
  parts: Uint8Array[];
  bytes: number;
  firstMs: number;
  records: number;
}

/** Buffers per prefix and flushes on the template's size / interval hints, and on stop. */
export class ArchiveWriter {
  readonly stats: ArchiveStats = { records: 0, errorRecords: 0, objects: 0, bytes: 0 };
  private readonly exprs: PartitionKeyExpr[];
  private readonly buffers = new Map<string, Buffer_>();
  private stopping = false;
  private workers: Promise<void>[] = [];
  private readonly caughtUp = new Map<string, boolean>();
  private readonly positions: Record<string, string | undefined> = {};
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: ShardSource,
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly spec: FirehoseSpec,
    private readonly options: {
      readonly appendNewline: boolean;
      readonly pollIntervalMs?: number;
      /** Per shard, resume after this sequence number (a restarted writer) instead of reading from TRIM_HORIZON. */
      readonly startAfter?: Readonly<Record<string, string | undefined>>;
    },
  ) {
    this.exprs = spec.partitionKeyQuery ? parseJqKeys(spec.partitionKeyQuery) : [];
  }

  async start(): Promise<void> {
    const shards = await this.source.listShards();
    this.workers = shards.map((s) => this.runShard(s));
    this.timer = setInterval(() => {
      this.flushing = this.flushing.then(() => this.flush(false));
    }, 1000);
  }

  get idle(): boolean {
    return this.caughtUp.size > 0 && [...this.caughtUp.values()].every(Boolean);
  }

  /** Per shard, the highest sequence number read from the stream (every record up to it is buffered or written). */
  readPositions(): Readonly<Record<string, string | undefined>> {
    return { ...this.positions };
  }

  /** Records read but not yet written to S3. */
  get bufferedRecords(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.records;
    return n;
  }

  /** Stops reading and delivers every buffer (Firehose would deliver them at the end of the interval). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
    if (this.timer) clearInterval(this.timer);
    await this.flushing;
    await this.flush(true);
  }

  private async runShard(shardId: string): Promise<void> {
    let it: string | undefined = await this.source.iterator(
      shardId,
      'TRIM_HORIZON',
      this.options.startAfter?.[shardId],
    );
    this.caughtUp.set(shardId, false);
    while (it !== undefined && !this.stopping) {
      const r: { records: SourceRecord[]; nextIterator: string | undefined } = await this.source.getRecords(
        it,
        10_000,
      );
      it = r.nextIterator;
      for (const rec of r.records) this.add(rec);
      const last = r.records[r.records.length - 1];
      if (last) this.positions[shardId] = last.sequenceNumber;
      this.caughtUp.set(shardId, r.records.length === 0);
      if (r.records.length === 0)
        await new Promise((res) => setTimeout(res, this.options.pollIntervalMs ?? 500));
    }
    this.caughtUp.set(shardId, true);
  }

  /** Routes one record to its prefix buffer. */
  add(rec: SourceRecord): void {
    const keys = this.exprs.length > 0 ? extractKeys(this.exprs, rec.data) : {};
    let prefix: string;
    let payload: Uint8Array;
    if ('error' in keys) {
      prefix = renderPrefix(this.spec.errorOutputPrefix, {
        arrivalMs: rec.arrivalMs,
        errorOutputType: 'partitioning-failed',
      });
      const [errorCode, errorMessage] = String(keys.error).split(': ');
      payload = new TextEncoder().encode(
        `${JSON.stringify({
          attemptsMade: 1,
          arrivalTimestamp: rec.arrivalMs,
          errorCode,
          errorMessage,
          attemptEndingTimestamp: Date.now(),
          rawData: Buffer.from(rec.data).toString('base64'),
        })}\n`,
      );
      this.stats.errorRecords += 1;
    } else {
      prefix = renderPrefix(this.spec.prefix, { keys, arrivalMs: rec.arrivalMs });
      payload = this.options.appendNewline ? Buffer.concat([rec.data, Buffer.from('\n')]) : rec.data;
      this.stats.records += 1;
    }
    const b = this.buffers.get(prefix) ?? { parts: [], bytes: 0, firstMs: Date.now(), records: 0 };
    b.parts.push(payload);
    b.bytes += payload.byteLength;
    b.records += 1;
    this.buffers.set(prefix, b);
  }

  private async flush(all: boolean): Promise<void> {
    const now = Date.now();
    const due = [...this.buffers.entries()].filter(
      ([, b]) =>
        all ||
        b.bytes >= this.spec.bufferSizeMiB * 1024 * 1024 ||
        now - b.firstMs >= this.spec.bufferIntervalSeconds * 1000,
    );
    for (const [prefix, b] of due) {
      this.buffers.delete(prefix);
      const raw = Buffer.concat(b.parts);
      const body = this.spec.compression === 'GZIP' ? gzipSync(raw) : raw;
      const key = `${prefix}${objectName(this.spec.logicalId, now, this.spec.compression)}`;
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
      this.stats.objects += 1;
      this.stats.bytes += body.byteLength;
    }
  }
}
