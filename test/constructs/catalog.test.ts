import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LakeCatalog } from '../../lib/constructs/storage/catalog';
import { DataLake } from '../../lib/constructs/storage/data-lake';
import sparkArgs from '../../lib/contracts/spark-args.json';
import { CDK_JSON_CONTEXT } from '../support/app';

let template: Template;
let catalog: LakeCatalog;
beforeAll(() => {
  const stack = new Stack(new App({ context: CDK_JSON_CONTEXT }), 'Lake', {
    stackName: 'Streamlake-Test-Storage',
  });
  const lake = new DataLake(stack, 'Lake', {
    lifecycle: {
      rawInfrequentAccessDays: 30,
      rawGlacierInstantRetrievalDays: 90,
      rawDeepArchiveDays: 365,
      curatedInfrequentAccessDays: 60,
      analyticsInfrequentAccessDays: 90,
      noncurrentVersionExpirationDays: 30,
      accessLogExpirationDays: 365,
    },
  });
  catalog = new LakeCatalog(stack, 'Catalog', { lake });
  template = Template.fromStack(stack);
});

interface TableInput {
  Name: string;
  Parameters: Record<string, unknown>;
  PartitionKeys: unknown;
  StorageDescriptor: {
    SerdeInfo: { SerializationLibrary: string; Parameters?: Record<string, string> };
    Columns: { Name: string; Type: string }[];
  };
}
type Table = { Properties: { DatabaseName: string; TableInput: TableInput } };
function table(name: string): TableInput {
  const found = (Object.values(template.findResources('AWS::Glue::Table')) as Table[]).find(
    (t) => t.Properties.TableInput.Name === name,
  );
  if (!found) throw new Error(`no table ${name}`);
  return found.Properties.TableInput;
}

/** Athena's projection placeholders, written out so they are not mistaken for template literals. */
const DT = '$' + '{dt}';
const HOUR = '$' + '{hour}';

const DATABASE = 'streamlake_streamlake_test_storage';

test('six tables, all in the lake database', () => {
  template.resourceCountIs('AWS::Glue::Table', 6);
  template.allResourcesProperties('AWS::Glue::Table', { DatabaseName: DATABASE });
});

test('raw events: gzip JSON read by the OpenX SerDe, snake_case columns mapped to the contract fields', () => {
  const raw = table('raw_events');
  expect(raw.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
  expect(raw.StorageDescriptor.SerdeInfo.Parameters).toMatchObject({
    'ignore.malformed.json': 'true',
    'case.insensitive': 'false',
    'mapping.event_id': 'eventId',
    'mapping.content_id': 'contentId',
    'mapping.occurred_at': 'occurredAt',
    'mapping.watch_seconds': 'watchSeconds',
  });
  expect(raw.StorageDescriptor.Columns.map((c) => c.Name)).toEqual([
    'event_id',
    'type',
    'user_id',
    'content_id',
    'occurred_at',
    'region',
    'device',
    'watch_seconds',
  ]);
});

test('raw events: partition projection on dt (date) and hour (00-23) over the Firehose layout', () => {
  const raw = table('raw_events');
  expect(raw.PartitionKeys).toEqual([
    { Name: 'dt', Type: 'string' },
    { Name: 'hour', Type: 'string' },
  ]);
  expect(raw.Parameters).toMatchObject({
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.hour.type': 'integer',
    'projection.hour.range': '0,23',
    'projection.hour.digits': '2',
  });
  const location = JSON.stringify(raw.Parameters['storage.location.template']);
  expect(location).toContain(`/raw/events/dt=${DT}/hour=${HOUR}`);
});

test.each([
  ['curated_events', 'curated_events', `/curated/events/dt=${DT}`],
  ['quarantine', 'quarantine', `/quarantine/dt=${DT}`],
  ['daily_content_counts', 'daily_content_counts', `/analytics/daily_content_counts/dt=${DT}`],
  ['minute_content_counts', 'minute_content_counts', `/analytics/minute_content_counts/dt=${DT}`],
  ['top_content', 'top_content', `/analytics/top_content/dt=${DT}`],
] as const)('%s: Parquet with the Spark job columns and projection on dt', (name, output, location) => {
  const t = table(name);
  expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
    'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  );
  const expected = Object.entries(sparkArgs.outputs[output].columns).map(([Name, Type]) => ({ Name, Type }));
  expect(t.StorageDescriptor.Columns).toEqual(expected);
  expect(t.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
  expect(t.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date' });
  expect(JSON.stringify(t.Parameters['storage.location.template'])).toContain(location);
});

test('three named queries in the lake workgroup and database', () => {
  template.resourceCountIs('AWS::Athena::NamedQuery', 3);
  template.allResourcesProperties('AWS::Athena::NamedQuery', {
    Database: DATABASE,
    WorkGroup: { Ref: Match.stringLikeRegexp('^LakeWorkGroup') },
  });
  expect(catalog.namedQueries).toHaveLength(3);
});

test.each([
  ['streamlake-daily-report-per-content', 'daily_content_counts'],
  ['streamlake-top-content', 'top_content'],
  ['streamlake-engagement-by-region', 'curated_events'],
])('named query %s reads %s for one dt partition', (name, from) => {
  template.hasResourceProperties('AWS::Athena::NamedQuery', {
    Name: name,
    QueryString: Match.stringLikeRegexp(`FROM ${from}\\nWHERE dt = `),
  });
});

test('the engagement query groups by region', () => {
  template.hasResourceProperties('AWS::Athena::NamedQuery', {
    Name: 'streamlake-engagement-by-region',
    QueryString: Match.stringLikeRegexp('GROUP BY region, type'),
  });
});

test('fails when the lake has no Glue database (catalog: false)', () => {
  const stack = new Stack(new App({ context: CDK_JSON_CONTEXT }), 'NoCatalog');
  const lake = new DataLake(stack, 'Lake', {
    catalog: false,
    lifecycle: {
      rawInfrequentAccessDays: 30,
      rawGlacierInstantRetrievalDays: 90,
      rawDeepArchiveDays: 365,
      curatedInfrequentAccessDays: 60,
      analyticsInfrequentAccessDays: 90,
      noncurrentVersionExpirationDays: 30,
      accessLogExpirationDays: 365,
    },
  });
  expect(() => new LakeCatalog(stack, 'Catalog', { lake })).toThrow(
    /needs a DataLake built with catalog: true/,
  );
});
