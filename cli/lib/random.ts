/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so that a seed reproduces a workload exactly,
 * on any machine and Node version (Math.random cannot be seeded).
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function seededRandom(seed: number): Random {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const rng = {
    next(): number {
      const t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = ((c << 21) | (c >>> 11)) >>> 0;
      c = (c + t) >>> 0;
      return t / 4294967296;
    },
  };
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

/** Integer in [min, max] inclusive. */
export function randomInt(rng: Random, min: number, max: number): number {
  return min + Math.floor(rng.next() * (max - min + 1));
}

export function pick<T>(rng: Random, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)]!;
}

/** Picks a key of `weights` with probability proportional to its weight. */
export function weighted<K extends string>(rng: Random, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = rng.next() * total;
  for (const [k, w] of entries) {
    x -= w;
    if (x < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

/** A random (version 4 layout) UUID drawn from `rng`, so it is reproducible for a seed. */
export function randomUuid(rng: Random): string {
  const hex: string[] = [];
  for (let i = 0; i < 32; i++) hex.push(Math.floor(rng.next() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Exponential variate with the given mean (inter-arrival times of a Poisson process). */
export function exponential(rng: Random, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

/**
 * Zipf-like sampler over ranks 1..n (P(k) ∝ 1/k^s): a few matches/streams take most of the audience.
 * Precomputes the CDF once; a draw is a binary search.
 */
export class Zipf {
  private readonly cdf: number[];
  constructor(
    readonly n: number,
    readonly exponent: number,
  ) {
    let total = 0;
    const raw: number[] = [];
    for (let k = 1; k <= n; k++) {
      total += 1 / k ** exponent;
      raw.push(total);
    }
    this.cdf = raw.map((v) => v / total);
  }

  /** A rank in 0..n-1 (0 = most popular). */
  sample(rng: Random): number {
    const x = rng.next();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  probability(rank: number): number {
    return this.cdf[rank]! - (rank === 0 ? 0 : this.cdf[rank - 1]!);
  }
}
