/**
 * How to move a deployed variant to another one, derived from the synthesized templates alone: which stacks the new
 * variant no longer has (they must be destroyed), whether a kept stack would delete an export that a stack still
 * deployed imports (CloudFormation refuses that update), and what a destroy leaves behind (DeletionPolicy Retain).
 */
export interface CfnTemplate {
  readonly Resources?: Record<string, { Type: string; DeletionPolicy?: string }>;
  readonly Outputs?: Record<string, { Export?: { Name?: unknown } }>;
}

/** One variant: its templates by stack name. */
export type Variant = Readonly<Record<string, CfnTemplate>>;

export interface SwitchPlan {
  /** Stacks of the old variant that the new one does not have; destroyed before the new variant is deployed. */
  readonly destroyFirst: string[];
  /**
   * Exports whose removal blocks the deploy while `destroyFirst` still exists: export name → the stacks importing it.
   * These are why `destroyFirst` must go before the deploy, not after.
   */
  readonly blockedUntilDestroyed: Record<string, string[]>;
  /**
   * Exports a kept stack drops that another kept stack (still on the old template while the deploy runs) imports:
   * `cdk deploy --all` updates exporters first, so these would fail. Must be empty for the two-step procedure.
   */
  readonly blockedDuringDeploy: Record<string, string[]>;
  /** Resources the destroy (or the update of a kept stack) leaves in the account: `stack: Type (logical ID)`. */
  readonly leftBehind: string[];
}

export function exportsOf(t: CfnTemplate): Set<string> {
  return new Set(
    Object.values(t.Outputs ?? {})
      .map((o) => o.Export?.Name)
      .filter((n): n is string => typeof n === 'string'),
  );
}

export function importsOf(t: CfnTemplate): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'Fn::ImportValue' && typeof x === 'string') found.add(x);
        else walk(x);
      }
  };
  walk(t);
  return found;
}

function importers(variant: Variant, names: readonly string[], exportName: string): string[] {
  return names.filter((n) => importsOf(variant[n]!).has(exportName));
}

export function switchPlan(from: Variant, to: Variant): SwitchPlan {
  const kept = Object.keys(from).filter((n) => n in to);
  const destroyFirst = Object.keys(from)
    .filter((n) => !(n in to))
    .sort();
  const blockedUntilDestroyed: Record<string, string[]> = {};
  const blockedDuringDeploy: Record<string, string[]> = {};
  for (const name of kept) {
    const removed = [...exportsOf(from[name]!)].filter((e) => !exportsOf(to[name]!).has(e));
    for (const e of removed) {
      const byDestroyed = importers(from, destroyFirst, e);
      const byKept = importers(from, kept, e).filter((n) => !importsOf(to[n]!).has(e));
      if (byDestroyed.length > 0) blockedUntilDestroyed[e] = byDestroyed;
      // A kept stack that still imports it in the new variant keeps the export alive: no conflict.
      if (byKept.length > 0) blockedDuringDeploy[e] = byKept;
    }
  }
  const retained = (stack: string, ids: string[]) =>
    ids
      .filter((id) => from[stack]!.Resources?.[id]?.DeletionPolicy === 'Retain')
      .map((id) => `${stack}: ${from[stack]!.Resources![id]!.Type} (${id})`);
  const leftBehind = [
    ...destroyFirst.flatMap((s) => retained(s, Object.keys(from[s]!.Resources ?? {}))),
    ...kept.flatMap((s) =>
      retained(
        s,
        Object.keys(from[s]!.Resources ?? {}).filter((id) => !(id in (to[s]!.Resources ?? {}))),
      ),
    ),
  ].sort();
  return { destroyFirst, blockedUntilDestroyed, blockedDuringDeploy, leftBehind };
}
