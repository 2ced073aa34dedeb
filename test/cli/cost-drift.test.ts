/**
 * The cost model's structural inputs against what the stacks really deploy. The model reads the config (lib/config)
 * and cli/lib/cost-inventory.json, an inventory of the synthesized templates; here the app is synthesized afresh:
 * - the committed inventory must equal a fresh one (regenerate with STREAMLAKE_UPDATE_COST_INVENTORY=1),
 * - what the model reads from the config must be what the templates contain (instance counts, ESM settings,
 *   retention, buffering, lifecycle days…),
 * - every resource type of every variant must be priced or listed with its reason, and each priced one must produce
 *   lines.
 */
import { writeFileSync } from 'node:fs';
import { estimate } from '../../cli/lib/cost';
import { RESOURCE_COVERAGE } from '../../cli/lib/cost-coverage';
import { costConfig, driftBetween, inputsFromConfig, stackKeys } from '../../cli/lib/cost-inputs';
import { INVENTORY_PATH, loadInventory } from '../../cli/lib/cost-inventory';
import { loadPricing } from '../../cli/lib/cost-prices';
import { parseConfig } from '../../lib/config';
import { CDK_JSON_CONTEXT } from '../support/app';
import {
  COST_INVENTORY_VARIANTS,
  type SynthesizedInventory,
  synthesizeInventory,
} from '../support/cost-inventory';

let fresh: SynthesizedInventory;
beforeAll(() => {
  fresh = synthesizeInventory();
  if (process.env['STREAMLAKE_UPDATE_COST_INVENTORY'] === '1')
    writeFileSync(INVENTORY_PATH, `${JSON.stringify(fresh.inventory, null, 2)}\n`);
});

const configOf = (context: Record<string, string>) => parseConfig({ ...CDK_JSON_CONTEXT, ...context });

test('cli/lib/cost-inventory.json is what the templates contain (else: STREAMLAKE_UPDATE_COST_INVENTORY=1 npx jest test/cli/cost-drift.test.ts --selectProjects unit)', () => {
  expect(loadInventory()).toEqual(fresh.inventory);
});

test.each(Object.keys(COST_INVENTORY_VARIANTS))(
  '%s: the model selects exactly the stacks the app builds',
  (name) => {
    const { keys, layers } = fresh.selections[name]!;
    expect(keys.map((k) => k.split('@')[0])).toEqual(layers);
  },
);

test.each(Object.entries(COST_INVENTORY_VARIANTS))(
  '%s: what the model reads from the config is what the templates deploy',
  (_name, context) => {
    expect(driftBetween(inputsFromConfig(configOf(context), fresh.inventory))).toEqual([]);
  },
);

test('the drift check fails when the config says something the templates do not', () => {
  const inputs = inputsFromConfig(configOf({ architecture: 'lambda' }), fresh.inventory);
  const drift = driftBetween({
    ...inputs,
    consumer: { ...inputs.consumer, batchSize: 500, tumblingWindowSeconds: 60 },
    emr: { ...inputs.emr, coreInstances: 3 },
    lifecycle: { ...inputs.lifecycle, rawDeepArchiveDays: 400 },
  });
  expect(drift).toEqual([
    expect.stringMatching(
      /^consumer event source mapping: config .*"batchSize":500.*template .*"batchSize":1000/,
    ),
    'EMR core units: config 3, template 2',
    'EMR maximum units: config 11, template 10',
    expect.stringMatching(/^raw lifecycle: config .*400.*template .*365/),
  ]);
});

test('the model reads its inputs from cdk.json and -c overrides, and refuses what cdk would refuse', () => {
  const inputs = inputsFromConfig(
    costConfig(['architecture=lambda', 'consumerBatchSize=250']),
    loadInventory(),
  );
  expect(inputs.consumer.batchSize).toBe(250);
  expect(stackKeys(costConfig(['architecture=lambda', 'egress=nat']))).toContain('Batch@nat');
  expect(() => costConfig(['consumerBatchSize=0'])).toThrow(/consumerBatchSize: '0' is not a whole number/);
  expect(() => costConfig(['target=localstack'])).toThrow(/cost prices an AWS deployment/);
  expect(() => costConfig(['consumerBatchSize'])).toThrow(/give key=value/);
});

test.each(Object.entries(COST_INVENTORY_VARIANTS))(
  '%s: every resource type is priced or listed with a reason, and priced ones produce lines',
  (name, context) => {
    const types = [...fresh.types[name]!];
    expect(types.filter((t) => RESOURCE_COVERAGE[t] === undefined)).toEqual([]);
    const e = estimate(
      configOf(context),
      { eventsPerSecond: 1000, eventBytes: 300, month: 12 },
      { pricing: loadPricing('us-east-1'), inventory: fresh.inventory },
    );
    const services = new Set(e.items.map((i) => i.service));
    for (const t of types) {
      const c = RESOURCE_COVERAGE[t]!;
      if ('priced' in c) expect([t, c.priced.some((s) => services.has(s))]).toEqual([t, true]);
    }
  },
);

test('every EMR instance type of the fleets has an EC2 and an EMR price', () => {
  const pricing = loadPricing('us-east-1');
  const types = Object.values(fresh.inventory.stacks)
    .flatMap((s) => s.stateMachines)
    .flatMap((m) => (m.emr ? [m.emr.primary, m.emr.core, ...(m.emr.task ? [m.emr.task] : [])] : []))
    .flatMap((f) => f.instanceTypes);
  expect(types.length).toBeGreaterThan(0);
  for (const t of types)
    expect([t, pricing.prices[`ec2.${t}`]?.usd, pricing.prices[`emr.${t}`]?.usd]).toEqual([
      t,
      expect.any(Number),
      expect.any(Number),
    ]);
});
