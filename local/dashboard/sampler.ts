/**
 * Samples the running pipeline about once a second (counters and lag) and every few seconds (dead letters), keeps the
 * last samples, and assembles the dashboard's state on request (the views of the selected content are read from
 * DynamoDB then, at most once a second). Every source is a function, so a test can drive it with known answers.
 * A source that fails is reported in the state's `errors`, not thrown: the page keeps showing the rest.
 */
import type { Aggregate } from '../reference';
import {
  type CounterSample,
  type DashboardState,
  type DeadLetterCount,
  type EsmShardLag,
  esmLag,
  type FlinkLag,
  type Lag,
  type MinuteSeries,
  minuteSeries,
  throughput,
} from './state';

export interface ContentChoice {
  readonly contentId: string;
  readonly type: string;
  /** Events of the reference (its total over the run), to rank the choices. */
  readonly count: number;
}

/** Where the dashboard reads from; local/dashboard/sources.ts builds it from the pipeline's objects. */
export interface DashboardSources {
  readonly architecture: string;
  readonly speedEngine: string;
  components(): Record<string, string>;
  phase(): string;
  /** Records the stream accepted so far. */
  produced(): number;
  /** Records in the raw bucket so far; undefined when the variant has no archive. */
  archived(): number | undefined;
  esmLag?(): Promise<EsmShardLag[]>;
  flinkLag?(): Promise<FlinkLag>;
  deadLetters(): Promise<DeadLetterCount[]>;
  /** The views to show beside the reference, by view name (the partition key's first part) and label. */
  readonly views: readonly { readonly name: string; readonly label: string }[];
  readMinutes(view: string, contentId: string, type: string): Promise<Aggregate[]>;
  reference(contentId: string, type: string): Aggregate[];
  readonly choices: readonly ContentChoice[];
}

export interface SamplerOptions {
  /** @default 1000 */
  readonly intervalMs?: number;
  /** Dead letters are read every this many samples. @default 3 */
  readonly deadLetterEvery?: number;
  /** Counter samples kept (the chart's time span). @default 900 */
  readonly keep?: number;
}

export class DashboardSampler {
  private readonly samples: CounterSample[] = [];
  private lag: Lag = {};
  private deadLetters: DeadLetterCount[] = [];
  private errors = new Map<string, string>();
  private sampleMs = 0;
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly minuteCache = new Map<string, { atMs: number; value: Promise<MinuteSeries> }>();

  constructor(
    private readonly src: DashboardSources,
    private readonly o: SamplerOptions = {},
  ) {}

  /** Takes a first sample, then one every interval (never two at once: a slow sample delays the next). */
  async start(): Promise<void> {
    await this.sample();
    const every = this.o.intervalMs ?? 1000;
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.sample());
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async attempt<T>(name: string, f: () => Promise<T>): Promise<T | undefined> {
    try {
      const v = await f();
      this.errors.delete(name);
      return v;
    } catch (e) {
      this.errors.set(name, `${name}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** One sample: counters, lag, and every few samples the dead letters. */
  async sample(): Promise<void> {
    const started = Date.now();
    const s: CounterSample = {
      atMs: started,
      produced: this.src.produced(),
      archived: this.src.archived(),
    };
    const prev = this.samples[this.samples.length - 1];
    if (!prev || s.atMs > prev.atMs) this.samples.push(s);
    const keep = this.o.keep ?? 900;
    if (this.samples.length > keep) this.samples.splice(0, this.samples.length - keep);
    const readDeadLetters = this.ticks % (this.o.deadLetterEvery ?? 3) === 0;
    const [esm, flink, dl] = await Promise.all([
      this.src.esmLag
        ? this.attempt('esm lag', async () => esmLag(await (this.src.esmLag?.() ?? [])))
        : undefined,
      this.src.flinkLag
        ? this.attempt('flink lag', () => this.src.flinkLag?.() as Promise<FlinkLag>)
        : undefined,
      readDeadLetters ? this.attempt('dead letters', () => this.src.deadLetters()) : undefined,
    ]);
    this.lag = {
      esm: esm ?? this.lag.esm,
      esmAtMs: esm ? started : this.lag.esmAtMs,
      flink: flink ?? this.lag.flink,
      flinkAtMs: flink ? started : this.lag.flinkAtMs,
    };
    if (dl) this.deadLetters = dl;
    this.ticks += 1;
    this.sampleMs = Date.now() - started;
  }

  /** The selected content's minutes; read from the views at most once a second per content. */
  private minutes(contentId: string, type: string): Promise<MinuteSeries> {
    const key = `${contentId}\u0000${type}`;
    const hit = this.minuteCache.get(key);
    if (hit && Date.now() - hit.atMs < (this.o.intervalMs ?? 1000)) return hit.value;
    const value = (async () => {
      const rows = await Promise.all(
        this.src.views.map(async (v) => ({
          ...v,
          rows: await this.src.readMinutes(v.name, contentId, type),
        })),
      );
      return minuteSeries(contentId, type, this.src.reference(contentId, type), rows);
    })();
    value.catch(() => this.minuteCache.delete(key));
    this.minuteCache.set(key, { atMs: Date.now(), value });
    return value;
  }

  /** The state for the page; the selected content defaults to the first choice (the reference's largest). */
  async state(selected?: { contentId?: string; type?: string }): Promise<DashboardState> {
    const first = this.src.choices[0];
    const contentId = selected?.contentId || first?.contentId;
    const type = selected?.type || first?.type;
    const minutes =
      contentId && type ? await this.attempt('views', () => this.minutes(contentId, type)) : undefined;
    // A counter that went back is a bug to see, not a reason to lose the page: empty chart, the error listed.
    const tp = (await this.attempt('counters', async () => throughput(this.samples))) ?? throughput([]);
    return {
      architecture: this.src.architecture,
      speedEngine: this.src.speedEngine,
      components: this.src.components(),
      phase: this.src.phase(),
      atMs: Date.now(),
      throughput: tp,
      lag: this.lag,
      choices: [...this.src.choices],
      minutes,
      deadLetters: this.deadLetters,
      sampleMs: this.sampleMs,
      errors: [...this.errors.values()],
    };
  }
}
