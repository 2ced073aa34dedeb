/**
 * Worked examples computed by hand from AWS's public us-east-1 list prices (pages below, read 2026-11-23;
 * figures as in /work/shared/REFERENCE.md). Month = 730 h = 2,628,000 s; GB = 2^30 bytes; KB = 1,024 bytes.
 *   Kinesis:  https://aws.amazon.com/kinesis/data-streams/pricing/
 *   Firehose: https://aws.amazon.com/firehose/pricing/
 *   Flink:    https://aws.amazon.com/managed-service-apache-flink/pricing/
 *   Lambda:   https://aws.amazon.com/lambda/pricing/
 *   EMR/EC2:  https://aws.amazon.com/emr/pricing/, https://aws.amazon.com/ec2/pricing/on-demand/
 *   S3:       https://aws.amazon.com/s3/pricing/
 */
import { estimate, expectedDistinct, loadPricing, tiered } from '../../cli/lib/cost';
import { ExitCode } from '../../cli/lib/errors';

const pricing = loadPricing('us-east-1');
const SECONDS = 2_628_000;

describe('cost worked examples', () => {
  test('Kinesis provisioned, 1,000 events/s × 1,000 B: 1 shard + 2,628 M PUT units = $47.74', () => {
    // Shards: 1,000 rec/s ÷ 1,000 = 1; 1,000,000 B/s ÷ 1,048,576 → 1; 2 readers × 1 MB/s ÷ 2 MiB/s → 1.
    // Shard-hours: 1 × 730 × $0.015 = $10.95.
    // PUT units: 1,000 × 2,628,000 = 2,628,000,000 records, 1 unit each (1,000 B ≤ 25 KB) → 2,628 × $0.014 = $36.792.
    const e = estimate(
      'lambda',
      { eventsPerSecond: 1000, eventBytes: 1000, streamCapacity: 'provisioned' },
      pricing,
    );
    expect(e.derived['shards']).toBe(1);
    expect(e.byService['Kinesis']).toBeCloseTo(10.95 + 36.792, 6);
  });

  test('Kinesis on-demand, kappa (168 h retention), 1,000 events/s × 1,500 B = $822.78', () => {
    // Stream-hours: 730 × $0.04 = $29.20.
    // Data in: each record rounds up to 2 KB: 2,628,000,000 × 2,048 B = 5,012.5122 GB × $0.08 = $401.0010.
    // Data out: 2 consumers × 2,628,000,000 × 1,500 B = 7,342.5459 GB × $0.04 = $293.7018.
    // Extended retention: 1,000/s × 2,048 B × (168 − 24) h × 3,600 s = 988.7695 GB-month × $0.10 = $98.8770.
    const e = estimate(
      'kappa',
      { eventsPerSecond: 1000, eventBytes: 1500, streamCapacity: 'on-demand' },
      pricing,
    );
    expect(e.byService['Kinesis']).toBeCloseTo(29.2 + 401.001 + 293.7018 + 98.877, 2);
  });

  test('Firehose, 1,000 events/s × 1,000 B: 5 KB rounding + dynamic partitioning = $412.80', () => {
    // Ingest: 2,628,000,000 × 5,120 B = 12,531.2805 GB × $0.029 = $363.4071.
    // Dynamic partitioning: 2,628,000,000 × 1,000 B = 2,447.5384 GB × $0.02 = $48.9508.
    // Objects: 2 partitions × 60 per hour × 730 h = 87,600 → 87.6 × $0.005 = $0.438.
    const e = estimate(
      'lambda',
      { eventsPerSecond: 1000, eventBytes: 1000, streamCapacity: 'on-demand' },
      pricing,
    );
    expect(e.byService['Firehose']).toBeCloseTo(363.4071 + 48.9508 + 0.438, 2);
  });

  test('Managed Flink at 50,000 events/s: 5 KPUs + 1 orchestration = $506.80', () => {
    // 50,000 ÷ 10,000 events/s per KPU (the table's assumption) = 5 KPUs; (5 + 1) × 730 h × $0.11 = $481.80.
    // Running storage: 5 × 50 GB × $0.10 = $25.00.
    const e = estimate(
      'kappa',
      { eventsPerSecond: 50_000, eventBytes: 300, streamCapacity: 'on-demand' },
      pricing,
    );
    expect(e.derived['kpus']).toBe(5);
    expect(e.byService['Managed Flink']).toBeCloseTo(481.8 + 25, 6);
  });

  test('Managed Flink never goes below the configured parallelism of 2 KPUs', () => {
    // (2 + 1) × 730 × $0.11 = $240.90, + 2 × 50 GB × $0.10 = $10.
    const e = estimate(
      'kappa',
      { eventsPerSecond: 10, eventBytes: 300, streamCapacity: 'on-demand' },
      pricing,
    );
    expect(e.byService['Managed Flink']).toBeCloseTo(250.9, 6);
  });

  test('Lambda consumer at 1,000 events/s on an on-demand stream = $1.40', () => {
    // 4 shards (on-demand minimum) → 250 records/s per shard × 5 s window = 1,250 ≥ batch size 1,000:
    // full batches, 1 invocation/s → 2,628,000 requests × $0.20/M = $0.5256.
    // Duration 30 ms + 1,000 × 0.02 ms = 50 ms; 2,628,000 × 0.05 s × 0.5 GB = 65,700 GB-s × $0.0000133334 = $0.87600.
    const e = estimate(
      'lambda',
      { eventsPerSecond: 1000, eventBytes: 300, streamCapacity: 'on-demand' },
      pricing,
    );
    expect(e.byService['Lambda']).toBeCloseTo(0.5256 + 65_700 * 0.0000133334, 6);
  });

  test('EMR daily job at 1,000 events/s × 1,000 B = $6.90', () => {
    // Day: 86.4 GB = 82,397.46 MB ÷ 20 MB/s per vCPU = 4,119.87 vCPU-s = 1.14441 vCPU-h.
    // Task nodes: ceil(1.14441 h ÷ 1 h ÷ 4 vCPU) − 2 core = −1 → 0. Job: 1.14441 ÷ 8 vCPU + 0.25 h = 0.393051 h.
    // 3 on-demand nodes × 0.393051 h × 30.4167 days = 35.8659 h × ($0.154 + $0.0385) = $6.9042.
    const e = estimate(
      'lambda',
      { eventsPerSecond: 1000, eventBytes: 1000, streamCapacity: 'on-demand' },
      pricing,
    );
    expect(e.derived['emrTaskInstances']).toBe(0);
    expect(e.byService['EMR']).toBeCloseTo(35.8659 * (0.154 + 0.0385), 2);
  });

  test('S3 at steady state, 1,000 events/s × 1,000 B, 365 days, lambda = $72.44', () => {
    // Raw/day: 86.4e9 B × 0.15 = 12.0699 GB; curated/day: 86.4e9 × 0.10 = 8.0466 GB.
    // Raw: 30 d × $0.023 + 60 d × $0.0125 + 275 d × $0.004 = 2.54 → 12.0699 × 2.54 = $30.6576.
    // Curated: 60 d × $0.023 + 305 d × $0.0125 = 5.1925 → 8.0466 × 5.1925 = $41.7820.
    const e = estimate(
      'lambda',
      { eventsPerSecond: 1000, eventBytes: 1000, streamCapacity: 'on-demand' },
      pricing,
    );
    expect(e.byService['S3']).toBeCloseTo(30.6576 + 41.782, 1);
    // The lake grows: month 1 costs less than the steady state, and month 24 equals it (365-day retention).
    expect(e.storageGrowth[0]!.monthlyUsd).toBeLessThan(e.byService['S3']!);
    expect(e.storageGrowth[4]!.monthlyUsd).toBeCloseTo(e.byService['S3']!, 6);
  });
});

describe('cost model', () => {
  test('expected distinct keys: 2 equally likely keys, 2 draws → 2 × (1 − ½²) = 1.5', () => {
    expect(expectedDistinct(2, [0.5, 0.5])).toBeCloseTo(1.5, 12);
    expect(expectedDistinct(1, [0.1, 0.9])).toBeCloseTo(1, 12);
  });

  test('tiers fill in order', () => {
    const price = {
      usd: 0.029,
      unit: 'GB',
      source: 'x',
      tiers: [
        { upToGb: 10, usd: 3 },
        { upToGb: null, usd: 1 },
      ],
    };
    expect(tiered(12, price)).toBe(10 * 3 + 2 * 1);
  });

  test('pre-aggregated DynamoDB writes never exceed one per event', () => {
    for (const eps of [10, 1000, 100_000]) {
      const e = estimate(
        'kappa',
        { eventsPerSecond: eps, eventBytes: 300, streamCapacity: 'on-demand' },
        pricing,
      );
      const writes = e.items.find((i) => i.service === 'DynamoDB')!.quantity;
      expect(writes).toBeLessThanOrEqual(eps * SECONDS);
    }
  });

  test('cost grows with load', () => {
    const at = (eps: number) =>
      estimate('lambda', { eventsPerSecond: eps, eventBytes: 300, streamCapacity: 'on-demand' }, pricing)
        .totalUsd;
    expect(at(10_000)).toBeGreaterThan(at(1000));
    expect(at(100_000)).toBeGreaterThan(at(10_000));
  });

  test('fails with a usage error for an unknown region', () => {
    expect(() => loadPricing('mars-north-1')).toThrow(
      expect.objectContaining({
        exitCode: ExitCode.usage,
        message: expect.stringMatching(/no price table for region 'mars-north-1'.*us-east-1/),
      }),
    );
  });

  test('fails with a usage error for a negative rate or a zero size', () => {
    expect(() =>
      estimate('kappa', { eventsPerSecond: -1, eventBytes: 300, streamCapacity: 'on-demand' }, pricing),
    ).toThrow(/events-per-sec/);
    expect(() =>
      estimate('kappa', { eventsPerSecond: 1, eventBytes: 0, streamCapacity: 'on-demand' }, pricing),
    ).toThrow(/event-bytes/);
  });

  test('every price names its source page', () => {
    for (const [name, p] of Object.entries(pricing.prices))
      expect([name, p.source]).toEqual([name, expect.stringMatching(/^https:\/\/aws\.amazon\.com\//)]);
    expect(pricing.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
