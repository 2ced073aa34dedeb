/** The serving check: the real query handler answers the closed day with the reference's count. */
import type { Aggregate } from '../reference';
import { type Check, fail, pass } from './check';

export const SERVING_CHECK = 'query API serves the closed day';

/** The handler's answer to `GET /metrics?contentId&type&granularity=day&from=day&to=day`. */
export interface ServedAnswer {
  readonly statusCode?: number;
  readonly body?: string;
}

export function checkServedDay(day: string, expected: Aggregate, answer: ServedAnswer): Check {
  let served: number | undefined;
  try {
    const body = JSON.parse(answer.body ?? '{}') as {
      series?: { points?: { bucket: string; count: number }[] }[];
    };
    served = body.series?.[0]?.points?.find((p) => p.bucket === day)?.count;
  } catch {
    served = undefined;
  }
  const detail = `GET /metrics ${expected.contentId}/${expected.type} ${day}: status ${answer.statusCode}, served ${served}, reference ${expected.count}`;
  return answer.statusCode === 200 && served === expected.count
    ? pass(SERVING_CHECK, detail)
    : fail(SERVING_CHECK, detail);
}
