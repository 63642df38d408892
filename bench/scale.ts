/**
 * Scale and memory: operator RSS and full-resync time with 1,000 and then 10,000 indices (1 shard,
 * 0 replicas each, so 10,000 fit on 3 sims and their creation fits the time budget). The operator
 * runs as the image runs it (the esbuild bundle on plain node), since tsx's in-process compiler
 * would inflate RSS. "Full resync" is a cold start of a fresh operator over all existing indices:
 * list into the caches (until /readyz), then one reconcile of every index (until reconcile_total
 * reaches the count and workqueue_depth is 0: nothing waiting, in flight or backing off).
 */
import { BundledOperator } from './support/bundled-operator';
import { ActiveTracker, BenchContext, inParallel, names, rssMiB, waitFor } from './support/context';
import type { Benchmark, ResultRow } from './support/result';
import { metricValue, round } from './support/stats';

const STEPS = (process.env.BENCH_SCALE_STEPS ?? '1000,10000').split(',').map(Number);
const CLIENT_CONCURRENCY = 32;

export const scale: Benchmark = {
  name: 'scale',
  title: 'Scale and memory',
  async run(ctx: BenchContext) {
    const cluster = await ctx.namespace('scale');
    await ctx.startSims(cluster, 3, { maxShards: 20_000, heartbeatSeconds: 10 });
    let operator = await BundledOperator.start(cluster.namespace);
    const tracker = await ActiveTracker.start(cluster);
    const rows: ResultRow[] = [];
    const details: Record<string, unknown> = {};
    let have = 0;
    for (const target of STEPS) {
      const t0 = performance.now();
      await inParallel(names('idx', target - have, have), CLIENT_CONCURRENCY, (n) => cluster.createIndex(n, 1, 0));
      await tracker.waitCount(target, 900_000);
      const fillSeconds = (performance.now() - t0) / 1000;
      have = target;
      const warmRss = rssMiB(operator.process.pid!);
      ctx.log(`  ${target}: all ACTIVE after ${round(fillSeconds)} s, operator RSS ${warmRss} MiB`);

      // Cold full resync by a fresh operator.
      await operator.stop();
      const t1 = performance.now();
      operator = await BundledOperator.start(cluster.namespace);
      const readySeconds = (performance.now() - t1) / 1000;
      await waitResynced(operator, target);
      const resyncSeconds = (performance.now() - t1) / 1000;
      const coldRss = rssMiB(operator.process.pid!);
      // From the operator's own /metrics (its default process metrics); metricValue throws if it is missing.
      const heap = metricValue(await operator.metrics(), 'nodejs_heap_size_used_bytes') / 2 ** 20;
      ctx.log(`  ${target}: fresh operator ready (caches synced) in ${round(readySeconds, 2)} s, every index reconciled in ${round(resyncSeconds, 2)} s, RSS ${coldRss} MiB`);
      const rssTarget = target >= 10_000 ? { text: '≤ 256 MiB', met: Math.max(warmRss, coldRss) <= 256 } : undefined;
      rows.push({ metric: `${target} indices: operator RSS after creating them`, value: warmRss, unit: 'MiB', target: rssTarget });
      rows.push({ metric: `${target} indices: operator RSS after a cold resync`, value: coldRss, unit: 'MiB', target: rssTarget });
      rows.push({ metric: `${target} indices: operator JS heap used after a cold resync`, value: round(heap), unit: 'MiB' });
      rows.push({ metric: `${target} indices: cold start to caches synced`, value: round(readySeconds, 2), unit: 's' });
      rows.push({ metric: `${target} indices: full resync (every index reconciled)`, value: round(resyncSeconds, 2), unit: 's' });
      rows.push({ metric: `${target} indices: created and ACTIVE`, value: round(fillSeconds, 1), unit: 's' });
      details[target] = { fillSeconds, warmRss, readySeconds, resyncSeconds, coldRss, heapUsedMiB: round(heap) };
    }
    tracker.stop();
    await operator.stop();
    return {
      setup: `Indices of 1 shard / 0 replicas created ${CLIENT_CONCURRENCY} at a time on 3 sims (max-shards 20000), 1 operator (default flags) run from its esbuild bundle on plain node, as in the image. RSS from /proc/<pid>/status. Steps: ${STEPS.join(', ')}.`,
      rows,
      details,
    };
  },
};

async function waitResynced(operator: BundledOperator, count: number): Promise<void> {
  await waitFor(async () => {
    const text = await operator.metrics();
    return metricValue(text, 'reconcile_total', { controller: 'index' }) >= count && metricValue(text, 'workqueue_depth', { controller: 'index' }) === 0;
  }, { timeoutMs: 600_000, intervalMs: 100, description: `${count} index reconciles` });
}
