/**
 * Failover time with the default lease timings (15 s lease, 10 s renew deadline, 2 s retry): two
 * operators; the leader is SIGKILLed (lease must expire) or SIGTERMed (lease released). Timed from
 * the signal until the Lease names the standby, and until an index created right after the signal
 * is ACTIVE (the work actually resumed).
 */
import type { OperatorProcess } from '../test/integration/operator/harness';
import { ActiveTracker, BenchContext, waitFor } from './support/context';
import type { Benchmark, ResultRow } from './support/result';
import { round, summarize } from './support/stats';

const KILL_SAMPLES = 2;
const TERM_SAMPLES = 3;

export const failover: Benchmark = {
  name: 'failover',
  title: 'Leader failover',
  async run(ctx: BenchContext) {
    const cluster = await ctx.namespace('failover');
    await ctx.startSims(cluster, 2);
    const tracker = await ActiveTracker.start(cluster);
    let pods = 0;
    const start = (): Promise<OperatorProcess> => ctx.startOperator({ namespace: cluster.namespace, podName: `op-${pods++}` });
    let operators = await Promise.all([start(), start()]);
    const leaderOf = async (): Promise<{ leader: OperatorProcess; standby: OperatorProcess }> => {
      const holder = await waitFor(() => cluster.leaseHolder(), { timeoutMs: 60_000, intervalMs: 100, description: 'a lease holder' });
      const leader = operators.find((o) => holder.startsWith(`${o.podName}_`));
      if (!leader) throw new Error(`lease held by ${holder}, not by ${operators.map((o) => o.podName).join(' or ')}`);
      return { leader, standby: operators.find((o) => o !== leader)! };
    };

    const samples: Record<'SIGKILL' | 'SIGTERM', { leaseMs: number; activeMs: number }[]> = { SIGKILL: [], SIGTERM: [] };
    const plan = [...Array<'SIGKILL'>(KILL_SAMPLES).fill('SIGKILL'), ...Array<'SIGTERM'>(TERM_SAMPLES).fill('SIGTERM')];
    for (const [k, signal] of plan.entries()) {
      const { leader, standby } = await leaderOf();
      const t0 = performance.now();
      const stopping = signal === 'SIGKILL' ? leader.kill() : leader.stop(20_000);
      const probe = `probe-${k}`;
      const created = cluster.createIndex(probe, 1, 1);
      await waitFor(async () => (await cluster.leaseHolder())?.startsWith(`${standby.podName}_`), { timeoutMs: 60_000, intervalMs: 50, description: 'the standby to lead' });
      const leaseMs = performance.now() - t0;
      await created;
      const activeMs = (await tracker.waitActive(probe, 60_000)) - t0;
      await stopping;
      samples[signal].push({ leaseMs, activeMs });
      ctx.log(`  ${signal}: standby leads after ${round(leaseMs / 1000, 2)} s, index ACTIVE after ${round(activeMs / 1000, 2)} s`);
      // A fresh standby for the next round.
      operators = [standby, await start()];
    }
    tracker.stop();
    await Promise.all(operators.map((o) => o.stop()));

    const rows: ResultRow[] = [];
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const lease = summarize(samples[signal].map((s) => s.leaseMs / 1000));
      const active = summarize(samples[signal].map((s) => s.activeMs / 1000));
      rows.push({ metric: `${signal}: standby holds the lease (max of ${lease.n})`, value: lease.max, unit: 's', seed: '< 15 s', target: { text: '< 15 s', met: lease.max < 15 } });
      rows.push({ metric: `${signal}: new index ACTIVE (max of ${active.n})`, value: active.max, unit: 's' });
    }
    return {
      setup: `2 operators with default lease timings (15/10/2 s), 2 sims; ${KILL_SAMPLES} SIGKILL and ${TERM_SAMPLES} SIGTERM rounds, a new standby started after each; an index is created right after the signal.`,
      rows,
      details: samples,
    };
  },
};
