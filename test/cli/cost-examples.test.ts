/**
 * Worked examples, computed by hand from AWS's public us-east-1 list prices (pages below, checked 2026-11-29; the
 * evidence for each figure is in docs/reference.md). The arithmetic is written out here, not taken from the model.
 * Month = 730 h = 2,628,000 s = 30.4167 days; GB = 2^30 bytes; KB = 1,024 bytes.
 *   Kinesis:        https://aws.amazon.com/kinesis/data-streams/pricing/
 *   Firehose:       https://aws.amazon.com/firehose/pricing/
 *   Lambda:         https://aws.amazon.com/lambda/pricing/
 *   DynamoDB:       https://aws.amazon.com/dynamodb/pricing/on-demand/
 *   Managed Flink:  https://aws.amazon.com/managed-service-apache-flink/pricing/
 *   EMR, EC2, EBS:  https://aws.amazon.com/emr/pricing/, https://aws.amazon.com/ec2/pricing/on-demand/, https://aws.amazon.com/ebs/pricing/
 *   S3:             https://aws.amazon.com/s3/pricing/
 *   CloudWatch:     https://aws.amazon.com/cloudwatch/pricing/
 *   KMS:            https://aws.amazon.com/kms/pricing/
 *   VPC:            https://aws.amazon.com/privatelink/pricing/, https://aws.amazon.com/vpc/pricing/
 *   Step Functions: https://aws.amazon.com/step-functions/pricing/
 *   API Gateway:    https://aws.amazon.com/api-gateway/pricing/
 *   SQS:            https://aws.amazon.com/sqs/pricing/
 *   Athena:         https://aws.amazon.com/athena/pricing/
 * Workload assumptions (cli/lib/cost-assumptions.ts): 300 B events unless said, 0.5 % malformed, gzip 0.255 of the
 * JSON, curated Parquet 0.2, Spark 25,000 events/s per vCPU, Flink 25,000 events/s per KPU at 75 %.
 */
import { type CostRequest, estimate, type VariantEstimate } from '../../cli/lib/cost';
import { costConfig } from '../../cli/lib/cost-inputs';
import { loadInventory } from '../../cli/lib/cost-inventory';
import { loadPricing } from '../../cli/lib/cost-prices';

const deps = { pricing: loadPricing('us-east-1'), inventory: loadInventory() };
const GB = 2 ** 30;
const DAYS = 730 / 24;
const RECORDS = 1000 * 2_628_000; // 1,000 events/s for a month

function run(context: string[], r: Partial<CostRequest> = {}): VariantEstimate {
  return estimate(costConfig(context), { eventsPerSecond: 1000, eventBytes: 300, month: 12, ...r }, deps);
}
function line(e: VariantEstimate, service: string, item: string | RegExp): number {
  const found = e.items.filter(
    (i) => i.service === service && (typeof item === 'string' ? i.item.startsWith(item) : item.test(i.item)),
  );
  if (found.length !== 1) throw new Error(`${service} '${item}': ${found.length} lines`);
  return found[0]!.monthlyUsd;
}

const lambda = run(['architecture=lambda']);
const kappa = run(['architecture=kappa']);

describe('Kinesis', () => {
  test('on-demand, 1,000 events/s × 300 B: $29.20 + $200.50 + $58.74 = $288.44', () => {
    expect(line(lambda, 'Kinesis', 'on-demand stream')).toBeCloseTo(730 * 0.04, 6); // $29.20
    // Each record rounds up to 1 KB: 2,628,000,000 × 1,024 B = 2,506.2561 GB × $0.08 = $200.5005.
    expect(line(lambda, 'Kinesis', 'data in')).toBeCloseTo(((RECORDS * 1024) / GB) * 0.08, 6);
    // Firehose and the Lambda consumer each read every record: 2 × 2,628,000,000 × 300 B = 1,468.5154 GB × $0.04.
    expect(line(lambda, 'Kinesis', 'data out')).toBeCloseTo(((2 * RECORDS * 300) / GB) * 0.04, 6);
    expect(lambda.byService['Kinesis']).toBeCloseTo(288.4411, 3);
  });

  test('kappa keeps 168 h: (168 − 24) h × 1,000/s × 1 KB = 494.38 GB-month × $0.10 = $49.44 more', () => {
    expect(line(kappa, 'Kinesis', 'retention 168 h')).toBeCloseTo(((1000 * 1024 * 144 * 3600) / GB) * 0.1, 6);
  });

  test('provisioned with 2 shards (kappa): 2 × 730 × $0.015 + 2,628 M units × $0.014/M + 2 × 730 × $0.02 = $87.89', () => {
    const e = run(['architecture=kappa', 'streamCapacity=provisioned', 'shardCount=2']);
    expect(e.derived['shards']).toBe(2);
    expect(e.byService['Kinesis']).toBeCloseTo(21.9 + 36.792 + 29.2, 6);
    expect(e.warnings).toEqual([]);
  });
});

describe('Firehose', () => {
  test('1,000 events/s × 300 B: 5 KB per record, dynamic partitioning, 1,560 objects a day, JQ = $379.35', () => {
    // 2,628,000,000 × 5,120 B = 12,531.2805 GB × $0.029 = $363.4071 (first tier).
    expect(line(lambda, 'Firehose', 'ingested')).toBeCloseTo(((RECORDS * 5120) / GB) * 0.029, 6);
    expect(line(lambda, 'Firehose', 'dynamic partitioning, data')).toBeCloseTo(
      ((RECORDS * 300) / GB) * 0.02,
      6,
    );
    // 64 MiB fill in 223 s > 60 s: a flush a minute, plus 5 for the previous hour kept open by 300 s late events:
    // 65 an hour = 1,560 a day × 30.4167 days = 47,450 objects × $0.005/1,000.
    expect(line(lambda, 'Firehose', 'dynamic partitioning, objects')).toBeCloseTo(
      (1560 * DAYS * 0.005) / 1000,
      9,
    );
    // JQ: 2,628,000,000 × 20 µs = 14.6 h × $0.07.
    expect(line(lambda, 'Firehose', 'JQ')).toBeCloseTo(14.6 * 0.07, 9);
  });
});

describe('Lambda consumer and its view writes', () => {
  test('4 on-demand shards at 250 events/s: full batches of 1,000, one window-end call per shard per 120 s', () => {
    expect(lambda.derived['shards']).toBe(4);
    // 2,628,000 batches + 4 × 2,628,000 s ÷ 120 s = 87,600 window ends = 2,715,600 requests × $0.20/M.
    expect(line(lambda, 'Lambda', 'stream consumer, requests')).toBeCloseTo((2_715_600 * 0.2) / 1e6, 9);
    // A batch: 3 ms + 1,000 records ÷ (49,101/s × 512/1,769 vCPU) = 70.37 ms + P(≥ 1 malformed) 99.33 % × 15 ms
    // = 88.27 → 89 ms (Lambda bills whole ms).
    expect(lambda.derived['consumerBatchMs']).toBe(89);
    const keys = lambda.derived['consumerKeysPerWindow']!; // cost-keys.test.ts checks it against the consumer code
    const finalMs = Math.ceil(3 + (keys / 10) * 8); // keys written 10 at a time, 8 ms each
    const gbSeconds = ((2_628_000 * 89 + 87_600 * finalMs) / 1000) * 0.5;
    expect(line(lambda, 'Lambda', 'stream consumer, compute')).toBeCloseTo(gbSeconds * 0.0000133334, 9);
    // One UpdateItem per key per window per shard: 87,600 windows × keys × $0.625/M.
    expect(line(lambda, 'DynamoDB', 'speed view writes')).toBeCloseTo((87_600 * keys * 0.625) / 1e6, 9);
    expect(keys).toBeGreaterThan(800);
    expect(keys).toBeLessThan(860);
  });

  test('SQS: an invocation with a malformed record sends one SendMessageBatch', () => {
    const p = 1 - 0.995 ** 1000;
    expect(line(lambda, 'SQS', 'dead letters')).toBeCloseTo((2_628_000 * p * 0.4) / 1e6, 9);
  });
});

describe('Managed Flink', () => {
  test('50,000 events/s: ⌈50,000 ÷ 18,750⌉ = 3 KPUs + 1 orchestration = 4 × 730 × $0.11 + 3 × 50 GB × $0.10', () => {
    const e = run(['architecture=kappa'], { eventsPerSecond: 50_000 });
    expect(line(e, 'Managed Flink', /KPU/)).toBeCloseTo(4 * 730 * 0.11, 6); // $321.20
    expect(line(e, 'Managed Flink', 'running application storage')).toBeCloseTo(15, 6);
  });

  test('never below the configured parallelism: 2 KPUs + 1 at 1,000 events/s = $240.90', () => {
    expect(line(kappa, 'Managed Flink', /KPU/)).toBeCloseTo(3 * 730 * 0.11, 6);
  });

  test('Flink view writes: 300 keys a minute (all 50 × 6 keys are active) + one per late event', () => {
    const late = kappa.derived['flinkLateShare']!;
    expect(line(kappa, 'DynamoDB', 'flink view writes')).toBeCloseTo(
      ((300 * 43_800 + late * RECORDS) * 0.625) / 1e6,
      2,
    );
  });
});

describe('EMR', () => {
  test('1,000 events/s: 86.4 M events ÷ 25,000/s/vCPU = 3,456 vCPU-s on 2 core + 1 Spot task 2xlarge = $7.79', () => {
    const cluster = 3456 / 24 / 3600 + 10 / 60; // 0.04 h of work + 10 min billed overhead = 0.2067 h a day
    const runs = DAYS;
    expect(line(lambda, 'EMR', 'EC2 primary, 1 × m6g.xlarge')).toBeCloseTo(runs * cluster * 0.154, 9);
    expect(line(lambda, 'EMR', 'EC2 core, 2 × m6g.2xlarge')).toBeCloseTo(runs * 2 * cluster * 0.308, 9);
    // Spot: mean on-demand of m7g/m6g/r7g/r6g/c7g.2xlarge = $0.351 × (1 − 0.6) = $0.1404/h.
    expect(line(lambda, 'EMR', 'EC2 task')).toBeCloseTo(runs * cluster * 0.1404, 9);
    // EMR uplift at full rate on every node: $0.0385 + 2 × $0.077 + mean $0.08775.
    expect(line(lambda, 'EMR', 'EMR uplift')).toBeCloseTo(runs * cluster * (0.0385 + 2 * 0.077 + 0.08775), 9);
    // EBS: 16 GiB per vCPU on 4 + 2 × 8 + 8 vCPU, pro rata of 730 h, × $0.08.
    expect(line(lambda, 'EMR', 'EBS')).toBeCloseTo(((16 * 28 * runs * cluster) / 730) * 0.08, 9);
    expect(lambda.byService['EMR']).toBeGreaterThan(7.7);
    expect(lambda.byService['EMR']).toBeLessThan(7.9);
  });

  test('100,000 events/s: the Spot task fleet scales to its maximum (8 units, 80 vCPU) and the job runs 1.2 h', () => {
    const e = run(['architecture=lambda'], { eventsPerSecond: 100_000 });
    expect(e.derived['emrTaskUnits']).toBe(8);
    expect(e.derived['emrJobHours']).toBeCloseTo(8_640_000_000 / 25_000 / 80 / 3600, 9);
    expect(e.warnings.filter((w) => w.code === 'emr-step-timeout')).toEqual([]);
  });
});

describe('S3, month by month', () => {
  const rawGbPerDay = (1000 * 300 * 86_400 * 0.255) / GB; // 6.1556 GB of gzip NDJSON a day
  test('kappa, month 12: raw 30 d Standard + 60 d IA + on average 259.79 d Glacier IR', () => {
    // Month 12 spans days 334.58–365; data older than 90 d is in Glacier IR: on average 349.79 − 90 days of it.
    // Standard also holds 30 days of Athena results (20 × 1 MB a day) and the access logs (1,560 Firehose PUTs + 200
    // Athena reads a day × 500 B, kept 365 d: on average 349.79 days of them in month 12).
    const standardGb = rawGbPerDay * 30 + (20 * 2 ** 20 * 30) / GB + (1760 * 500 * 11.5 * DAYS) / GB;
    expect(line(kappa, 'S3', /^storage, Standard \(/)).toBeCloseTo(standardGb * 0.023, 6);
    expect(line(kappa, 'S3', 'storage, Standard-IA')).toBeCloseTo(rawGbPerDay * 60 * 0.0125, 6);
    expect(line(kappa, 'S3', 'storage, Glacier IR')).toBeCloseTo(rawGbPerDay * (11.5 * DAYS - 90) * 0.004, 3);
  });

  test('month 24 is not month 12: a year of raw data is in Deep Archive', () => {
    const m24 = run(['architecture=kappa'], { month: 24 });
    expect(line(m24, 'S3', 'storage, Deep Archive')).toBeCloseTo(
      rawGbPerDay * (23.5 * DAYS - 365) * 0.00099,
      3,
    );
    expect(m24.byService['S3']).toBeGreaterThan(kappa.byService['S3']! * 1.2);
    expect(kappa.items.some((i) => i.item.includes('Deep Archive'))).toBe(false);
  });

  test('objects under 128 KB never leave Standard: at 1 event/s Firehose writes 4.6 KB objects', () => {
    const e = run(['architecture=kappa'], { eventsPerSecond: 1 });
    expect(e.items.filter((i) => i.service === 'S3' && /IA|Glacier|Deep|transition/.test(i.item))).toEqual(
      [],
    );
  });
});

describe('the rest of the bill', () => {
  test('CloudWatch: 8 dashboards × $3, 23 alarm metrics × $0.10, 17 EMF metrics × $0.30 (lambda)', () => {
    expect(line(lambda, 'CloudWatch', 'dashboards')).toBeCloseTo(24, 9);
    expect(line(lambda, 'CloudWatch', 'alarms')).toBeCloseTo(2.3, 9);
    expect(line(lambda, 'CloudWatch', 'custom metrics')).toBeCloseTo(5.1, 9);
    expect(line(kappa, 'CloudWatch', 'dashboards')).toBeCloseTo(18, 9);
  });

  test('KMS: 2 rotated keys (the lake key, the alarm topic key) cost $2, $4 after the first rotation, $6 after the second, and no more', () => {
    expect(line(lambda, 'KMS', 'customer-managed keys')).toBeCloseTo(2, 9);
    expect(line(run(['architecture=lambda'], { month: 13 }), 'KMS', 'customer-managed keys')).toBeCloseTo(
      4,
      9,
    );
    expect(line(run(['architecture=lambda'], { month: 36 }), 'KMS', 'customer-managed keys')).toBeCloseTo(
      6,
      9,
    );
    expect(line(run(['architecture=lambda'], { month: 60 }), 'KMS', 'customer-managed keys')).toBeCloseTo(
      6,
      9,
    );
  });

  test('the batch network: 5 interface endpoints × 2 AZs × 730 h × $0.01 = $73; with egress=nat a NAT gateway', () => {
    expect(line(lambda, 'VPC', /interface endpoints/)).toBeCloseTo(73, 9);
    const nat = run(['architecture=lambda', 'egress=nat']);
    expect(line(nat, 'VPC', /NAT gateway$/)).toBeCloseTo(730 * 0.045, 9); // $32.85
    expect(line(nat, 'VPC', /public IPv4/)).toBeCloseTo(730 * 0.005, 9); // $3.65
    expect(nat.items.some((i) => i.item.includes('interface endpoints'))).toBe(false);
    expect(kappa.byService['VPC']).toBeUndefined();
  });

  test('Step Functions: 9 states a run × 30.42 runs × $0.025/1,000; API Gateway: 262,800 requests × $1/M', () => {
    expect(line(lambda, 'Step Functions', 'state transitions')).toBeCloseTo((9 * DAYS * 0.025) / 1000, 12);
    expect(line(lambda, 'API Gateway', 'HTTP API requests')).toBeCloseTo(0.2628, 9);
    // EventBridge Scheduler: the batch and the deadline check, once a day each, at $1 per million.
    expect(line(lambda, 'EventBridge Scheduler', /daily schedules/)).toBeCloseTo((2 * DAYS) / 1e6, 12);
  });

  test('Athena: 20 queries a day over a quarter of a day of curated Parquet, rounded up to the MB', () => {
    const scanned = Math.ceil((86_400_000 * 300 * 0.2 * 0.25) / 2 ** 20) * 2 ** 20;
    expect(line(lambda, 'Athena', /queries/)).toBeCloseTo(((20 * DAYS * scanned) / 2 ** 40) * 5, 9);
  });
});
