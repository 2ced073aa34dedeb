/**
 * The views table beyond its writes: storage month by month (speed rows expire after speedRowTtlDays; batch and Flink
 * rows are kept, so the table grows), point-in-time recovery on that size, and the serving API's reads.
 */
import { all } from './cost-inputs';
import { type CostContext, DAYS_PER_MONTH, GB, n } from './cost-model';
import { QUOTAS } from './cost-quotas';
import { averageDaysInBand } from './cost-storage';

export function viewTableLines(ctx: CostContext): void {
  const month = ctx.load.month;
  const item = ctx.a('viewItemBytes');
  const d = ctx.derived;
  const parts: string[] = [];
  let bytes = 0;
  const keep = (label: string, perDay: number | undefined, days: number, itemBytes = item) => {
    if (!perDay) return;
    const stored = perDay * averageDaysInBand(month, 0, days);
    bytes += stored * itemBytes;
    parts.push(`${label} ${n(stored)} × ${n(itemBytes)} B`);
  };
  keep('speed rows', d['speedRowsPerDay'], ctx.inputs.consumer.speedRowTtlDays);
  keep('batch rows', d['batchRowsPerDay'], Number.POSITIVE_INFINITY);
  keep('flink rows', d['flinkRowsPerDay'], Number.POSITIVE_INFINITY);
  keep('dead letters', d['flinkDeadLettersPerDay'], d['flinkDeadLetterTtlDays'] ?? 0, 1024);
  const gb = bytes / GB;
  ctx.add('DynamoDB', `table storage (month ${month})`, 'dynamodbStorageGbMonth', gb, {
    how: parts.join(' + '),
    uses: ['viewItemBytes'],
  });
  if (all(ctx.inputs, 'tables').some((t) => t.pitr))
    ctx.add('DynamoDB', 'point-in-time recovery', 'dynamodbPitrGbMonth', gb, { how: 'the table size' });
  const requests = ctx.a('servingRequestsPerDay') * DAYS_PER_MONTH;
  ctx.add(
    'DynamoDB',
    'serving reads',
    'dynamodbReadRequestUnitsMillion',
    requests * ctx.a('servingReadUnitsPerRequest'),
    {
      per: 1e6,
      how: `${n(requests)} requests × ${ctx.a('servingReadUnitsPerRequest')} read units`,
      uses: ['servingRequestsPerDay', 'servingReadUnitsPerRequest'],
    },
  );
  const writesPerSecond = (d['speedWritesPerSecond'] ?? 0) + (d['flinkWritesPerSecond'] ?? 0);
  if (writesPerSecond > QUOTAS.dynamodbTableWriteUnits.value)
    ctx.warn({
      code: 'dynamodb-table-throughput',
      message: `${n(writesPerSecond)} view writes/s, over the ${QUOTAS.dynamodbTableWriteUnits.name} of ${n(QUOTAS.dynamodbTableWriteUnits.value)}/s: writes are throttled; ask AWS for more or aggregate longer`,
      limit: {
        name: QUOTAS.dynamodbTableWriteUnits.name,
        value: '40,000 WRU/s',
        source: QUOTAS.dynamodbTableWriteUnits.source,
      },
    });
  d['viewTableGb'] = gb;
}
