import { PassThrough } from 'node:stream';
import type { CliContext } from '../../cli/commands/context';
import { type Clock, FakeClock } from '../../cli/lib/clock';

export interface TestContext extends CliContext {
  /** Lines given to `out`. */
  readonly lines: string[];
  /** Lines given to `err`, and what went to the stderr stream. */
  readonly errors: string[];
  /** Bytes written to the stdout stream (`--out -`). */
  readonly stdoutText: () => string;
  /** Simulates Ctrl-C: calls the handlers registered at that moment. */
  readonly interrupt: () => void;
}

/** A context that records everything and never touches the process's streams or signals. */
export function testContext(
  clock: Clock = new FakeClock(Date.parse('2026-11-23T12:00:00.000Z')),
): TestContext {
  const lines: string[] = [];
  const errors: string[] = [];
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const handlers = new Set<() => void>();
  return {
    lines,
    errors,
    out: (t) => lines.push(t),
    err: (t) => errors.push(t),
    stderr: { write: (s: string) => errors.push(s), isTTY: false } as unknown as NodeJS.WriteStream,
    recordsOut: stdout,
    stdoutText: () => Buffer.concat(chunks).toString('latin1'),
    clock,
    fetch,
    onInterrupt: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    interrupt: () => {
      for (const h of [...handlers]) h();
    },
  };
}
