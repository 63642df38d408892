/**
 * Drain of a node holding 100 copies: 25 indices × 4 shards (replicas 0) are placed on one data node
 * while it is the only one, three empty nodes join, then the first is annotated quidditch.io/drain=true.
 * Timed from the annotation until no index records a copy on it (every move finished: created on the
 * new node, started, source deleted), with the operator's default throttles (2 per node, 8 per namespace).
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { SimProcess } from '../test/integration/operator/harness';
import { listIndices } from '../test/faults/support';
import { BenchContext, waitFor } from './support/context';
import type { Benchmark } from './support/result';
import { round } from './support/stats';

const INDICES = 25;
const SHARDS = 4;

export const drain: Benchmark = {
  name: 'drain',
  title: 'Drain a node holding 100 copies',
  async run(ctx: BenchContext) {
    const cluster = await ctx.namespace('drain');
    const [first] = await ctx.startSims(cluster, 1);
    await ctx.startOperator({ namespace: cluster.namespace });
    await waitFor(async () => (await cluster.node(first.name))?.status?.state === 'HEALTHY', { timeoutMs: 60_000, intervalMs: 200, description: `${first.name} HEALTHY` });
    const names = Array.from({ length: INDICES }, (_, i) => `d-${String(i).padStart(3, '0')}`);
    for (const name of names) await cluster.createIndex(name, SHARDS, 0);
    await waitFor(async () => {
      const all = await listIndices(cluster);
      return all.length === INDICES && all.every((i) => i.status?.health === 'green');
    }, { timeoutMs: 300_000, intervalMs: 500, description: `${INDICES} indices green on ${first.name}` });
    const others: SimProcess[] = [];
    for (let i = 1; i <= 3; i++) others.push(await SimProcess.start({ name: `data-${i}`, namespace: cluster.namespace, heartbeatSeconds: 5 }));
    await waitFor(async () => (await Promise.all(others.map((s) => cluster.node(s.name)))).every((n) => n?.status?.state === 'HEALTHY'), { timeoutMs: 60_000, intervalMs: 200, description: 'the new nodes HEALTHY' });

    const api = cluster.kc.makeApiClient(CustomObjectsApi);
    const t0 = performance.now();
    await api.patchNamespacedCustomObject(
      { group: 'quidditch.io', version: 'v1', namespace: cluster.namespace, plural: 'quidditchnodes', name: first.name, body: { metadata: { annotations: { 'quidditch.io/drain': 'true' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor(async () => {
      const all = await listIndices(cluster);
      return all.every((i) => (i.status?.shardAllocations ?? []).every((a) => a.nodeId !== first.name && !a.relocatingFrom));
    }, { timeoutMs: 900_000, intervalMs: 200, description: `${first.name} to be drained` });
    const seconds = (performance.now() - t0) / 1000;
    const copies = INDICES * SHARDS;
    ctx.log(`  drained ${copies} copies in ${round(seconds, 2)} s`);
    return {
      setup: `${INDICES} indices × ${SHARDS} shards (replicas 0) on one sim, 3 empty sims join, the first is annotated quidditch.io/drain=true; default throttles (--node-concurrent-relocations=2, --cluster-concurrent-relocations=8); sims start copies at once (no recovery delay).`,
      rows: [
        { metric: `drain of ${copies} copies: time to empty`, value: round(seconds, 2), unit: 's' },
        { metric: 'drain: relocations per second', value: round(copies / seconds, 2), unit: '/s' },
      ],
    };
  },
};
