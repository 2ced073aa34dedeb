/** UTC bucket arithmetic on the contract's bucket strings (`yyyy-MM-ddTHH:mm` minutes, `yyyy-MM-dd` days). */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** `yyyy-MM-ddTHH:mm` of the minute containing the instant. */
export function minuteOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 16);
}

/** `yyyy-MM-dd` of the day containing the instant. */
export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Start of a day bucket, epoch ms. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** Start of a minute bucket, epoch ms. */
export function minuteStart(minute: string): number {
  return Date.parse(`${minute}:00.000Z`);
}

export function nextDay(day: string): string {
  return dayOf(dayStart(day) + DAY_MS);
}

/** Every day bucket from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = dayStart(from); t <= dayStart(to); t += DAY_MS) days.push(dayOf(t));
  return days;
}
