/**
 * Where the run's output goes: the console shows phases, progress and the report; everything else (the in-process
 * handlers' Powertools logs and metrics, the emulators', Flink's and Spark's output, Node warnings) goes to files under
 * `<work folder>/logs/`, which the report names.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The log files of one run: name → path, in the order they were opened. */
export class LogFiles {
  readonly dir: string;
  private readonly streams = new Map<string, WriteStream>();
  readonly files: Record<string, string> = {};

  constructor(workDir: string) {
    this.dir = join(workDir, 'logs');
    mkdirSync(this.dir, { recursive: true });
  }

  /** Registers a file written by a child process (which opens it itself); returns its path. */
  path(name: string, file = `${name}.log`): string {
    const p = join(this.dir, file);
    this.files[name] ??= p;
    return p;
  }

  /** An append stream to `<name>.log`, opened once. */
  stream(name: string): WriteStream {
    let s = this.streams.get(name);
    if (!s) {
      s = createWriteStream(this.path(name), { flags: 'a' });
      this.streams.set(name, s);
    }
    return s;
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => new Promise<void>((r) => s.end(() => r()))));
    this.streams.clear();
  }
}

/** A Powertools Logger that writes its JSON lines to a file instead of stdout (same format as in Lambda). */
export class FileLogger extends Logger {
  constructor(
    private readonly out: WriteStream,
    serviceName: string,
  ) {
    super({ serviceName, logLevel: 'INFO' });
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    this.out.write(`${JSON.stringify(log.getAttributes())}\n`);
  }
}

/** Powertools Metrics whose EMF documents go to a file instead of stdout. */
export class FileMetrics extends Metrics {
  private coldStartPending = true;

  constructor(
    private readonly out: WriteStream,
    namespace: string,
    serviceName: string,
    logger: FileLogger,
  ) {
    super({ namespace, serviceName, logger });
  }

  override captureColdStartMetric(): void {
    if (!this.coldStartPending) return;
    this.coldStartPending = false;
    this.addMetric('ColdStart', MetricUnit.Count, 1);
  }

  override publishStoredMetrics(): this {
    try {
      if (this.hasStoredMetrics()) this.out.write(`${JSON.stringify(this.serializeMetrics())}\n`);
    } finally {
      this.clearMetrics();
      this.clearDimensions();
      this.clearMetadata();
    }
    return this;
  }
}

/** The console of a run: phase lines with the elapsed time, progress lines, and a copy of both in `runtime.log`. */
export class RunConsole {
  private readonly started = Date.now();
  private phaseStarted = Date.now();
  readonly phases: { name: string; ms: number }[] = [];

  constructor(
    private readonly print: (line: string) => void,
    private readonly file?: WriteStream,
  ) {}

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)} s`;
  }

  /** A line for the console (and the runtime log). */
  line(text: string): void {
    this.print(text);
    this.file?.write(`[${this.elapsed()}] ${text}\n`);
  }

  /** Only in the runtime log. */
  detail(text: string): void {
    this.file?.write(`[${this.elapsed()}] ${text}\n`);
  }

  /** Ends the current phase: prints `[  12.3 s] name (4.5 s): detail` and records its duration under `name`. */
  phase(name: string, detail?: string): void {
    const now = Date.now();
    const ms = now - this.phaseStarted;
    this.phases.push({ name, ms });
    this.phaseStarted = now;
    const text = `${name} (${(ms / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`;
    this.print(`[${this.elapsed()}] ${text}`);
    this.file?.write(`[${this.elapsed()}] ${text}\n`);
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }
}
