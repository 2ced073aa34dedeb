import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import sparkArgs from '../../contracts/spark-args.json';
import { type DataLake, LakePrefixes } from './data-lake';

/** Glue table names, shared by the tables and the named queries below. */
export const CatalogTables = {
  rawEvents: 'raw_events',
  curatedEvents: 'curated_events',
  quarantine: 'quarantine',
  dailyContentCounts: 'daily_content_counts',
  minuteContentCounts: 'minute_content_counts',
  topContent: 'top_content',
} as const;

/**
 * Raw events as Firehose writes them (the event contract's camelCase fields). Names are snake_case for SQL; the
 * OpenX SerDe maps them to the JSON keys, so the mapping is explicit instead of relying on case folding.
 */
const RAW_COLUMNS: readonly { name: string; type: string; jsonKey: string }[] = [
  { name: 'event_id', type: 'string', jsonKey: 'eventId' },
  { name: 'type', type: 'string', jsonKey: 'type' },
  { name: 'user_id', type: 'string', jsonKey: 'userId' },
  { name: 'content_id', type: 'string', jsonKey: 'contentId' },
  { name: 'occurred_at', type: 'string', jsonKey: 'occurredAt' },
  { name: 'region', type: 'string', jsonKey: 'region' },
  { name: 'device', type: 'string', jsonKey: 'device' },
  { name: 'watch_seconds', type: 'int', jsonKey: 'watchSeconds' },
];

/** Projection ranges: partitions are never listed in the catalog, Athena computes them from the query's `dt`. */
const PROJECTION_DAY_RANGE = 'NOW-5YEARS,NOW+1DAYS';

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
};

type SparkOutput = Exclude<keyof typeof sparkArgs.outputs, '$comment'>;

export interface LakeCatalogProps {
  /** The lake whose database, buckets and workgroup the tables and queries belong to. */
  readonly lake: DataLake;
}

/**
 * Glue tables over the lake's zones (raw JSON, curated / quarantine / analytics Parquet), all with partition
 * projection so no crawler or `MSCK REPAIR` is needed, and Athena named queries in the lake's workgroup.
 * Parquet columns come from `lib/contracts/spark-args.json`, the file the Spark job is tested against.
 */
export class LakeCatalog extends Construct {
  /** Tables by name (see {@link CatalogTables}). */
  readonly tables: Readonly<Record<string, glue.CfnTable>>;
  readonly namedQueries: readonly athena.CfnNamedQuery[];

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    const { lake } = props;
    const { database, workGroup } = lake;
    if (!database || !workGroup) {
      throw new Error(
        'LakeCatalog needs a DataLake built with catalog: true (its Glue database and Athena workgroup); with target=localstack leave the catalog out',
      );
    }
    const account = Stack.of(this).account;
    const tables: Record<string, glue.CfnTable> = {};

    const table = (tableId: string, input: glue.CfnTable.TableInputProperty): glue.CfnTable => {
      const t = new glue.CfnTable(this, tableId, {
        catalogId: account,
        databaseName: lake.databaseName,
        tableInput: input,
      });
      t.addResourceDependency(database);
      tables[input.name as string] = t;
      return t;
    };

    const rawRoot = lake.rawBucket.s3UrlForObject(trimSlash(LakePrefixes.rawEvents));
    table('RawEvents', {
      name: CatalogTables.rawEvents,
      description: 'Raw events as delivered by Firehose: gzip NDJSON, partitioned by the event time (UTC)',
      tableType: 'EXTERNAL_TABLE',
      partitionKeys: [
        { name: 'dt', type: 'string' },
        { name: 'hour', type: 'string' },
      ],
      parameters: {
        classification: 'json',
        compressionType: 'gzip',
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': PROJECTION_DAY_RANGE,
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        'projection.hour.type': 'integer',
        'projection.hour.range': '0,23',
        'projection.hour.digits': '2',
        'storage.location.template': `${rawRoot}/dt=\${dt}/hour=\${hour}`,
      },
      storageDescriptor: {
        location: rawRoot,
        columns: RAW_COLUMNS.map(({ name, type }) => ({ name, type })),
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        serdeInfo: {
          serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
          parameters: {
            // Malformed lines are expected in raw (they are quarantined by the batch job): skip them, do not fail.
            'ignore.malformed.json': 'true',
            'case.insensitive': 'false',
            ...Object.fromEntries(RAW_COLUMNS.map((c) => [`mapping.${c.name}`, c.jsonKey])),
          },
        },
      },
    });

    const parquetTable = (
      tableId: string,
      name: string,
      output: SparkOutput,
      location: string,
      description: string,
    ) =>
      table(tableId, {
        name,
        description,
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [{ name: 'dt', type: 'string' }],
        parameters: {
          classification: 'parquet',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': PROJECTION_DAY_RANGE,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}/dt=\${dt}`,
        },
        storageDescriptor: {
          location,
          columns: Object.entries(sparkArgs.outputs[output].columns as Record<string, string>).map(
            ([n, t]) => ({
              name: n,
              type: t,
            }),
          ),
          ...PARQUET,
        },
      });

    parquetTable(
      'CuratedEvents',
      CatalogTables.curatedEvents,
      'curated_events',
      lake.curatedBucket.s3UrlForObject(trimSlash(LakePrefixes.curatedEvents)),
      'Valid, deduplicated events of each day (Parquet), written by the batch job',
    );
    parquetTable(
      'Quarantine',
      CatalogTables.quarantine,
      'quarantine',
      lake.curatedBucket.s3UrlForObject(trimSlash(LakePrefixes.quarantine)),
      'Malformed raw lines with their reason, written by the batch job',
    );
    for (const [tableId, name] of [
      ['DailyContentCounts', CatalogTables.dailyContentCounts],
      ['MinuteContentCounts', CatalogTables.minuteContentCounts],
      ['TopContent', CatalogTables.topContent],
    ] as const) {
      parquetTable(
        tableId,
        name,
        name,
        lake.analyticsBucket.s3UrlForObject(`${LakePrefixes.analytics}${name}`),
        `Analytics table ${name}, written by the batch job`,
      );
    }
    this.tables = tables;

    // Named queries cannot take parameters: each reports on yesterday (UTC), the day the daily batch run produces.
    const yesterday = "date_format(current_date - interval '1' day, '%Y-%m-%d')";
    const query = (queryId: string, name: string, description: string, sql: string) =>
      new athena.CfnNamedQuery(this, queryId, {
        name,
        description,
        database: lake.databaseName,
        workGroup: workGroup.ref,
        queryString: sql,
      });
    this.namedQueries = [
      query(
        'DailyReportQuery',
        'streamlake-daily-report-per-content',
        'Events and watch time per content and type for yesterday (UTC)',
        [
          'SELECT content_id, type, day, event_count, watch_seconds',
          `FROM ${CatalogTables.dailyContentCounts}`,
          `WHERE dt = ${yesterday}`,
          'ORDER BY content_id, type',
        ].join('\n'),
      ),
      query(
        'TopContentQuery',
        'streamlake-top-content',
        'The most-watched content of yesterday (UTC), by events',
        [
          'SELECT rank, content_id, event_count, watch_seconds, views',
          `FROM ${CatalogTables.topContent}`,
          `WHERE dt = ${yesterday}`,
          'ORDER BY rank',
        ].join('\n'),
      ),
      query(
        'EngagementByRegionQuery',
        'streamlake-engagement-by-region',
        'Events, distinct users and watch time per region and event type for yesterday (UTC)',
        [
          'SELECT region, type, count(*) AS events, count(DISTINCT user_id) AS users,',
          '       sum(coalesce(watch_seconds, 0)) AS watch_seconds',
          `FROM ${CatalogTables.curatedEvents}`,
          `WHERE dt = ${yesterday}`,
          'GROUP BY region, type',
          'ORDER BY events DESC',
        ].join('\n'),
      ),
    ];
  }
}

function trimSlash(prefix: string): string {
  return prefix.replace(/\/+$/, '');
}
