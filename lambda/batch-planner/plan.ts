/**
 * The batch planner, pure: which UTC days a scheduled batch execution (re)runs. The scheduled day (the UTC day before
 * the scheduled time) always; within the lookback, every day with raw objects and no completion item (a failed or
 * never-run day) and every completed day whose raw objects changed since its run (late data). The handler reads the
 * completion items and lists the raw zone; both batch engines run the days it returns. Names: lib/contracts.
 */
import planning from '../../lib/contracts/batch-planning.json';
import viewTable from '../../lib/contracts/view-table.json';

export type PlanReason = (typeof planning.planReasons)[Exclude<
  keyof typeof planning.planReasons,
  '$comment'
>];
export type DayStateName = (typeof planning.dayStates)[Exclude<keyof typeof planning.dayStates, '$comment'>];
export type LateDataRule = (typeof viewTable.batchCompletion.lateData.rules)[number];

const REASONS = planning.planReasons;
const STATES = planning.dayStates;
const [MORE_OBJECTS, MORE_BYTES, NEWER_OBJECT] = viewTable.batchCompletion.lateData.rules as [
  LateDataRule,
  LateDataRule,
  LateDataRule,
];

/** What the planner needs of a completion item: what the run read (instants as in the contract). */
export interface Completion {
  readonly day: string;
  readonly inputObjects: number;
  readonly inputBytes: number;
  /** Newest LastModified among the objects the run read, `yyyy-MM-ddTHH:mm:ss.SSSZ`. */
  readonly inputLastModified: string;
  readonly completedAt?: string;
  readonly engine?: string;
  readonly runId?: string;
  readonly eventCount?: number;
}

/** A day's raw objects as listed now. Days without any object are absent from a listing. */
export interface RawDay {
  readonly day: string;
  readonly objects: number;
  readonly bytes: number;
  /** Newest LastModified, epoch ms. */
  readonly lastModifiedMs: number;
}

export interface DayState {
  readonly day: string;
  readonly state: DayStateName;
  /** late_data: the rules that found it, and what is new (never negative). */
  readonly lateData?: {
    readonly rules: readonly LateDataRule[];
    readonly newObjects: number;
    readonly newBytes: number;
  };
  readonly completion?: Completion;
  readonly raw?: RawDay;
}

export interface PlannedDay {
  readonly day: string;
  readonly reasons: readonly PlanReason[];
}

export interface Plan {
  /** The scheduled (or requested) day. */
  readonly target: string;
  /** Every day to run, oldest first; the engines run them in this order. */
  readonly days: readonly string[];
  readonly plan: readonly PlannedDay[];
  /** The state of each day looked at (the lookback and the target), oldest first; empty for a requested date. */
  readonly states: readonly DayState[];
  readonly lookbackDays: number;
}

export interface PlannerConfig {
  /** How many days before the scheduled day are checked for late data and missing runs (0: none). */
  readonly lookbackDays: number;
}

/** Longest lookback the planner accepts (the configuration uses the same contract bound). */
export const MAX_LOOKBACK_DAYS = planning.limits.maxLookbackDays;

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export class InvalidDateError extends Error {
  constructor(message: string) {
    super(message);
    // Step Functions catches the Lambda error by this name.
    this.name = planning.invalidDateError;
  }
}

/** `text` when it is a real calendar day `yyyy-MM-dd`, else InvalidDateError. */
export function calendarDay(text: unknown): string {
  const m = typeof text === 'string' ? DAY.exec(text) : null;
  const at = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(at) || dayOf(at) !== text) {
    throw new InvalidDateError(
      `date ${JSON.stringify(text)} is not a calendar day: give yyyy-MM-dd, e.g. {"date":"2026-11-20"}`,
    );
  }
  return text as string;
}

export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return dayOf(Date.parse(`${day}T00:00:00.000Z`) + n * DAY_MS);
}

/** Every day from `from` to `to`, both included (empty when from > to). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * The day a run at `at` processes: the UTC day before it, the last complete UTC day (the raw layout's `dt=` is the
 * event's UTC day). A schedule east of UTC may fire before UTC midnight: 01:00 Asia/Kolkata is 19:30 UTC the day
 * before, which processes the UTC day before that.
 */
export function scheduledDay(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new InvalidDateError(`time ${JSON.stringify(at)} is not an ISO-8601 instant`);
  return dayOf(ms - DAY_MS);
}

/** The late-data rules a day's current raw objects break against its completion item (lib/contracts/view-table.json). */
export function lateDataRules(completion: Completion, raw: RawDay | undefined): LateDataRule[] {
  if (!raw) return [];
  const rules: LateDataRule[] = [];
  if (raw.objects > completion.inputObjects) rules.push(MORE_OBJECTS);
  if (raw.bytes > completion.inputBytes) rules.push(MORE_BYTES);
  const readNewest = Date.parse(completion.inputLastModified);
  // An unreadable inputLastModified cannot vouch for anything: treat every object as possibly newer.
  if (Number.isNaN(readNewest) || raw.lastModifiedMs > readNewest) rules.push(NEWER_OBJECT);
  return rules;
}

export function dayState(day: string, completion: Completion | undefined, raw: RawDay | undefined): DayState {
  const present = { ...(completion ? { completion } : {}), ...(raw ? { raw } : {}) };
  if (!completion) return { day, state: raw ? STATES.missing : STATES.noData, ...present };
  const rules = lateDataRules(completion, raw);
  if (rules.length === 0) return { day, state: STATES.complete, ...present };
  return {
    day,
    state: STATES.lateData,
    lateData: {
      rules,
      newObjects: Math.max(0, (raw?.objects ?? 0) - completion.inputObjects),
      newBytes: Math.max(0, (raw?.bytes ?? 0) - completion.inputBytes),
    },
    ...present,
  };
}

/** The days the planner looks at for a scheduled day: the lookback before it, then the day itself. */
export function lookbackWindow(target: string, lookbackDays: number): { fromDay: string; toDay: string } {
  if (!Number.isInteger(lookbackDays) || lookbackDays < 0 || lookbackDays > MAX_LOOKBACK_DAYS) {
    throw new Error(`lookbackDays is ${lookbackDays}: give a whole number from 0 to ${MAX_LOOKBACK_DAYS}`);
  }
  return { fromDay: addDays(target, -lookbackDays), toDay: target };
}

/**
 * The plan of a scheduled execution at `now`: the scheduled day always (an absent raw partition then fails the run
 * loudly, as an ingestion problem should), plus each day of the lookback that is missing or has late data. Days
 * without raw objects and without a completion are not run: there is nothing to compute.
 */
export function planDays(
  now: string,
  completions: ReadonlyMap<string, Completion>,
  rawListing: ReadonlyMap<string, RawDay>,
  config: PlannerConfig,
): Plan {
  const target = scheduledDay(now);
  const { fromDay, toDay } = lookbackWindow(target, config.lookbackDays);
  const states = daysBetween(fromDay, toDay).map((day) =>
    dayState(day, completions.get(day), rawListing.get(day)),
  );
  const plan: PlannedDay[] = [];
  for (const s of states) {
    if (s.day === target) plan.push({ day: s.day, reasons: [REASONS.scheduled] });
    else if (s.state === STATES.missing) plan.push({ day: s.day, reasons: [REASONS.missing] });
    else if (s.state === STATES.lateData) plan.push({ day: s.day, reasons: [REASONS.lateData] });
  }
  return { target, days: plan.map((p) => p.day), plan, states, lookbackDays: config.lookbackDays };
}

/** The plan of a run for one given day (`streamlake batch run --date D`): that day only, nothing looked up. */
export function planRequested(date: unknown, lookbackDays: number): Plan {
  const day = calendarDay(date);
  return {
    target: day,
    days: [day],
    plan: [{ day, reasons: [REASONS.requested] }],
    states: [],
    lookbackDays,
  };
}
