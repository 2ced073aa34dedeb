/**
 * The batch layer's engines, each a pluggable line group. EMR today: the daily transient cluster of
 * lib/constructs/batch/spark-batch-job.ts, priced as the fleets in the template really are (primary and core
 * on-demand at the lowest-price type, Spot task units at the pool's price less the Spot discount, the EMR uplift on
 * every node, EBS), for as long as the day's events take at a measured throughput.
 *
 * To add an engine (the MapReduce engine on Lambda + Step Functions, for example): add its id to BatchEngineId in
 * cost-inputs.ts and have inputsFromConfig pick it from the config; add its Batch@<engine>-<egress> stack key to
 * stackKeys and a variant that synthesizes it to test/support/cost-inventory.ts; write a BatchEngine whose `lines`
 * prices its compute from the inventory and the load; register it in BATCH_ENGINES. The batch view's writes, the
 * lake's zones, Step Functions transitions and the network are priced outside the engine and follow by themselves.
 */

import { MAPREDUCE_ENGINE } from './cost-batch-mapreduce';
import { all, type BatchEngineId } from './cost-inputs';
import type { EmrFleetInventory } from './cost-inventory';
import { expectedDistinct } from './cost-keys';
import { type CostContext, DAYS_PER_MONTH, n } from './cost-model';
import { workloadKeys } from './cost-stream';

export interface BatchEngine {
  readonly id: BatchEngineId;
  readonly title: string;
  /** Adds the engine's compute lines for the priced month. */
  readonly lines: (ctx: CostContext) => void;
}

/** vCPUs of an EC2 size: large 2, xlarge 4, Nxlarge 4N (the general, compute and memory families). */
export function vcpusOf(instanceType: string): number {
  const size = instanceType.split('.')[1] ?? '';
  if (size === 'medium') return 1;
  if (size === 'large') return 2;
  const m = /^(\d*)xlarge$/.exec(size);
  if (!m) throw new Error(`unknown instance size in ${instanceType}`);
  return 4 * (m[1] ? Number(m[1]) : 1);
}

interface FleetPrice {
  readonly label: string;
  readonly ec2: number;
  readonly emr: number;
  readonly vcpus: number;
  readonly how: string;
}

/** On-demand lowest-price fleets launch the cheapest type; Spot fleets are priced at the mean of their pool. */
function fleetPrice(ctx: CostContext, fleet: EmrFleetInventory, spot: boolean): FleetPrice {
  const types = fleet.instanceTypes.map((t) => ({
    type: t,
    ec2: ctx.prices.get(`ec2.${t}`).usd,
    emr: ctx.prices.get(`emr.${t}`).usd,
    vcpus: vcpusOf(t),
  }));
  if (!spot) {
    const cheapest = [...types].sort((a, b) => a.ec2 - b.ec2)[0]!;
    return {
      label: cheapest.type,
      ec2: cheapest.ec2,
      emr: cheapest.emr,
      vcpus: cheapest.vcpus,
      how: `${fleet.allocation ?? 'on-demand'} among ${fleet.instanceTypes.join(', ')}`,
    };
  }
  const mean = (f: (x: (typeof types)[number]) => number) =>
    types.reduce((s, x) => s + f(x), 0) / types.length;
  const discount = ctx.a('emrSpotDiscount');
  return {
    label: `Spot (${fleet.instanceTypes.length} types)`,
    ec2: mean((x) => x.ec2) * (1 - discount),
    emr: mean((x) => x.emr),
    vcpus: Math.round(mean((x) => x.vcpus)),
    how: `mean on-demand $${mean((x) => x.ec2).toFixed(4)}/h × (1 − ${discount}) Spot`,
  };
}

export const EMR_ENGINE: BatchEngine = {
  id: 'emr',
  title: 'Spark on a transient EMR cluster',
  lines(ctx) {
    const machine = all(ctx.inputs, 'stateMachines').find((m) => m.emr);
    const emr = machine?.emr;
    if (!emr) throw new Error('the batch stack has no state machine that creates an EMR cluster');
    const primary = fleetPrice(ctx, emr.primary, false);
    const core = fleetPrice(ctx, emr.core, false);
    const coreUnits = ctx.inputs.emr.coreInstances;
    const maxTask = ctx.inputs.emr.taskSpotMaxUnits;
    const task = emr.task ? fleetPrice(ctx, emr.task, true) : null;

    // The day's work at the measured throughput; managed scaling adds Spot task units (the fleet starts with its
    // target) until the work fits the scaling target, up to the configured maximum.
    const eventsPerDay = ctx.R * 86_400;
    const vcpuSeconds = eventsPerDay / ctx.a('sparkRowsPerVcpuSecond');
    const wantVcpus = vcpuSeconds / (ctx.a('emrScaleTargetMinutes') * 60);
    const minTask = task ? Math.min(maxTask, emr.task!.spotUnits) : 0;
    const taskUnits = task
      ? Math.min(maxTask, Math.max(minTask, Math.ceil((wantVcpus - coreUnits * core.vcpus) / task.vcpus)))
      : 0;
    const vcpus = coreUnits * core.vcpus + taskUnits * (task?.vcpus ?? 0);
    const jobHours = vcpuSeconds / vcpus / 3600;
    const clusterHours = jobHours + ctx.a('emrOverheadMinutes') / 60;
    const runs = DAYS_PER_MONTH;
    // Billed per second with a one-minute minimum per node; the scaled-out units only while the job runs.
    const bill = (hours: number) => Math.max(hours, 1 / 60);
    const primaryHours = runs * bill(clusterHours);
    const coreHours = runs * coreUnits * bill(clusterHours);
    const taskHours = runs * (minTask * bill(clusterHours) + (taskUnits - minTask) * bill(jobHours));
    const uses = ['sparkRowsPerVcpuSecond', 'emrScaleTargetMinutes', 'emrOverheadMinutes'] as const;
    const perRun = `${n(runs)} runs × ${n(clusterHours, 3)} h (${n(eventsPerDay)} events ÷ ${n(ctx.a('sparkRowsPerVcpuSecond'))}/s/vCPU on ${vcpus} vCPU + ${ctx.a('emrOverheadMinutes')} min)`;
    ctx.add('EMR', `EC2 primary, 1 × ${primary.label} on-demand`, `ec2.${primary.label}`, primaryHours, {
      how: `${perRun}; ${primary.how}`,
      uses,
    });
    ctx.add('EMR', `EC2 core, ${coreUnits} × ${core.label} on-demand`, `ec2.${core.label}`, coreHours, {
      how: `${coreUnits} × ${perRun}; ${core.how}`,
      uses,
    });
    if (task && taskUnits > 0)
      ctx.add(
        'EMR',
        `EC2 task, ${taskUnits} × ${task.label}`,
        `ec2.${emr.task!.instanceTypes[0]}`,
        taskHours,
        {
          unitUsd: task.ec2,
          how: `${minTask} unit(s) for the cluster + ${taskUnits - minTask} for the job (${n(jobHours, 3)} h) × ${n(runs)} runs; ${task.how}`,
          uses: [...uses, 'emrSpotDiscount'],
        },
      );
    const upliftHours = primaryHours + coreHours + taskHours;
    const upliftUsd = primaryHours * primary.emr + coreHours * core.emr + taskHours * (task?.emr ?? 0);
    ctx.add('EMR', 'EMR uplift (every node, Spot included)', `emr.${core.label}`, upliftHours, {
      unitUsd: upliftUsd / upliftHours,
      how: `${n(primaryHours)} h × $${primary.emr} + ${n(coreHours)} h × $${core.emr}${task ? ` + ${n(taskHours)} h × $${task.emr.toFixed(4)}` : ''}`,
    });
    const ebsGbHours =
      ctx.a('emrEbsGbPerVcpu') *
      (primaryHours * primary.vcpus + coreHours * core.vcpus + taskHours * (task?.vcpus ?? 0));
    ctx.add('EMR', 'EBS volumes of the nodes (gp3)', 'ebsGp3GbMonth', ebsGbHours / 730, {
      how: `${ctx.a('emrEbsGbPerVcpu')} GiB per vCPU × node-vCPU-hours ÷ 730 h`,
      uses: ['emrEbsGbPerVcpu'],
    });
    if (emr.stepTimeoutSeconds !== null && jobHours * 3600 > emr.stepTimeoutSeconds)
      ctx.warn({
        code: 'emr-step-timeout',
        message: `the daily Spark step would run ~${n(jobHours, 1)} h on ${vcpus} vCPU, over the state machine's step timeout (${n(emr.stepTimeoutSeconds / 3600, 1)} h): every run fails; raise emrTaskSpotMaxUnits`,
        limit: {
          name: 'RunSparkJob TimeoutSeconds (template)',
          value: `${emr.stepTimeoutSeconds} s`,
          source: 'lib/constructs/batch/spark-batch-job.ts',
        },
      });
    Object.assign(ctx.derived, {
      emrJobHours: jobHours,
      emrClusterHours: clusterHours,
      emrTaskUnits: taskUnits,
      emrVcpus: vcpus,
    });
  },
};

export const BATCH_ENGINES: Record<BatchEngineId, BatchEngine> = {
  emr: EMR_ENGINE,
  mapreduce: MAPREDUCE_ENGINE,
};

/** The batch view every engine writes (lib/contracts/view-table.json): minute and day rows of the day, PUT once each. */
export function batchViewLines(ctx: CostContext): void {
  const keyP = workloadKeys(ctx);
  const minuteRows = 1440 * expectedDistinct(ctx.R * 60, keyP);
  const dayRows = expectedDistinct(ctx.R * 86_400, keyP);
  ctx.add(
    'DynamoDB',
    'batch view writes (minute + day rows, daily)',
    'dynamodbWriteRequestUnitsMillion',
    (minuteRows + dayRows + 2) * DAYS_PER_MONTH,
    {
      per: 1e6,
      how: `(${n(minuteRows)} minute rows + ${n(dayRows)} day rows + watermark and completion items) × ${n(DAYS_PER_MONTH)} days`,
      uses: ['contentIds', 'zipfExponent', 'typeWeights'],
    },
  );
  Object.assign(ctx.derived, { batchMinuteRowsPerDay: minuteRows, batchRowsPerDay: minuteRows + dayRows });
}
