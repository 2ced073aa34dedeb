/** Time as the producer and pollers see it; injected so tests never really wait. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock whose sleep returns at once and moves time forward: for tests and simulations. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private t = 0) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
  }
}

/**
 * Token bucket: `ratePerSecond` tokens a second, holding at most `capacity` (the allowed burst).
 * `take()` waits (through the clock) until a token is available.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly ratePerSecond: number,
    private readonly clock: Clock,
    readonly capacity = Math.max(1, ratePerSecond),
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
      throw new RangeError(`rate must be a positive number, got ${ratePerSecond}`);
    this.tokens = Math.min(1, capacity);
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }

  tryTake(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  async take(): Promise<void> {
    while (!this.tryTake()) await this.clock.sleep(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015):
 * sleep = random(0, min(cap, base · 2^attempt)). Spreads retries of many producers so they do not
 * hit a throttled shard in lockstep.
 */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number,
): number {
  return random() * Math.min(capMs, baseMs * 2 ** attempt);
}
