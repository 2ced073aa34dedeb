/** Parsers for option values: each failure is a UsageError (exit 2) naming the option and the value. */
import { UsageError } from './errors';

export function positiveNumber(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new UsageError(`${option} must be a positive number, got '${value}'`);
    return n;
  };
}

export function positiveInt(option: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
      throw new UsageError(`${option} must be a positive whole number, got '${value}'`);
    return Number(value);
  };
}

export function nonNegativeInt(option: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()))
      throw new UsageError(`${option} must be a whole number ≥ 0, got '${value}'`);
    return Number(value);
  };
}

export function fraction(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
      throw new UsageError(`${option} must be a fraction from 0 to 1, got '${value}'`);
    return n;
  };
}

/** `90`, `90s`, `15m`, `2h` → milliseconds. */
export function duration(option: string) {
  return (value: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
    if (!m || Number(m[1]) <= 0)
      throw new UsageError(`${option} must be a positive duration like 90s, 15m or 2h, got '${value}'`);
    return (
      Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
    );
  };
}

export function oneOf<T extends string>(option: string, values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value))
      throw new UsageError(`${option} must be one of ${values.join(', ')}, got '${value}'`);
    return value as T;
  };
}
