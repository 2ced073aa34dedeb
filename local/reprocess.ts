/**
 * Kappa reprocessing against the emulators, the data-plane half of `streamlake replay` (cli/lib/replay.ts) with the
 * real Flink job: the control-plane calls (CreateApplication, Start/Stop, millisBehindLatest) have no emulator here,
 * so each application is a local Flink process started with the properties the CLI would give it.
 *
 *   1. the replay job writes flink-v2 from the raw archive (moto S3, what the archive writer delivered) for event times
 *      [start, seam) and from the stream for [seam, ∞): a HybridSource split by event time;
 *   2. flink-v2 must equal the independent reference for the closed day;
 *   3. the SSM pointer flips to flink-v2 and the query API (the real handler) serves flink-v2;
 *   4. hand-over: the live job restarts into flink-v2 without state for event times from H; it must rewrite every window
 *      from H on with the same totals and leave the windows before H (the replay's) untouched; then the replay stops.
 */

import { existsSync, readFileSync } from 'node:fs';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import viewTable from '../lib/contracts/view-table.json';
import { type Endpoints, REGION } from './emulators';
import { startFlink, writeFlinkProperties } from './jobs';
import type { ManagedProcess, ProcessRegistry } from './proc';
import { type Aggregate, diff, filterDay, readView } from './reference';

export interface ReprocessContext {
  readonly reg: ProcessRegistry;
  readonly workDir: string;
  readonly ep: Endpoints;
  readonly dynamodb: DynamoDBClient;
  readonly ssm: SSMClient;
  readonly table: string;
  readonly streamArn: string;
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
  readonly log: (line: string) => void;
}

export interface ReprocessCheck {
  readonly name: string;
  readonly status: 'pass' | 'fail';
  readonly detail: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (ms: number) => new Date(ms).toISOString();
const NEXT_VIEW = `${viewTable.views.flinkPrefix}2`;

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

async function waitRunning(job: ManagedProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!job.running) return false;
    const out = existsSync(job.opts.logFile) ? readFileSync(job.opts.logFile, 'utf8') : '';
    if (out.includes('streamlake-flink: job running')) return true;
    await sleep(500);
  }
  return false;
}

export async function reprocess(x: ReprocessContext): Promise<ReprocessCheck[]> {
  const checks: ReprocessCheck[] = [];
  const common = {
    Sink: { tableName: x.table, region: REGION, endpoint: x.ep.dynamodb, viewName: NEXT_VIEW },
    DeadLetter: { tableName: x.table, region: REGION, endpoint: x.ep.dynamodb },
  };
  // 1. The replay application: archive for [start, seam), then the stream from the seam on.
  const replayProps = `${x.workDir}/flink-replay.properties`;
  writeFlinkProperties(replayProps, {
    Source: {
      streamArn: x.streamArn,
      region: REGION,
      endpoint: x.ep.kinesis,
      initialPosition: 'TRIM_HORIZON',
      eventTimeFrom: iso(x.seamMs),
    },
    ...common,
    Archive: { path: x.archivePath, from: iso(x.archiveFromMs), endpoint: x.ep.moto },
  });
  x.log(
    `reprocess: replay job -> ${NEXT_VIEW}: archive ${x.archivePath} [${iso(x.archiveFromMs)}, ${iso(x.seamMs)}), then the stream`,
  );
  const replay = startFlink(x.reg, {
    workDir: x.workDir,
    propertiesFile: replayProps,
    checkpointDir: `${x.workDir}/flink-replay-checkpoints`,
    restore: false,
    ep: x.ep,
    logName: 'flink-replay',
  });
  let live: ManagedProcess | undefined;
  try {
    const ref = x.refMinute;
    let v2 = new Map<string, Aggregate>();
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && replay.running) {
      v2 = filterDay(await readView(x.dynamodb, x.table, NEXT_VIEW, 'minute'), x.closedDay);
      if (diff(ref, v2).length === 0) break;
      await sleep(2000);
    }
    const diffs = diff(ref, v2);
    checks.push({
      name: `replay (archive, then stream) builds ${NEXT_VIEW} = reference (${x.closedDay})`,
      status: diffs.length === 0 ? 'pass' : 'fail',
      detail: `${v2.size} minute rows vs ${ref.size} in the reference${diffs.length ? `; ${diffs.length} differ, e.g. ${JSON.stringify(diffs[0])}` : ''}${replay.running ? '' : '; the replay job exited (logs/flink-replay.log)'}`,
    });
    if (diffs.length > 0) return checks;

    // 3. Flip the pointer; the handler re-reads it after its cache time.
    const before = await x.servedView();
    await x.ssm.send(
      new PutParameterCommand({ Name: x.parameterName, Value: NEXT_VIEW, Type: 'String', Overwrite: true }),
    );
    x.log(`reprocess: ${x.parameterName} -> ${NEXT_VIEW}; waiting out the query API's pointer cache (30 s)`);
    await sleep(31_000);
    const after = await x.servedView();
    checks.push({
      name: `query API switches to ${NEXT_VIEW} after the flip`,
      status: before !== NEXT_VIEW && after === NEXT_VIEW ? 'pass' : 'fail',
      detail: `served ${before} before the flip, ${after} after`,
    });

    // 4. Hand-over of the live job at H: fresh state, the whole stream, events from H only.
    const liveProps = `${x.workDir}/flink-live-v2.properties`;
    writeFlinkProperties(liveProps, {
      Source: {
        streamArn: x.streamArn,
        region: REGION,
        endpoint: x.ep.kinesis,
        initialPosition: 'TRIM_HORIZON',
        eventTimeFrom: iso(x.handOverMs),
      },
      ...common,
    });
    const beforeHandOver = await minuteUpdates(x.dynamodb, x.table, NEXT_VIEW);
    const restartedAt = new Date().toISOString();
    x.log(`reprocess: live job -> ${NEXT_VIEW} for event times from ${iso(x.handOverMs)}`);
    live = startFlink(x.reg, {
      workDir: x.workDir,
      propertiesFile: liveProps,
      checkpointDir: `${x.workDir}/flink-live-v2-checkpoints`,
      restore: false,
      ep: x.ep,
      logName: 'flink-live-v2',
    });
    const started = await waitRunning(live, 180_000);
    const minuteOf = (k: string) => k.split('|')[2] ?? '';
    const handOverMinute = iso(x.handOverMs).slice(0, 16);
    const refKeys = [...ref.values()].map((a) => `${a.contentId}|${a.type}|${a.bucket}`);
    const fromH = refKeys.filter((k) => minuteOf(k) >= handOverMinute);
    let rewritten = 0;
    const until = Date.now() + 240_000;
    while (started && Date.now() < until && live.running) {
      const now = await minuteUpdates(x.dynamodb, x.table, NEXT_VIEW);
      rewritten = fromH.filter((k) => (now.get(k) ?? '') >= restartedAt).length;
      if (rewritten === fromH.length) break;
      await sleep(2000);
    }
    // The replay application stops once the live one has taken over (on AWS: after H + allowed lateness).
    await replay.stop(5000);
    const afterHandOver = await minuteUpdates(x.dynamodb, x.table, NEXT_VIEW);
    const beforeH = refKeys.filter((k) => minuteOf(k) < handOverMinute);
    const touched = beforeH.filter((k) => afterHandOver.get(k) !== beforeHandOver.get(k));
    const final = filterDay(await readView(x.dynamodb, x.table, NEXT_VIEW, 'minute'), x.closedDay);
    const finalDiffs = diff(ref, final);
    checks.push({
      name: `hand-over: the live job rewrites ${NEXT_VIEW} from H with the same totals and leaves earlier windows alone`,
      status:
        started &&
        fromH.length > 0 &&
        rewritten === fromH.length &&
        touched.length === 0 &&
        finalDiffs.length === 0
          ? 'pass'
          : 'fail',
      detail:
        `H=${iso(x.handOverMs)}: ${rewritten}/${fromH.length} windows from H rewritten, ${touched.length}/${beforeH.length} ` +
        `earlier windows touched, ${finalDiffs.length} differences from the reference after the replay job stopped` +
        (started ? '' : '; the live job did not start (logs/flink-live-v2.log)'),
    });
    return checks;
  } finally {
    await replay.stop(5000);
    if (live) await live.stop(5000);
  }
}
