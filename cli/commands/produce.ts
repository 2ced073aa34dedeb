import { join } from 'node:path';
import { Command, Option } from 'commander';
import { Outputs } from '../../lib/contracts/outputs';
import { parseTime } from '../lib/dates';
import { CliError, ExitCode, UsageError } from '../lib/errors';
import { checkWritableLater, type LineSink, openOutput, UNSENT_DIR, writeLines } from '../lib/files';
import { DEFAULT_FRACTIONS, type GeneratedRecord, WorkloadGenerator } from '../lib/generator';
import { describeFailure } from '../lib/network';
import { duration, fraction, nonNegativeInt, positiveInt, positiveNumber } from '../lib/options';
import { DEFAULT_MAX_ATTEMPTS, produce } from '../lib/producer';
import { ProgressBar } from '../lib/progress';
import {
  addDeploymentOptions,
  type CliContext,
  clients,
  connection,
  type DeploymentOptions,
  deployment,
  onProcessInterrupt,
} from './context';

interface ProduceOptions extends DeploymentOptions {
  count?: number;
  duration?: number;
  rate: number;
  seed: number;
  start?: string;
  late: number;
  outOfOrder: number;
  duplicates: number;
  malformed: number;
  contents: number;
  users: number;
  out?: string;
  truth?: string;
  streamName?: string;
  unsentFile?: string;
  maxAttempts: number;
  json?: boolean;
}

const DEFAULT_COUNT = 1000;

function truthLine(r: GeneratedRecord): Uint8Array {
  const { event: _event, ...t } = r.truth;
  return Buffer.from(JSON.stringify(t));
}

export function produceCommand(ctx: CliContext): Command {
  const cmd = new Command('produce')
    .description('generate the live-match workload and send it to the stream (or to a file)')
    .addOption(
      new Option('--count <n>', `events to produce (default ${DEFAULT_COUNT} unless --duration)`).argParser(
        positiveInt('--count'),
      ),
    )
    .addOption(
      new Option('--duration <time>', 'produce for this long (90s, 15m, 2h)').argParser(
        duration('--duration'),
      ),
    )
    .addOption(
      new Option('--rate <events/s>', 'send rate (token bucket) and event-time rate')
        .default(100)
        .argParser(positiveNumber('--rate')),
    )
    .addOption(
      new Option('--seed <n>', 'seed: the same seed gives the same events')
        .default(1)
        .argParser(nonNegativeInt('--seed')),
    )
    .addOption(new Option('--start <time>', 'event time of the first event (ISO or -15m); default: now'))
    .addOption(
      new Option('--late <fraction>', 'share of events 1..5 min late')
        .default(DEFAULT_FRACTIONS.late)
        .argParser(fraction('--late')),
    )
    .addOption(
      new Option('--out-of-order <fraction>', 'share of events ≤ 30 s out of order')
        .default(DEFAULT_FRACTIONS.outOfOrder)
        .argParser(fraction('--out-of-order')),
    )
    .addOption(
      new Option('--duplicates <fraction>', 'share of exact re-sends')
        .default(DEFAULT_FRACTIONS.duplicate)
        .argParser(fraction('--duplicates')),
    )
    .addOption(
      new Option('--malformed <fraction>', 'share of contract-breaking records')
        .default(DEFAULT_FRACTIONS.malformed)
        .argParser(fraction('--malformed')),
    )
    .addOption(
      new Option('--contents <n>', 'distinct content ids (Zipf popularity)')
        .default(50)
        .argParser(positiveInt('--contents')),
    )
    .addOption(
      new Option('--users <n>', 'distinct viewers').default(100_000).argParser(positiveInt('--users')),
    )
    .addOption(
      new Option(
        '--out <file>',
        'write the records to this file (one payload per line; - for stdout) instead of Kinesis',
      ),
    )
    .addOption(
      new Option(
        '--truth <file>',
        "also write each record's ground truth (kind, timing, reason) as JSON lines",
      ),
    )
    .addOption(
      new Option('--stream-name <name>', `stream name or ARN (default: the ${Outputs.streamName} output)`),
    )
    .addOption(
      new Option(
        '--unsent-file <file>',
        `where records left unsent go (after retries, on an unreachable endpoint or Ctrl-C; default ${UNSENT_DIR}/streamlake-unsent-<time>.jsonl)`,
      ),
    )
    .addOption(
      new Option('--max-attempts <n>', 'attempts per record before giving up')
        .default(DEFAULT_MAX_ATTEMPTS)
        .argParser(positiveInt('--max-attempts')),
    )
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Partition keys are eventIds, not contentIds: one live match takes most of the audience (Zipf, plus bursts on
wickets), so keying by content would pin it to one shard (1 MB/s, 1,000 records/s) while the others idle.

Examples:
  $ streamlake produce --count 10000 --rate 500                   # to the Dev stream found from CloudFormation
  $ streamlake produce --local --duration 2m                     # to the offline runtime (npm start -- --keep-running)
  $ streamlake produce --count 5000 --seed 7 --start 2026-11-20T23:40:00Z --out events.jsonl --truth truth.jsonl
  $ streamlake produce --count 100 --out - | head -n 3

Ctrl-C stops, prints the summary and writes the records not confirmed sent (exit 130); a second Ctrl-C kills.`,
    );
  addDeploymentOptions(cmd);
  cmd.action(async (o: ProduceOptions) => {
    if (o.count !== undefined && o.duration !== undefined)
      throw new UsageError('use --count or --duration, not both');
    if (o.out && o.duration !== undefined)
      throw new UsageError('--duration needs a stream; with --out use --count');
    if (o.out === '-' && o.truth === '-') throw new UsageError('--out - and --truth - cannot share stdout');
    let generator: WorkloadGenerator;
    try {
      generator = new WorkloadGenerator({
        seed: o.seed,
        startTimeMs: o.start ? parseTime(o.start, '--start', ctx.clock.now()) : ctx.clock.now(),
        ratePerSecond: o.rate,
        contentCount: o.contents,
        userCount: o.users,
        fractions: {
          late: o.late,
          outOfOrder: o.outOfOrder,
          duplicate: o.duplicates,
          malformed: o.malformed,
        },
      });
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    // Every file is opened (or checked) before anything is generated or sent: a bad path is exit 2, nothing lost.
    const out = o.out ? openOutput(o.out, '--out', ctx.recordsOut ?? process.stdout) : undefined;
    const truth = o.truth ? openOutput(o.truth, '--truth', ctx.recordsOut ?? process.stdout) : undefined;
    const unsentFile =
      o.unsentFile ??
      join(
        UNSENT_DIR,
        `streamlake-unsent-${new Date(ctx.clock.now()).toISOString().replace(/[:.]/g, '-')}.jsonl`,
      );
    if (!out) checkWritableLater(unsentFile, o.unsentFile ? '--unsent-file' : 'the unsent-records folder');
    // With records on stdout, the summary goes to stderr.
    const report = o.out === '-' || o.truth === '-' ? ctx.err : ctx.out;

    const count = o.count ?? (o.duration === undefined ? DEFAULT_COUNT : undefined);
    const counts = { events: 0, duplicates: 0, malformed: 0 };
    const mix = () =>
      `${counts.events} events, ${counts.duplicates} duplicates, ${counts.malformed} malformed`;
    const interrupt = new AbortController();
    let stopListening = () => {};
    // Until records flow, Ctrl-C keeps its default meaning (stop now): there is nothing to save yet.
    const listen = () => {
      stopListening = (ctx.onInterrupt ?? onProcessInterrupt)(() => interrupt.abort());
    };
    // Stop before generating, so the truth file lists exactly the records offered to the sink.
    const deadline = o.duration === undefined ? Number.POSITIVE_INFINITY : ctx.clock.now() + o.duration;
    let readerGone = false;
    async function* source(): AsyncGenerator<GeneratedRecord> {
      for (let n = 0; (count === undefined || n < count) && ctx.clock.now() < deadline; n++) {
        if (interrupt.signal.aborted) return;
        const r = generator.next();
        if (r.truth.kind === 'event') counts.events++;
        else if (r.truth.kind === 'duplicate') counts.duplicates++;
        else counts.malformed++;
        if (truth && !(await truth.write(truthLine(r)))) {
          readerGone = true;
          return;
        }
        yield r;
      }
    }
    const closeAll = async (...sinks: (LineSink | undefined)[]) => {
      for (const sink of sinks) await sink?.close();
    };

    try {
      if (out) {
        listen();
        let n = 0;
        for await (const r of source()) {
          if (!(await out.write(r.data))) {
            readerGone = true;
            break;
          }
          n++;
        }
        await closeAll(out, truth);
        // The reader of a pipe went away (| head): it has what it wanted; end without a word.
        if (readerGone) return;
        const summary = {
          out: out.path,
          records: n,
          seed: o.seed,
          ...counts,
          interrupted: interrupt.signal.aborted,
        };
        report(
          o.json
            ? JSON.stringify(summary, null, 2)
            : `wrote ${n} records to ${out.path} (seed ${o.seed}: ${mix()})${summary.interrupted ? ' — interrupted' : ''}`,
        );
        if (summary.interrupted) throw new CliError(`interrupted after ${n} records`, ExitCode.interrupted);
        return;
      }

      const conn = connection(o);
      const stream = o.streamName ?? (await deployment(o)).get(Outputs.streamName);
      const bar = new ProgressBar(ctx.stderr);
      const started = ctx.clock.now();
      listen();
      const result = await produce(source(), {
        client: clients.kinesisProducer(conn),
        stream,
        ratePerSecond: o.rate,
        maxAttempts: o.maxAttempts,
        clock: ctx.clock,
        signal: interrupt.signal,
        onProgress: (s) => {
          const elapsed = ctx.clock.now() - started;
          const f = count !== undefined ? (s.sent + s.failed) / count : elapsed / (o.duration ?? 1);
          const rate = elapsed > 0 ? Math.round((s.sent * 1000) / elapsed) : 0;
          bar.update(f, `${s.sent} sent, ${s.retried} retried, ${s.failed} failed, ${rate}/s`);
        },
      });
      bar.done();
      await closeAll(truth);
      const secs = result.elapsedMs / 1000;
      if (result.unsent.length > 0)
        await writeLines(
          unsentFile,
          result.unsent.map((u) => u.record.data),
        );
      const summary = {
        stream,
        sent: result.sent,
        retried: result.retried,
        failed: result.failed,
        calls: result.calls,
        throttledCalls: result.throttledCalls,
        connectionErrors: result.connectionErrors,
        bytes: result.bytes,
        elapsedMs: result.elapsedMs,
        seed: o.seed,
        ...counts,
        interrupted: result.interrupted,
        ...(result.unsent.length > 0 ? { unsentFile } : {}),
      };
      report(
        o.json
          ? JSON.stringify(summary, null, 2)
          : `stream ${stream}: sent ${result.sent}, retried ${result.retried}, failed ${result.failed} ` +
              `in ${secs.toFixed(1)} s (${secs > 0 ? Math.round(result.sent / secs) : result.sent}/s, ${result.calls} PutRecords calls, ` +
              `${result.throttledCalls} throttled, ${result.connectionErrors} without answer) — seed ${o.seed}: ${mix()}`,
      );
      const n = result.unsent.length;
      if (result.interrupted)
        throw new CliError(
          `interrupted: ${n} record(s) not sent${n > 0 ? `; written to ${unsentFile}` : ''}`,
          ExitCode.interrupted,
        );
      if (n === 0) return;
      const described = result.fatalError && describeFailure(result.fatalError);
      if (described)
        throw new CliError(
          `${described.message} ${n} record(s) not sent; written to ${unsentFile}`,
          described.exitCode,
        );
      const reason = result.fatalError
        ? `${result.fatalError.name}: ${result.fatalError.message}`
        : result.unsent[0]!.reason;
      throw new CliError(`${n} record(s) not sent (${reason}); written to ${unsentFile}`, ExitCode.failure);
    } finally {
      stopListening();
    }
  });
  return cmd;
}
