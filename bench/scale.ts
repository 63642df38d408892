/**
 * Scale and memory: the operator's RSS and JS heap, sampled every second through the whole run, while
 * it creates 1,000 / 5,000 / 10,000 / 20,000 indices (1 shard, 0 replicas each, so they fit on 3 sims
 * and in the time budget) and while a fresh operator cold-starts over all of them. The operator runs
 * as the image runs it (the esbuild bundle on plain node), since tsx's in-process compiler would
 * inflate RSS. The cold start is a full resync: list into the caches (until /readyz), then one
 * reconcile of every index (until reconcile_total reaches the count and workqueue_depth is 0).
 *
 *   BENCH_SCALE_STEPS=1000,10000 npm run bench -- scale
 *   BENCH_SCALE_HEAP_SNAPSHOT=10000 npm run bench -- scale   # heap snapshot after that step's cold start
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ScaleStep, scaleRows } from './scale-rows';
import { BundledOperator } from './support/bundled-operator';
import { ActiveTracker, BenchContext, inParallel, names, waitFor } from './support/context';
import { MemorySampler } from './support/memory-sampler';
import type { Benchmark } from './support/result';
import { metricValue, round } from './support/stats';

const STEPS = (process.env.BENCH_SCALE_STEPS ?? '1000,5000,10000,20000').split(',').map(Number);
const SNAPSHOT_AT = Number(process.env.BENCH_SCALE_HEAP_SNAPSHOT ?? NaN);
const SNAPSHOT_DIR = resolve(__dirname, 'results', 'profiles');
const CLIENT_CONCURRENCY = 32;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const scale: Benchmark = {
  name: 'scale',
  title: 'Scale and memory',
  async run(ctx: BenchContext) {
    if (STEPS.some((s, i) => !Number.isInteger(s) || s <= (STEPS[i - 1] ?? 0))) throw new Error(`Unable to run scale: BENCH_SCALE_STEPS=${STEPS.join(',')} must be increasing whole numbers, e.g. 1000,5000,10000.`);
    const cluster = await ctx.namespace('scale');
    await ctx.startSims(cluster, 3, { maxShards: Math.max(20_000, ...STEPS), heartbeatSeconds: 10 });
    const sampler = new MemorySampler(1000).start();
    const nodeArgs = Number.isFinite(SNAPSHOT_AT) ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${SNAPSHOT_DIR}`] : [];
    const startOperator = (phase: string) => BundledOperator.start(cluster.namespace, [], { nodeArgs, onSpawn: (op) => sampler.follow(target(op), phase) });
    let operator = await startOperator('idle');
    await sleep(5000);
    const idle = sampler.max('idle');
    ctx.log(`  idle operator: RSS ${idle.rssMiB} MiB, heap used ${idle.heapUsedMiB} MiB`);
    const tracker = await ActiveTracker.start(cluster);
    const timings: Array<Pick<ScaleStep, 'indices' | 'fillSeconds' | 'readySeconds' | 'resyncSeconds'>> = [];
    let have = 0;
    try {
      for (const indices of STEPS) {
        sampler.follow(target(operator), `create-${indices}`);
        const t0 = performance.now();
        await inParallel(names('idx', indices - have, have), CLIENT_CONCURRENCY, (n) => cluster.createIndex(n, 1, 0));
        await tracker.waitCount(indices, 900_000);
        const fillSeconds = (performance.now() - t0) / 1000;
        have = indices;
        sampler.sample();
        const creating = sampler.max(`create-${indices}`);
        ctx.log(`  ${indices}: all ACTIVE after ${round(fillSeconds)} s; operator RSS max ${creating.rssMiB} MiB, heap used max ${creating.heapUsedMiB} MiB`);

        // Cold full resync by a fresh operator, sampled from its spawn on (the list is the burst).
        await operator.stop();
        const t1 = performance.now();
        operator = await startOperator(`cold-${indices}`);
        const readySeconds = (performance.now() - t1) / 1000;
        await waitResynced(operator, indices);
        const resyncSeconds = (performance.now() - t1) / 1000;
        sampler.sample();
        const coldStart = sampler.max(`cold-${indices}`);
        ctx.log(`  ${indices}: fresh operator ready in ${round(readySeconds, 2)} s, every index reconciled in ${round(resyncSeconds, 2)} s; RSS max ${coldStart.rssMiB} MiB, heap used max ${coldStart.heapUsedMiB} MiB`);
        timings.push({ indices, fillSeconds, readySeconds, resyncSeconds });
        if (indices === SNAPSHOT_AT) {
          sampler.follow(undefined, 'snapshot'); // writing a snapshot doubles the heap for a while: not a sample
          ctx.log(`  heap snapshot written to ${await heapSnapshot(operator)}`);
        }
      }
      // Settled memory a little after the last cold start: part of that phase.
      await sleep(5000);
      sampler.sample();
    } finally {
      tracker.stop();
      sampler.stop();
      await operator.stop();
    }
    const steps: ScaleStep[] = timings.map((t) => ({ ...t, creating: sampler.max(`create-${t.indices}`), coldStart: sampler.max(`cold-${t.indices}`) }));
    return {
      setup: `Indices of 1 shard / 0 replicas created ${CLIENT_CONCURRENCY} at a time on 3 sims, 1 operator (default flags) run from its esbuild bundle on plain node, as in the image. Every 1 s: RSS from /proc/<pid>/status, JS heap from the operator's /metrics (nodejs_heap_size_*); maxima per phase (creating the step's indices; cold start of a fresh operator until every index is reconciled). Steps: ${STEPS.join(', ')}. Plot: bench/results/scale.svg.`,
      rows: scaleRows(idle, steps),
      details: { idle, steps, samples: sampler.samples },
    };
  },
};

function target(op: BundledOperator) {
  return { pid: op.process.pid!, metrics: () => op.metrics() };
}

async function waitResynced(operator: BundledOperator, count: number): Promise<void> {
  await waitFor(async () => {
    const text = await operator.metrics();
    return metricValue(text, 'reconcile_total', { controller: 'index' }) >= count && metricValue(text, 'workqueue_depth', { controller: 'index' }) === 0;
  }, { timeoutMs: 600_000, intervalMs: 250, description: `${count} index reconciles` });
}

/** SIGUSR2 → node writes Heap.<date>.<pid>...heapsnapshot into SNAPSHOT_DIR; resolves with its path once complete. */
async function heapSnapshot(operator: BundledOperator): Promise<string> {
  mkdirSync(SNAPSHOT_DIR, { recursive: true });
  const pid = operator.process.pid!;
  const mine = () => readdirSync(SNAPSHOT_DIR).filter((f) => f.endsWith('.heapsnapshot') && f.includes(`.${pid}.`));
  const before = new Set(mine());
  process.kill(pid, 'SIGUSR2');
  let path = '';
  let size = -1;
  await waitFor(async () => {
    const file = mine().find((f) => !before.has(f));
    if (!file) return false;
    path = join(SNAPSHOT_DIR, file);
    const now = existsSync(path) ? statSync(path).size : -1;
    const stable = now > 0 && now === size;
    size = now;
    // The snapshot is written synchronously: /metrics answers again only once it is complete.
    return stable && (await operator.metrics().then(() => true, () => false));
  }, { timeoutMs: 300_000, intervalMs: 1000, description: 'the heap snapshot' });
  return path;
}
