/**
 * Writes the lake tables as Parquet with the schemas the Glue tables declare (`lib/contracts/spark-args.json` →
 * `outputs`, the Spark job's output schemas), so Athena reads either engine's files the same way.
 *
 * Physical types are the ones Spark 3.5 writes for those Spark types (strings as BYTE_ARRAY with the STRING
 * annotation, int as INT32, bigint as INT64, the same columns REQUIRED or OPTIONAL) except timestamps: Spark's default writes the
 * deprecated INT96; here `occurred_at` is INT64 with the TIMESTAMP(MICROS, UTC) annotation, the type Spark writes
 * with `spark.sql.parquet.outputTimestampType=TIMESTAMP_MICROS`. Spark, Athena engine 3 and the Glue type
 * `timestamp` read both as the same instant (docs/batch.md, "Output files").
 */
import { parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import { snappyCompressor } from 'hysnappy';
import type { LakeTable } from '../../lib/contracts/mapreduce';
import sparkArgs from '../../lib/contracts/spark-args.json';

type GlueType = 'string' | 'int' | 'bigint' | 'timestamp';

const OUTPUT_OF: Record<LakeTable, keyof typeof sparkArgs.outputs> = {
  curated_events: 'curated_events',
  quarantine: 'quarantine',
  minute_content_counts: 'minute_content_counts',
  daily_content_counts: 'daily_content_counts',
  top_content: 'top_content',
};

/** The columns of a lake table in contract order, with their Glue types. */
export function tableColumns(table: LakeTable): [string, GlueType][] {
  const spec = sparkArgs.outputs[OUTPUT_OF[table]] as { columns: Record<string, string> };
  return Object.entries(spec.columns).map(([name, type]) => {
    if (type !== 'string' && type !== 'int' && type !== 'bigint' && type !== 'timestamp')
      throw new Error(
        `spark-args.json: ${table}.${name} has type ${type}, which the MapReduce writer does not map`,
      );
    return [name, type];
  });
}

/**
 * Columns Spark 3.5 marks REQUIRED in these tables because their expressions cannot be null (`input_file_name()`,
 * `count(1)`, `row_number()`); every other column is OPTIONAL, as Spark writes it.
 */
export const REQUIRED_COLUMNS: Readonly<Partial<Record<LakeTable, readonly string[]>>> = {
  quarantine: ['source_file'],
  minute_content_counts: ['event_count'],
  top_content: ['rank'],
};

function element(name: string, type: GlueType, required: boolean): SchemaElement {
  const optional = { repetition_type: required ? 'REQUIRED' : 'OPTIONAL' } as const;
  switch (type) {
    case 'string':
      return {
        name,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
        ...optional,
      };
    case 'int':
      return { name, type: 'INT32', ...optional };
    case 'bigint':
      return { name, type: 'INT64', ...optional };
    case 'timestamp':
      return {
        name,
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
        ...optional,
      };
  }
}

/** The Parquet schema of a lake table (the root is named as Spark names it). */
export function parquetSchema(table: LakeTable): SchemaElement[] {
  const columns = tableColumns(table);
  return [
    { name: 'spark_schema', num_children: columns.length },
    ...columns.map(([name, type]) => element(name, type, REQUIRED_COLUMNS[table]?.includes(name) ?? false)),
  ];
}

/**
 * Columns whose values are nearly all distinct: written PLAIN without first trying a dictionary (which the writer would
 * build and then drop), the encoding Spark's writer also falls back to for them.
 */
const PLAIN_COLUMNS: Readonly<Partial<Record<LakeTable, readonly string[]>>> = {
  curated_events: ['event_id', 'user_id', 'occurred_at'],
  quarantine: ['raw'],
};

type Cell = string | number | null;

/** One WebAssembly instance for every file this process writes (`snappyCompress` would load one per page). */
let snappy: ((input: Uint8Array) => Uint8Array) | undefined;
function compressSnappy(input: Uint8Array): Uint8Array {
  if (snappy === undefined) snappy = snappyCompressor();
  return snappy(input);
}

/** Rows per row group: large groups read faster in Athena; a curated file is ~1-2 M rows at most. */
const ROW_GROUP_ROWS = 1_000_000;

/** Encodes rows (objects keyed by column name, in the order given) as one Parquet file. */
export function toParquet<R extends object>(table: LakeTable, rows: readonly R[]): Uint8Array {
  const columns: Record<string, Cell[]> = {};
  for (const [name] of tableColumns(table))
    columns[name] = rows.map((r) => (r as Record<string, Cell>)[name] ?? null);
  return toParquetColumns(table, columns);
}

/** Encodes columns (arrays of one length, keyed by column name) as one Parquet file. */
export function toParquetColumns(
  table: LakeTable,
  columns: Readonly<Record<string, readonly Cell[]>>,
): Uint8Array {
  const columnData = tableColumns(table).map(([name, type]) => {
    const values = columns[name];
    if (values === undefined) throw new Error(`${table}: no column ${name}`);
    let data: (string | number | bigint | null)[];
    if (type === 'bigint') data = values.map((v) => (v === null ? null : BigInt(v)));
    // Epoch milliseconds to microseconds.
    else if (type === 'timestamp') data = values.map((v) => (v === null ? null : BigInt(v) * 1000n));
    else data = values as (string | number | null)[];
    return PLAIN_COLUMNS[table]?.includes(name) ? { name, data, encoding: 'PLAIN' as const } : { name, data };
  });
  const buffer = parquetWriteBuffer({
    columnData,
    schema: parquetSchema(table),
    codec: 'SNAPPY',
    // Snappy compiled to WebAssembly: about twice as fast as the writer's JavaScript one, same bytes on disk.
    compressors: { SNAPPY: compressSnappy },
    rowGroupSize: ROW_GROUP_ROWS,
    statisticsTruncateLength: 64,
    createdBy: 'streamlake mapreduce (hyparquet-writer)',
  });
  return new Uint8Array(buffer);
}
