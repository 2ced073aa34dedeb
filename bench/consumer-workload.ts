/**
 * The records `bench/consumer.ts` runs (seeded, deterministic): the reference workload described in its header, and
 * a pathological mix for the tumbling-window state size.
 */
import type { KinesisStreamRecord } from 'aws-lambda';

const SEED = 20261120;

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(items: readonly (readonly [T, number])[], r: () => number): () => T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const [, w] of items) {
    acc += w / total;
    cum.push(acc);
  }
  return () => {
    const x = r();
    for (let i = 0; i < cum.length; i++) if (x < cum[i]) return items[i][0];
    return items[items.length - 1][0];
  };
}

const hex8 = (r: () => number) =>
  Math.floor(r() * 4294967296)
    .toString(16)
    .padStart(8, '0');
const uuid = (r: () => number) => {
  const [a, b, c, d] = [hex8(r), hex8(r), hex8(r), hex8(r)];
  return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`;
};

const SHARED = {
  eventSource: 'aws:kinesis',
  eventVersion: '1.0',
  eventName: 'aws:kinesis:record',
  invokeIdentityArn: 'arn:aws:iam::123456789012:role/stream-consumer',
  awsRegion: 'us-east-1',
  eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/streamlake-events',
};

/** The reference records, in Kinesis envelopes (data base64), in arrival order. */
export function referenceRecords(
  n: number,
  rate: number,
): { records: KinesisStreamRecord[]; payloadBytes: number } {
  const r = rng(SEED);
  const contents = Array.from(
    { length: 50 },
    (_, i) =>
      [i === 0 ? 'match-ind-aus-live' : `content-${String(i).padStart(3, '0')}`, 1 / (i + 1) ** 1.1] as const,
  );
  const content = weighted(contents, r);
  const type = weighted(
    [
      ['heartbeat', 55],
      ['like', 15],
      ['view_start', 10],
      ['view_end', 8],
      ['comment', 6],
      ['share', 6],
    ] as const,
    r,
  );
  const regions = [
    'IN-MH',
    'IN-KA',
    'IN-DL',
    'IN-TN',
    'AU-NSW',
    'AU-VIC',
    'GB-ENG',
    'AE-DU',
    'US-CA',
    'SG-01',
  ];
  const devices = ['android', 'ios', 'web', 'smart-tv', 'fire-tv', 'roku'];
  const start = Date.UTC(2026, 10, 20, 23, 40);
  const records: KinesisStreamRecord[] = [];
  const recent: string[] = [];
  let payloadBytes = 0;
  for (let i = 0; i < n; i++) {
    const arrival = start + (i * 1000) / rate;
    const x = r();
    let data: string;
    if (x < 0.005 && recent.length > 0) {
      data = recent[Math.floor(r() * recent.length)]; // exact re-send
    } else {
      const lag = x < 0.9 ? r() * 2000 : x < 0.995 ? r() * 30_000 : 60_000 + r() * 240_000;
      const t = type();
      const ev: Record<string, unknown> = {
        eventId: uuid(r),
        type: t,
        userId: `u-${String(Math.floor(r() * 5_000_000)).padStart(8, '0')}`,
        contentId: content(),
        occurredAt: new Date(Math.floor(arrival - lag)).toISOString(),
        region: regions[Math.floor(r() * regions.length)],
        device: devices[Math.floor(r() * devices.length)],
        sessionId: uuid(r),
        appVersion: `7.${Math.floor(r() * 9)}.${Math.floor(r() * 30)}`,
        bitrateKbps: 800 + Math.floor(r() * 5200),
      };
      if (t === 'heartbeat') ev.watchSeconds = 30;
      else if (t === 'view_end') ev.watchSeconds = Math.floor(r() * 3600);
      let json = JSON.stringify(ev);
      const m = r();
      if (m < 0.005) {
        const kind = Math.floor(r() * 5);
        if (kind === 0)
          json = json.slice(0, -7); // truncated
        else if (kind === 1) json = json.replace('"contentId":"', '"contentId":"#');
        else if (kind === 2)
          json = json.replace(/"occurredAt":"[^"]+"/, '"occurredAt":"2026-02-30T10:00:00.000Z"');
        else if (kind === 3) json = json.replace('"type":"', '"type":"x');
        else json = `${json.slice(0, 20)}\u0000`; // broken
      }
      data = Buffer.from(json, 'utf8').toString('base64');
      if (m < 0.005 && Math.floor(m * 1000) % 5 === 0) data = `*${data.slice(1)}`; // bad base64
      recent.push(data);
      if (recent.length > 200) recent.shift();
    }
    payloadBytes += (data.length * 3) / 4;
    const sequenceNumber = `4965736${String(i).padStart(49, '0')}`;
    records.push({
      ...SHARED,
      eventID: `shardId-000000000000:${sequenceNumber}`,
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: `pk-${i % 64}`,
        sequenceNumber,
        data,
        approximateArrivalTimestamp: arrival / 1000,
      },
    });
  }
  return { records, payloadBytes };
}

/**
 * A pathological mix for the state size: 100,000 contentIds of 64 characters drawn uniformly and occurredAt up to
 * 10 minutes late, so almost every event opens its own (contentId, type, minute) key.
 */
export function pathologicalRecords(n: number, rate: number): KinesisStreamRecord[] {
  const r = rng(SEED + 1);
  const types = ['heartbeat', 'like', 'view_start', 'view_end', 'comment', 'share'];
  const start = Date.UTC(2026, 10, 20, 23, 40);
  const records: KinesisStreamRecord[] = [];
  for (let i = 0; i < n; i++) {
    const arrival = start + (i * 1000) / rate;
    const t = types[Math.floor(r() * types.length)];
    const ev: Record<string, unknown> = {
      eventId: uuid(r),
      type: t,
      userId: `u-${i}`,
      contentId: `long-tail-content-${String(Math.floor(r() * 100_000)).padStart(46, '0')}`,
      occurredAt: new Date(Math.floor(arrival - r() * 600_000)).toISOString(),
      region: 'IN-MH',
      device: 'web',
    };
    if (t === 'heartbeat' || t === 'view_end') ev.watchSeconds = 30;
    const sequenceNumber = `4965736${String(i).padStart(49, '0')}`;
    records.push({
      ...SHARED,
      eventID: `shardId-000000000000:${sequenceNumber}`,
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: `pk-${i % 64}`,
        sequenceNumber,
        data: Buffer.from(JSON.stringify(ev), 'utf8').toString('base64'),
        approximateArrivalTimestamp: arrival / 1000,
      },
    });
  }
  return records;
}
