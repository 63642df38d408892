/**
 * Create → ACTIVE latency: one index at a time (so nothing queues behind it), timed from the create
 * call until a watch sees it ACTIVE with its generation observed, for 1-, 10- and 100-shard indices
 * (1 replica) on 3 sims; then the same with sims whose copies take 3 s to start, as real data nodes'
 * do, where the target is ACTIVE within the start delay + 1 s (the shard streams, not a resync, tell
 * the operator).
 */
import { ActiveTracker, BenchContext, names } from './support/context';
import type { Benchmark, ResultRow } from './support/result';
import { summarize } from './support/stats';

const SHAPES = [
  { shards: 1, samples: 40 },
  { shards: 10, samples: 40 },
  { shards: 100, samples: 12 },
] as const;
const REPLICAS = 1;
const WARMUP = 3;

const seedMs = (shards: number): string => `${40 + 10 * shards}–${80 + 10 * shards} ms`;

/** A realistic start: each copy INITIALIZING this long on the slow sims. */
const START_DELAY_MS = 3000;
const SLOW_SHAPES = [
  { shards: 1, samples: 5 },
  { shards: 20, samples: 5 },
] as const;

export const latency: Benchmark = {
  name: 'latency',
  title: 'Create → ACTIVE latency',
  async run(ctx: BenchContext) {
    const cluster = await ctx.namespace('latency');
    // Room for every copy of every sample (about 3,000), so none waits for capacity.
    await ctx.startSims(cluster, 3, { maxShards: 10_000 });
    const operator = await ctx.startOperator({ namespace: cluster.namespace });
    const tracker = await ActiveTracker.start(cluster);
    const measure = async (name: string, shards: number): Promise<number> => {
      const t0 = performance.now();
      await cluster.createIndex(name, shards, REPLICAS);
      return (await tracker.waitActive(name)) - t0;
    };
    for (const name of names('warmup', WARMUP)) await measure(name, 10);

    const rows: ResultRow[] = [];
    const details: Record<string, unknown> = {};
    for (const { shards, samples } of SHAPES) {
      const ms: number[] = [];
      for (const name of names(`s${shards}`, samples)) ms.push(await measure(name, shards));
      const s = summarize(ms);
      details[`${shards}-shard`] = { ...s, samplesMs: ms.map((x) => Math.round(x * 10) / 10) };
      ctx.log(`  ${shards}-shard: p50 ${s.p50} ms, p99 ${s.p99} ms (n=${s.n})`);
      const target = shards === 10 ? { text: 'p50 ≤ 100 ms', met: s.p50 <= 100 } : undefined;
      rows.push({ metric: `${shards}-shard p50`, value: s.p50, unit: 'ms', seed: seedMs(shards), target });
      rows.push({ metric: `${shards}-shard p99`, value: s.p99, unit: 'ms', seed: seedMs(shards) });
    }
    tracker.stop();
    await operator.stop();

    // The same on data nodes that take START_DELAY_MS to start every copy.
    const slow = await ctx.namespace('latency-slow');
    await ctx.startSims(slow, 3, { maxShards: 10_000, extraArgs: [`--start-delay-ms=${START_DELAY_MS}`] });
    const slowOperator = await ctx.startOperator({ namespace: slow.namespace });
    const slowTracker = await ActiveTracker.start(slow);
    for (const { shards, samples } of SLOW_SHAPES) {
      const ms: number[] = [];
      for (const name of names(`slow${shards}`, samples)) {
        const t0 = performance.now();
        await slow.createIndex(name, shards, REPLICAS);
        ms.push((await slowTracker.waitActive(name)) - t0);
      }
      const s = summarize(ms);
      details[`${shards}-shard-start-delay-${START_DELAY_MS}ms`] = { ...s, samplesMs: ms.map((x) => Math.round(x * 10) / 10) };
      ctx.log(`  ${shards}-shard, ${START_DELAY_MS} ms start delay: p50 ${s.p50} ms, max ${s.max} ms (n=${s.n})`);
      const limit = START_DELAY_MS + 1000;
      rows.push({ metric: `${shards}-shard, ${START_DELAY_MS / 1000} s start delay, max`, value: s.max, unit: 'ms', seed: 'polls every 5 s', target: { text: `≤ ${limit} ms`, met: s.max <= limit } });
    }
    slowTracker.stop();
    await slowOperator.stop();
    return {
      setup:
        `3 datanode-sim processes, 1 operator (default flags); replicas ${REPLICAS}; indices created one at a time, ${WARMUP} warm-up creates not counted; timed by a watch in the bench process. ` +
        `Start-delay rows: 3 more sims with --start-delay-ms=${START_DELAY_MS}, ${SLOW_SHAPES.map((x) => `${x.samples} × ${x.shards}-shard`).join(', ')}.`,
      rows,
      details,
    };
  },
};
