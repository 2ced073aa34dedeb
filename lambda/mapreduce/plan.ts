/**
 * The partitioner's pure logic: from the listing of day D's raw objects to the run's work items, sized from the
 * day's bytes, or a refusal when the day is over the engine's limits.
 */
import { MapReduceErrors } from '../../lib/contracts/mapreduce';
import type { PlannedObject } from './map';
import type { StoredObject } from './store';

export interface PlanLimits {
  readonly mapItemBytes: number;
  readonly maxObjectBytes: number;
  readonly maxDayBytes: number;
  readonly targetFileBytes: number;
  readonly eventPartitionsPerCountPartition: number;
}

export interface MapItem {
  readonly index: number;
  readonly objects: readonly PlannedObject[];
}

export interface DayPlan {
  readonly objects: number;
  readonly bytes: number;
  /** Newest LastModified among the objects read (ISO instant), for the late-data rule. */
  readonly lastModified: string;
  readonly mapItems: readonly MapItem[];
  /** Round-1 reducers: as many as the Spark job writes curated files, ceil(bytes / target file size). */
  readonly eventPartitions: number;
  /** Round-2 reducers. */
  readonly countPartitions: number;
}

/** An error the state machine routes by name (`error.name` becomes the Step Functions error). */
export class EngineError extends Error {
  constructor(name: (typeof MapReduceErrors)[keyof typeof MapReduceErrors], message: string) {
    super(message);
    this.name = name;
  }
}

const GiB = 1024 ** 3;
/**
 * Objects per work item at most: an item travels as a child execution's input, which Step Functions caps at 256 KB;
 * 1,000 keys of ~100 bytes stay well below it (a day of small Firehose flushes has many small objects).
 */
export const MAX_OBJECTS_PER_ITEM = 1000;
const MiB = 1024 ** 2;
const gib = (b: number) => `${(b / GiB).toFixed(2)} GiB`;
const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;

/** Byte order of UTF-8 keys, the order S3 lists them and Spark compares file names in. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Cuts the day into work items of about `mapItemBytes` (whole objects, in key order) and sizes both reduce rounds.
 * Throws `NoRawPartition` for a day without objects and `DayTooLarge` (recommending EMR) past the limits.
 */
export function planDay(
  day: string,
  where: string,
  listed: readonly StoredObject[],
  limits: PlanLimits,
): DayPlan {
  if (listed.length === 0)
    throw new EngineError(
      MapReduceErrors.noRawPartition,
      `no raw partition for ${day}: ${where} holds no object (an ingestion problem, not an empty day)`,
    );
  const sorted = [...listed].sort((a, b) => compareKeys(a.key, b.key));
  const bytes = sorted.reduce((n, o) => n + o.size, 0);
  const advice =
    'Run this day on EMR instead: deploy with -c batchEngine=emr (docs/batch.md, "Choosing an engine"), or raise the construct limit if the Lambda memory allows it.';
  if (bytes > limits.maxDayBytes)
    throw new EngineError(
      MapReduceErrors.dayTooLarge,
      `${day} has ${gib(bytes)} of raw events in ${sorted.length} objects, above the MapReduce engine's limit of ${gib(limits.maxDayBytes)}. ${advice}`,
    );
  const largest = sorted.reduce((a, b) => (b.size > a.size ? b : a));
  if (largest.size > limits.maxObjectBytes)
    throw new EngineError(
      MapReduceErrors.dayTooLarge,
      `${day}'s object ${largest.key} is ${mib(largest.size)}, above the ${mib(limits.maxObjectBytes)} one mapper can hold (a gzip object cannot be split). ${advice}`,
    );
  const mapItems: MapItem[] = [];
  let current: PlannedObject[] = [];
  let currentBytes = 0;
  sorted.forEach((o, ordinal) => {
    if (
      current.length > 0 &&
      (currentBytes + o.size > limits.mapItemBytes || current.length >= MAX_OBJECTS_PER_ITEM)
    ) {
      mapItems.push({ index: mapItems.length, objects: current });
      current = [];
      currentBytes = 0;
    }
    current.push({ key: o.key, ordinal, size: o.size });
    currentBytes += o.size;
  });
  mapItems.push({ index: mapItems.length, objects: current });
  const eventPartitions = Math.max(1, Math.ceil(bytes / limits.targetFileBytes));
  let newest = 0;
  for (const o of sorted) newest = Math.max(newest, o.lastModified.getTime());
  const lastModified = new Date(newest);
  return {
    objects: sorted.length,
    bytes,
    lastModified: lastModified.toISOString(),
    mapItems,
    eventPartitions,
    countPartitions: Math.max(1, Math.ceil(eventPartitions / limits.eventPartitionsPerCountPartition)),
  };
}
