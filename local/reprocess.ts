/**
 * Kappa reprocessing against the emulators, the data-plane half of `streamlake replay` (cli/lib/replay.ts) with the
 * real Flink job: the control-plane calls (CreateApplication, Start/Stop, millisBehindLatest) have no emulator here,
 * so each application is a local Flink process started with the properties the CLI would give it.
 *
 *   1. the replay job writes flink-v2 from the raw archive (moto S3, what the archive writer delivered) for event times
 *      [start, seam) and from the stream for [seam, ∞): a HybridSource split by event time; once it has settled (its
 *      REST figures, local/flink-rest.ts), flink-v2 must equal the independent reference for the closed day;
 *   2. the SSM pointer flips to flink-v2 and the query API (the real handler) serves flink-v2;
 *   3. hand-over: the live job restarts into flink-v2 without state for event times from H; once it has settled, it
 *      must have rewritten every window from H on with the same totals and left the windows before H (the replay's)
 *      untouched; then the replay stops.
 * Every comparison is made once, after settling: never by waiting for the view to look right.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import viewTable from '../lib/contracts/view-table.json';
import { type Check, fail, pass } from './checks/check';
import { FlinkJob } from './compute/flink';
import { type Endpoints, REGION } from './emulators';
import { writeFlinkProperties } from './jobs';
import type { LogFiles, RunConsole } from './logs';
import { type ProcessRegistry, sleep } from './proc';
import { type Aggregate, diff, filterDay, readView } from './reference';

export interface ReprocessContext {
  readonly reg: ProcessRegistry;
  readonly logs: LogFiles;
  readonly workDir: string;
  readonly ep: Endpoints;
  readonly dynamodb: DynamoDBClient;
  readonly ssm: SSMClient;
  readonly table: string;
  readonly streamArn: string;
  /** Records on the stream (read back): what a job reading it from TRIM_HORIZON reads, emitted or skipped. */
  readonly streamRecords: number;
  /** s3://<raw bucket>/raw/events */
  readonly archivePath: string;
  readonly parameterName: string;
  readonly closedDay: string;
  readonly refMinute: Map<string, Aggregate>;
  /** The archive's `from`: the first event time the replay rebuilds. */
  readonly archiveFromMs: number;
  /** Where the archive stops and the stream takes over, and where the live job takes over (minute boundaries). */
  readonly seamMs: number;
  readonly handOverMs: number;
  /** Calls the query API handler for the closed day; returns the view it says it read. */
  readonly servedView: () => Promise<string | undefined>;
  readonly out: RunConsole;
}

const iso = (ms: number) => new Date(ms).toISOString();
const NEXT_VIEW = `${viewTable.views.flinkPrefix}2`;
/** The query API caches the pointer for 30 s (lambda/query-api/version.ts). */
const POINTER_CACHE_MS = 31_000;
const SETTLE_TIMEOUT_MS = 300_000;
/** A replay reads the archive before the stream: its source count is known only to be at least the stream's. */
const REPLAY_QUIET_MS = 10_000;

/** updatedAt of every minute row of a view, by bucket key `contentId|type|minute`. */
async function minuteUpdates(ddb: DynamoDBClient, table: string, view: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const pk = viewTable.partitionKey;
  const sk = viewTable.sortKey;
  const minutePrefix = viewTable.minuteSortKeyFormat.split('{')[0] as string;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: table,
        ExclusiveStartKey: start,
        FilterExpression: 'begins_with(#pk, :p) AND begins_with(#sk, :s)',
        ExpressionAttributeNames: { '#pk': pk, '#sk': sk },
        ExpressionAttributeValues: { ':p': { S: `${view}#` }, ':s': { S: minutePrefix } },
      }),
    );
    for (const item of page.Items ?? []) {
      const [, contentId, type] = (item[pk]?.S ?? '').split('#');
      const minute = (item[sk]?.S ?? '').slice(minutePrefix.length);
      out.set(`${contentId}|${type}|${minute}`, item[viewTable.attributes.updatedAt]?.S ?? '');
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

export async function reprocess(x: ReprocessContext): Promise<Check[]> {
  const checks: Check[] = [];
  const common = {
    Sink: { tableName: x.table, region: REGION, endpoint: x.ep.dynamodb, viewName: NEXT_VIEW },
    DeadLetter: { tableName: x.table, region: REGION, endpoint: x.ep.dynamodb },
  };
  const source = (eventTimeFrom: number) => ({
    streamArn: x.streamArn,
    region: REGION,
    endpoint: x.ep.kinesis,
    initialPosition: 'TRIM_HORIZON',
    eventTimeFrom: iso(eventTimeFrom),
  });
  // 1. The replay application: archive for [start, seam), then the stream from the seam on.
  const replayProps = `${x.workDir}/flink-replay.properties`;
  writeFlinkProperties(replayProps, {
    Source: source(x.seamMs),
    ...common,
    Archive: { path: x.archivePath, from: iso(x.archiveFromMs), endpoint: x.ep.moto },
  });
  x.out.line(
    `  reprocess: replay job -> ${NEXT_VIEW}: archive ${x.archivePath} [${iso(x.archiveFromMs)}, ${iso(x.seamMs)}), then the stream`,
  );
  x.logs.path('flink-replay');
  const replay = await FlinkJob.start(x.reg, {
    workDir: x.workDir,
    ep: x.ep,
    propertiesFile: replayProps,
    checkpointDir: `${x.workDir}/flink-replay-checkpoints`,
    logName: 'flink-replay',
    restore: false,
  });
  let live: FlinkJob | undefined;
  try {
    const replayed = await replay.settle(
      'replay',
      { minSourceRecords: x.streamRecords, quietMs: REPLAY_QUIET_MS },
      SETTLE_TIMEOUT_MS,
      x.out,
    );
    const v2 = filterDay(await readView(x.dynamodb, x.table, NEXT_VIEW, 'minute'), x.closedDay);
    const diffs = diff(x.refMinute, v2);
    const replayName = `replay (archive, then stream) builds ${NEXT_VIEW} = reference (${x.closedDay})`;
    const replayDetail = `${v2.size} minute rows vs ${x.refMinute.size} in the reference${diffs.length ? `; ${diffs.length} differ, e.g. ${JSON.stringify(diffs[0])}` : ''}${replayed.settled ? '' : `; replay not settled: ${replayed.detail}`}`;
    checks.push(
      diffs.length === 0 && replayed.settled
        ? pass(replayName, replayDetail)
        : fail(replayName, replayDetail),
    );
    if (checks.some((c) => c.status === 'fail')) return checks;

    // 2. Flip the pointer; the handler re-reads it after its cache time.
    const before = await x.servedView();
    await x.ssm.send(
      new PutParameterCommand({ Name: x.parameterName, Value: NEXT_VIEW, Type: 'String', Overwrite: true }),
    );
    x.out.line(
      `  reprocess: ${x.parameterName} -> ${NEXT_VIEW}; waiting out the query API's pointer cache (30 s)`,
    );
    await sleep(POINTER_CACHE_MS);
    const after = await x.servedView();
    const flipName = `query API switches to ${NEXT_VIEW} after the flip`;
    const flipDetail = `served ${before} before the flip, ${after} after`;
    checks.push(
      before !== NEXT_VIEW && after === NEXT_VIEW ? pass(flipName, flipDetail) : fail(flipName, flipDetail),
    );

    // 3. Hand-over of the live job at H: fresh state, the whole stream, events from H only.
    const liveProps = `${x.workDir}/flink-live-v2.properties`;
    writeFlinkProperties(liveProps, { Source: source(x.handOverMs), ...common });
    const beforeHandOver = await minuteUpdates(x.dynamodb, x.table, NEXT_VIEW);
    const restartedAt = new Date().toISOString();
    x.out.line(`  reprocess: live job -> ${NEXT_VIEW} for event times from ${iso(x.handOverMs)}`);
    x.logs.path('flink-live-v2');
    live = await FlinkJob.start(x.reg, {
      workDir: x.workDir,
      ep: x.ep,
      propertiesFile: liveProps,
      checkpointDir: `${x.workDir}/flink-live-v2-checkpoints`,
      logName: 'flink-live-v2',
      restore: false,
    });
    // A fresh job reading the stream from TRIM_HORIZON reads every record: emitted, or skipped before H.
    const handedOver = await live.settle(
      'hand-over',
      { sourceRecords: x.streamRecords, quietMs: REPLAY_QUIET_MS },
      SETTLE_TIMEOUT_MS,
      x.out,
    );
    // The replay application stops once the live one has taken over (on AWS: after H + allowed lateness).
    await replay.stop();
    const afterHandOver = await minuteUpdates(x.dynamodb, x.table, NEXT_VIEW);
    const minuteOf = (k: string) => k.split('|')[2] ?? '';
    const handOverMinute = iso(x.handOverMs).slice(0, 16);
    const refKeys = [...x.refMinute.values()].map((a) => `${a.contentId}|${a.type}|${a.bucket}`);
    const fromH = refKeys.filter((k) => minuteOf(k) >= handOverMinute);
    const beforeH = refKeys.filter((k) => minuteOf(k) < handOverMinute);
    const rewritten = fromH.filter((k) => (afterHandOver.get(k) ?? '') >= restartedAt).length;
    const touched = beforeH.filter((k) => afterHandOver.get(k) !== beforeHandOver.get(k));
    const finalDiffs = diff(
      x.refMinute,
      filterDay(await readView(x.dynamodb, x.table, NEXT_VIEW, 'minute'), x.closedDay),
    );
    const name = `hand-over: the live job rewrites ${NEXT_VIEW} from H with the same totals and leaves earlier windows alone`;
    const detail =
      `H=${iso(x.handOverMs)}: ${rewritten}/${fromH.length} windows from H rewritten, ${touched.length}/${beforeH.length} ` +
      `earlier windows touched, ${finalDiffs.length} differences from the reference after the replay job stopped` +
      (handedOver.settled ? '' : `; the live job did not settle: ${handedOver.detail}`);
    checks.push(
      handedOver.settled &&
        fromH.length > 0 &&
        rewritten === fromH.length &&
        touched.length === 0 &&
        finalDiffs.length === 0
        ? pass(name, detail)
        : fail(name, detail),
    );
    return checks;
  } finally {
    await replay.stop();
    if (live) await live.stop();
  }
}
