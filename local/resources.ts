/** Finding a deployed resource's local name (by stack output) and resolving a function's environment to local names. */
import type { Outputs } from '../lib/contracts/outputs';
import { isRecord, type LocalInfra, referencedLogicalId } from './templates';

/** The logical ID a stack output names, or a clear error that says which output is missing. */
export function outputTarget(infra: LocalInfra, output: (typeof Outputs)[keyof typeof Outputs]): string {
  const id = infra.outputs[output];
  if (!id)
    throw new Error(
      `no stack exports the output ${output}: the local runtime finds resources through lib/contracts/outputs.ts`,
    );
  return id;
}

/** Physical local name of the resource a stack output refers to (bucket, table, stream or queue). */
export function physicalNameFor(infra: LocalInfra, output: (typeof Outputs)[keyof typeof Outputs]): string {
  const id = outputTarget(infra, output);
  const all: { logicalId: string; name: string }[] = [
    ...infra.buckets,
    ...infra.tables,
    ...infra.streams,
    ...infra.queues,
  ];
  const hit = all.find((r) => r.logicalId === id);
  if (!hit)
    throw new Error(`output ${output} refers to ${id}, which is not a bucket, table, stream or queue`);
  return hit.name;
}

/**
 * Resolves a function's environment for a local run: literal strings stay, references to a stream, table, bucket,
 * queue or parameter become its local name (a queue its URL); anything else (ARNs of roles, keys…) is dropped.
 */
export function resolveEnvironment(
  infra: LocalInfra,
  env: Record<string, unknown>,
  queueUrls: Record<string, string>,
): Record<string, string> {
  const names = new Map<string, string>();
  for (const r of [...infra.streams, ...infra.tables, ...infra.buckets, ...infra.parameters])
    names.set(r.logicalId, r.name);
  for (const [id, url] of Object.entries(queueUrls)) names.set(id, url);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else {
      const ref = referencedLogicalId(v, infra.exports);
      if (ref && names.has(ref) && !(isRecord(v) && 'Fn::GetAtt' in v)) out[k] = names.get(ref) as string;
    }
  }
  return out;
}
