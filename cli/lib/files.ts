/**
 * Files the CLI writes (records, ground truth, unsent records): opened or checked before anything is generated or
 * sent, so a bad path is a usage error (exit 2) and not a crash half-way through; written line by line with
 * backpressure; and a closed pipe (`--out - | head`) ends the output quietly.
 */
import { accessSync, constants, createWriteStream, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors';

/** Where unsent records go unless `--unsent-file` says otherwise (git-ignored in this repository). */
export const UNSENT_DIR = join('.streamlake', 'unsent');

/** A line-oriented output: file or stdout. `write` resolves false once the reader has gone (EPIPE). */
export class LineSink {
  private failure: NodeJS.ErrnoException | undefined;

  constructor(
    readonly path: string,
    private readonly stream: NodeJS.WritableStream,
    private readonly owned: boolean,
  ) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      this.failure = e;
    });
  }

  /** True once the reader closed the pipe: stop producing output, quietly. */
  get closed(): boolean {
    return this.failure?.code === 'EPIPE';
  }

  async write(data: Uint8Array | string): Promise<boolean> {
    this.check();
    if (this.closed) return false;
    const wroteData = this.stream.write(data);
    const wroteNewline = this.stream.write('\n');
    if (!wroteData || !wroteNewline)
      await new Promise<void>((r) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          r();
        };
        this.stream.once('drain', done);
        this.stream.once('error', done);
      });
    this.check();
    return !this.closed;
  }

  async close(): Promise<void> {
    this.check();
    if (!this.owned || this.closed) return;
    await new Promise<void>((res, rej) => this.stream.end(() => (this.failure ? rej(this.failure) : res())));
  }

  private check(): void {
    if (this.failure && !this.closed)
      throw new UsageError(`cannot write ${this.path}: ${this.failure.code ?? this.failure.message}`);
  }
}

/**
 * Opens `path` for writing now (truncating it), or `-` for stdout. A missing folder, a folder given as a file or a
 * read-only place is a UsageError naming the option.
 */
export function openOutput(path: string, option: string, stdout: NodeJS.WritableStream): LineSink {
  if (path === '-') return new LineSink('stdout', stdout, false);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new UsageError(`${option} ${path}: cannot write it (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return new LineSink(path, createWriteStream('', { fd }), true);
}

/**
 * Checks, without creating anything, that a file can later be written at `path`: its folder exists and is writable,
 * or the nearest existing parent is (the folder is then created when the file is written).
 */
export function checkWritableLater(path: string, option: string): void {
  let dir = dirname(resolve(path));
  for (;;) {
    try {
      if (!statSync(dir).isDirectory()) throw Object.assign(new Error(dir), { code: 'ENOTDIR' });
      accessSync(dir, constants.W_OK);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || dirname(dir) === dir)
        throw new UsageError(`${option} ${path}: cannot write there (${dir}: ${code})`);
      dir = dirname(dir);
    }
  }
}

/** Writes lines to `path`, creating its folder. */
export async function writeLines(path: string, lines: Iterable<Uint8Array | string>): Promise<void> {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const sink = openOutput(path, 'unsent records', process.stdout);
  for (const line of lines) await sink.write(line);
  await sink.close();
}
