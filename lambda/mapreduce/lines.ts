/**
 * Splits decompressed raw objects into lines exactly as the Spark job's text source does (Hadoop's
 * `LineRecordReader`): a line ends at `\n`, `\r` or `\r\n`; the last line needs no terminator; a UTF-8 byte-order
 * mark at the very start of an object is dropped. Both batch engines must see the same lines, or a record holding a
 * bare `\r` would be one malformed line for one engine and two for the other.
 */

const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf] as const;

/** Receives each line (a view into the chunk or the carried bytes: copy it to keep it) and its 0-based number. */
export type LineSink = (line: Buffer, lineNumber: number) => void;

/** Stateful splitter for one object's decompressed chunks, in order. */
export class LineSplitter {
  private carry: Buffer | undefined;
  /** The previous chunk ended with `\r`: a `\n` at the start of the next one belongs to that terminator. */
  private pendingCr = false;
  private atStart = true;
  private next = 0;

  constructor(private readonly sink: LineSink) {}

  /** Lines emitted so far. */
  get lines(): number {
    return this.next;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    let start = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (chunk[0] === LF) start = 1;
    }
    let i = start;
    // Position of the next \r at or after i (n when none): searched again only once passed, so a chunk without
    // any \r costs one scan.
    let cr = chunk.indexOf(CR, i);
    if (cr < 0) cr = n;
    while (i < n) {
      if (cr < i) {
        cr = chunk.indexOf(CR, i);
        if (cr < 0) cr = n;
      }
      const lf = chunk.indexOf(LF, i);
      const stop = lf < 0 ? n : lf;
      if (cr < stop) {
        this.emit(chunk, start, cr);
        if (cr + 1 < n) {
          i = chunk[cr + 1] === LF ? cr + 2 : cr + 1;
        } else {
          this.pendingCr = true;
          i = n;
        }
        start = i;
        continue;
      }
      if (lf < 0) break;
      this.emit(chunk, start, lf);
      i = lf + 1;
      start = i;
    }
    if (start < n) {
      const rest = chunk.subarray(start, n);
      this.carry = this.carry ? Buffer.concat([this.carry, rest]) : Buffer.from(rest);
    }
  }

  /** Emits the last line if the object did not end with a terminator. */
  end(): void {
    if (this.carry !== undefined && this.carry.length > 0) this.deliver(this.carry);
    this.carry = undefined;
    this.pendingCr = false;
  }

  private emit(chunk: Buffer, from: number, to: number): void {
    if (this.carry !== undefined) {
      const line = Buffer.concat([this.carry, chunk.subarray(from, to)]);
      this.carry = undefined;
      this.deliver(line);
    } else {
      this.deliver(chunk.subarray(from, to));
    }
  }

  private deliver(line: Buffer): void {
    let out = line;
    if (this.atStart) {
      this.atStart = false;
      if (out.length >= 3 && out[0] === BOM[0] && out[1] === BOM[1] && out[2] === BOM[2])
        out = out.subarray(3);
    }
    this.sink(out, this.next++);
  }
}

/** Splits one whole decompressed object. */
export function splitLines(body: Buffer, sink: LineSink): number {
  const splitter = new LineSplitter(sink);
  splitter.push(body);
  splitter.end();
  return splitter.lines;
}
