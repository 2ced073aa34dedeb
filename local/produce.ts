/** The produce phase: the workload into the stream with cli/lib/producer.ts, noting when each record was accepted. */
import type { PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { GeneratedRecord } from '../cli/lib/generator';
import { type ProducerResult, produce } from '../cli/lib/producer';
import type { Deployment } from './infra';
import type { RunConsole } from './logs';

export interface ProduceOptions {
  readonly ratePerSecond: number;
  /** Filled with sequence number → when PutRecords returned it (latency measurement). */
  readonly putTimes: Map<string, number>;
  /** Called after each PutRecords call with the records accepted so far. */
  readonly onSent?: (sent: number) => void;
  /** A progress line every this many records. @default 1000 */
  readonly progressEvery?: number;
}

export async function produceWorkload(
  d: Deployment,
  records: readonly GeneratedRecord[],
  o: ProduceOptions,
  out: RunConsole,
): Promise<ProducerResult<GeneratedRecord>> {
  const kinesis = d.clients.kinesis;
  const client = {
    send: async (cmd: Parameters<typeof kinesis.send>[0]) => {
      const res = (await kinesis.send(cmd as never)) as PutRecordsCommandOutput;
      const now = Date.now();
      for (const r of res.Records ?? []) if (r.SequenceNumber) o.putTimes.set(r.SequenceNumber, now);
      return res;
    },
  } as Pick<typeof kinesis, 'send'>;
  const every = o.progressEvery ?? 1000;
  let next = every;
  return produce(records, {
    client,
    stream: d.streamName,
    ratePerSecond: o.ratePerSecond,
    onProgress: (s) => {
      if (s.sent >= next) {
        next += every;
        out.line(`  produced ${s.sent}/${records.length}`);
      }
      o.onSent?.(s.sent);
    },
  });
}
