import { Template } from 'aws-cdk-lib/assertions';
import { stackKeys } from '../../cli/lib/cost-inputs';
import { type Inventory, inventoryOf, type StackInventory } from '../../cli/lib/cost-inventory';
import { parseConfig } from '../../lib/config';
import { buildVariant, CDK_JSON_CONTEXT } from './app';

/**
 * The variants synthesized for the cost inventory: together they hold every stack key stackKeys() can return
 * (each egress mode of the batch network, each batch and speed engine, each architecture's serving stack).
 */
export const COST_INVENTORY_VARIANTS: Record<string, Record<string, string>> = {
  lambda: { architecture: 'lambda' },
  'lambda-flink-nat': { architecture: 'lambda', speedEngine: 'flink', egress: 'nat' },
  'lambda-mapreduce': { architecture: 'lambda', batchEngine: 'mapreduce' },
  kappa: { architecture: 'kappa' },
};

export interface SynthesizedInventory {
  readonly inventory: Inventory;
  /** Per variant: the stack keys the model selects, and the layers the app synthesized. */
  readonly selections: Record<string, { keys: string[]; layers: string[] }>;
  /** Resource types per variant. */
  readonly types: Record<string, Set<string>>;
}

/** Synthesizes the variants and reduces each stack's template to its inventory. */
export function synthesizeInventory(): SynthesizedInventory {
  const stacks: Record<string, StackInventory> = {};
  const selections: SynthesizedInventory['selections'] = {};
  const types: SynthesizedInventory['types'] = {};
  for (const [name, context] of Object.entries(COST_INVENTORY_VARIANTS)) {
    const keys = stackKeys(parseConfig({ ...CDK_JSON_CONTEXT, ...context }));
    const built = buildVariant(context);
    const layers = built.stacks.all.map((s) => s.stackName.split('-').pop()!);
    selections[name] = { keys, layers };
    types[name] = new Set();
    for (const stack of built.stacks.all) {
      const layer = stack.stackName.split('-').pop()!;
      const key = keys.find((k) => k.split('@')[0] === layer);
      const inv = inventoryOf(Template.fromStack(stack).toJSON());
      for (const t of Object.keys(inv.resourceTypes)) types[name]!.add(t);
      if (!key) throw new Error(`stackKeys() has no key for the ${layer} stack of ${name}`);
      const seen = stacks[key];
      if (seen && JSON.stringify(seen) !== JSON.stringify(inv))
        throw new Error(`the ${key} stack differs between variants: give it a variant key in stackKeys()`);
      stacks[key] = inv;
    }
  }
  const sorted = Object.fromEntries(Object.entries(stacks).sort(([a], [b]) => a.localeCompare(b)));
  return {
    inventory: {
      $comment:
        'Generated from the synthesized templates by test/cli/cost-drift.test.ts (STREAMLAKE_UPDATE_COST_INVENTORY=1 npx jest test/cli/cost-drift.test.ts); that test fails when this file and a fresh synthesis differ. Do not edit by hand.',
      stacks: sorted,
    },
    selections,
    types,
  };
}
