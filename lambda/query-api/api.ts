import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dayKey, type EventType, minuteKey, VIEW_TABLE } from './contract';
import type { ServingEnv } from './env';
import {
  batchCompleteThrough,
  layerRanges,
  mergePoints,
  type Point,
  type ServingLayer,
  type ViewRow,
} from './merge';
import { type MetricsQuery, parseMetricsQuery } from './request';
import { DAY_MS, dayStart, daysBetween, MINUTE_MS } from './time';
import type { BatchCompletion, ViewsReader } from './views';

/** What the handler needs from the outside world; index.ts wires the real ones, tests pass fakes. */
export interface ApiDeps {
  readonly env: Pick<ServingEnv, 'ARCHITECTURE' | 'SPEED_ENGINE' | 'MAX_RANGE_DAYS' | 'DAY_SETTLE_MINUTES'>;
  readonly reader: ViewsReader;
  /** The current Flink view name, `flink-v<N>` (cached by the caller). */
  readonly flinkView: () => Promise<string>;
  readonly now: () => number;
  /** Called with each answered query (for metrics and logs); optional. */
  readonly onServed?: (summary: ServedSummary) => void;
}

export interface ServedSummary {
  readonly points: number;
  readonly batchPoints: number;
  readonly speedPoints: number;
  readonly queries: number;
  /** Days of the range served as provisional (not final). */
  readonly provisionalDays: number;
}

/** How one day of the range is answered. */
export interface DayStatus {
  readonly day: string;
  /** The layer that answers every bucket of the day. */
  readonly layer: ServingLayer;
  /**
   * True when the day's figures may still change: in the lambda architecture every day whose batch run has not
   * completed (not yet run, still running, or failed), answered from the speed view; in kappa a day the stream can
   * still change.
   */
  readonly provisional: boolean;
  /** Batch days: when the day's batch run completed. */
  readonly completedAt?: string;
}

export interface Series {
  readonly type: EventType;
  readonly points: readonly Point[];
}

/** The body of a 200 answer to `GET /metrics`. */
export interface MetricsResponse {
  readonly contentId: string;
  readonly granularity: MetricsQuery['granularity'];
  /** Buckets covered, inclusive. */
  readonly from: string;
  readonly to: string;
  readonly architecture: ServingEnv['ARCHITECTURE'];
  /**
   * Lambda architecture: the last day D of the range such that every day from the first one to D is answered by the
   * batch layer (final); null when the first day is not, and always null in kappa. Days after it may still be batch
   * days: `days` is the per-day answer.
   */
  readonly watermark: string | null;
  /** Every day of the range, in order: which layer answers it and whether its figures are provisional. */
  readonly days: readonly DayStatus[];
  /** The views that answered: `batch` (lambda only) and the speed view (`speed` or `flink-v<N>`). */
  readonly views: { readonly batch?: string; readonly speed: string };
  readonly series: readonly Series[];
}

export const METRICS_ROUTE = 'GET /metrics';

/** Routes an HTTP API (payload 2.0) event. Only `GET /metrics` exists; anything else is a 404. */
export async function handleRequest(
  event: APIGatewayProxyEventV2,
  deps: ApiDeps,
): Promise<APIGatewayProxyStructuredResultV2> {
  const isMetrics =
    event.routeKey === METRICS_ROUTE ||
    (event.requestContext?.http?.method === 'GET' && event.rawPath === '/metrics');
  if (!isMetrics)
    return json(404, { error: 'NotFound', message: `no route ${event.routeKey ?? event.rawPath}` });
  const parsed = parseMetricsQuery(event.queryStringParameters, deps.env.MAX_RANGE_DAYS);
  if (!parsed.ok) {
    return json(400, { error: 'BadRequest', message: parsed.problems.join('; '), problems: parsed.problems });
  }
  return json(200, await answer(parsed.query, deps));
}

/** Answers a valid query: picks the views, reads only the rows each layer serves, and merges them per type. */
export async function answer(query: MetricsQuery, deps: ApiDeps): Promise<MetricsResponse> {
  const { env, reader } = deps;
  const lambdaArchitecture = env.ARCHITECTURE === 'lambda';
  const [completions, speedView] = await Promise.all([
    lambdaArchitecture
      ? reader.batchCompletions(query.fromDay, query.toDay)
      : Promise.resolve(new Map<string, BatchCompletion>()),
    env.SPEED_ENGINE === 'flink' ? deps.flinkView() : Promise.resolve(VIEW_TABLE.views.speed),
  ]);
  const batchDays: ReadonlySet<string> = new Set(completions.keys());
  const ranges = layerRanges(query.fromDay, query.toDay, batchDays);
  // lambda: provisional until the batch layer completes the day. kappa: final once the stream can no longer change
  // it (the day has ended and the settle time, Flink's allowed lateness, has passed).
  const speedDayComplete = (day: string) =>
    !lambdaArchitecture && deps.now() >= dayStart(day) + DAY_MS + env.DAY_SETTLE_MINUTES * MINUTE_MS;
  const minute = query.granularity === 'minute';
  let queries = 0;
  const read = (view: string, type: EventType, fromSk: string, toSk: string): Promise<ViewRow[]> => {
    queries += 1;
    return reader.rows(view, query.contentId, type, fromSk, toSk);
  };
  const series = await Promise.all(
    query.types.map(async (type): Promise<Series> => {
      const { batch, speed } = ranges;
      const [batchRows, speedRows] = await Promise.all([
        batch
          ? minute
            ? read(
                VIEW_TABLE.views.batch,
                type,
                minuteKey(max(query.fromMinute, `${batch.fromDay}T00:00`)),
                minuteKey(min(query.toMinute, `${batch.toDay}T23:59`)),
              )
            : read(VIEW_TABLE.views.batch, type, dayKey(batch.fromDay), dayKey(batch.toDay))
          : Promise.resolve([]),
        speed
          ? read(
              speedView,
              type,
              minuteKey(minute ? max(query.fromMinute, `${speed.fromDay}T00:00`) : `${speed.fromDay}T00:00`),
              minuteKey(minute ? min(query.toMinute, `${speed.toDay}T23:59`) : `${speed.toDay}T23:59`),
            )
          : Promise.resolve([]),
      ]);
      const points = mergePoints({
        granularity: query.granularity,
        fromDay: query.fromDay,
        toDay: query.toDay,
        fromMinute: query.fromMinute,
        toMinute: query.toMinute,
        batchDays,
        batchRows,
        speedRows,
        speedDayComplete,
      });
      return { type, points };
    }),
  );
  const days = daysBetween(query.fromDay, query.toDay).map((day): DayStatus => {
    const completion = completions.get(day);
    if (completion)
      return {
        day,
        layer: 'batch',
        provisional: false,
        ...(completion.completedAt ? { completedAt: completion.completedAt } : {}),
      };
    return { day, layer: 'speed', provisional: !speedDayComplete(day) };
  });
  const all = series.flatMap((s) => s.points);
  deps.onServed?.({
    points: all.length,
    batchPoints: all.filter((p) => p.layer === 'batch').length,
    speedPoints: all.filter((p) => p.layer === 'speed').length,
    queries,
    provisionalDays: days.filter((d) => d.provisional).length,
  });
  return {
    contentId: query.contentId,
    granularity: query.granularity,
    from: minute ? query.fromMinute : query.fromDay,
    to: minute ? query.toMinute : query.toDay,
    architecture: env.ARCHITECTURE,
    watermark: lambdaArchitecture
      ? (batchCompleteThrough(query.fromDay, query.toDay, batchDays) ?? null)
      : null,
    days,
    views: lambdaArchitecture ? { batch: VIEW_TABLE.views.batch, speed: speedView } : { speed: speedView },
    series,
  };
}

/** A 500 that says nothing about the failure; the details go to the log with the request id. */
export function internalError(requestId: string | undefined): APIGatewayProxyStructuredResultV2 {
  return json(500, { error: 'InternalError', message: 'internal error', requestId: requestId ?? null });
}

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function min(a: string, b: string): string {
  return a < b ? a : b;
}

function max(a: string, b: string): string {
  return a > b ? a : b;
}
