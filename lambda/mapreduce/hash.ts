/**
 * The hash Spark uses to place a row in a shuffle partition: Murmur3 x86 32-bit with seed 42, applied column after
 * column (each column's hash seeds the next), then `pmod(hash, partitions)` (`HashPartitioning`,
 * `Murmur3Hash`/`Murmur3_x86_32.hashUnsafeBytes` in Spark 3.5). Using Spark's function rather than any hash means the
 * MapReduce engine's round-1 reducer p holds exactly the events of the Spark job's curated file p
 * (`repartition(files, "event_id")`), so the two engines' curated files can be compared file by file.
 *
 * Spark's string hash is not standard Murmur3: the last 1-3 bytes are mixed in one at a time, each as a signed
 * byte, instead of packed into one word. Keys here are ASCII (the contract's patterns), but the function hashes the
 * UTF-8 bytes so any string gives Spark's answer.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Spark's default seed for `hash()` and hash partitioning. */
export const SPARK_HASH_SEED = 42;

function mixK1(k: number): number {
  let k1 = Math.imul(k, C1);
  k1 = (k1 << 15) | (k1 >>> 17);
  return Math.imul(k1, C2);
}

function mixH1(h: number, k1: number): number {
  let h1 = h ^ k1;
  h1 = (h1 << 13) | (h1 >>> 19);
  return (Math.imul(h1, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  let h1 = h ^ length;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 | 0;
}

/** Spark's `Murmur3_x86_32.hashUnsafeBytes` over `bytes`. */
export function hashBytes(bytes: Uint8Array, seed: number): number {
  const n = bytes.length;
  const aligned = n - (n % 4);
  let h1 = seed | 0;
  for (let i = 0; i < aligned; i += 4) {
    const word = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    h1 = mixH1(h1, mixK1(word));
  }
  for (let i = aligned; i < n; i++) {
    const signed = (bytes[i] << 24) >> 24;
    h1 = mixH1(h1, mixK1(signed));
  }
  return fmix(h1, n);
}

const scratch = new Uint8Array(1024);
const encoder = new TextEncoder();

/** Spark's hash of one string column (its UTF-8 bytes), seeded by the previous column's hash. */
export function hashString(s: string, seed: number): number {
  // ASCII fast path: most keys are short ASCII, so no allocation.
  if (s.length <= scratch.length) {
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      scratch[i] = c;
    }
    if (ascii) return hashBytes(scratch.subarray(0, s.length), seed);
  }
  return hashBytes(encoder.encode(s), seed);
}

/** `hash(col1, col2, …)` as Spark computes it for string columns (seed 42, chained). */
export function sparkHash(...columns: readonly string[]): number {
  let h = SPARK_HASH_SEED;
  for (const c of columns) h = hashString(c, h);
  return h;
}

/** The shuffle partition Spark's `HashPartitioning` gives these string columns: `pmod(hash, partitions)`. */
export function partitionOf(partitions: number, ...columns: readonly string[]): number {
  const h = sparkHash(...columns);
  return ((h % partitions) + partitions) % partitions;
}
