import { CONTENT_ID_PATTERN, EVENT_TYPES, type EventType } from '../../lib/contracts/event';
import viewTable from '../../lib/contracts/view-table.json';

/**
 * The parts of the event contract (`lib/contracts/event.ts`) and of the views-table key design
 * (`lib/contracts/view-table.json`) the query API depends on, in one place.
 */
export { EVENT_TYPES, type EventType };

/** contentId rule of the event contract: no `#`, because it is part of the table keys. */
export const CONTENT_ID = CONTENT_ID_PATTERN;

export const VIEW_TABLE = viewTable;

/** A view's name: `speed`, `batch` or `flink-v<N>`. */
export const FLINK_VIEW = new RegExp(
  `^${viewTable.views.flinkPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[1-9][0-9]*$`,
);

export function partitionKey(view: string, contentId: string, type: EventType): string {
  return `${view}#${contentId}#${type}`;
}

/** Sort key of a minute row, `m#yyyy-MM-ddTHH:mm`. */
export function minuteKey(minute: string): string {
  return `m#${minute}`;
}

/** Sort key of a day row, `d#yyyy-MM-dd`. */
export function dayKey(day: string): string {
  return `d#${day}`;
}
