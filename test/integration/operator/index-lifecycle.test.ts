import { createTestNamespace, waitFor } from '../../support/kube';
import { Cluster, allocatedCopies, expectWellAllocated, heldCopies } from './fixtures';
import { OperatorProcess, SimProcess, stopAll, allLogs } from './harness';

let cluster: Cluster;
let operator: OperatorProcess;
let sims: SimProcess[];

beforeAll(async () => {
  const namespace = await createTestNamespace('op-lifecycle');
  cluster = new Cluster(namespace);
  sims = await Promise.all(['data-0', 'data-1', 'data-2'].map((name) => SimProcess.start({ name, namespace })));
  operator = await OperatorProcess.start({ namespace, args: ['--heartbeat-timeout=4', '--resync-period=30', '--node-left-delay=1'] });
  // The spread below needs all three nodes able to take copies when the index is planned.
  await waitFor(async () => (await Promise.all(sims.map((s) => cluster.node(s.name)))).every((n) => n?.status?.state === 'HEALTHY'), {
    timeoutMs: 30_000, intervalMs: 200, description: 'three HEALTHY data nodes',
  });
}, 90_000);

afterAll(async () => {
  await stopAll();
});

describe('index lifecycle on real data nodes', () => {
  it('creates every copy exactly once and reaches ACTIVE/green with Ready conditions', async () => {
    await cluster.createIndex('products', 6, 1);
    const index = await cluster.waitForActive('products');
    expectWellAllocated(index);
    expect(await heldCopies(sims, 'products')).toEqual(allocatedCopies(index));
    // Exactly once: no copy was created twice on any node, however often it was reconciled.
    for (const sim of sims) {
      const { stats } = await sim.stats();
      for (const [key, times] of Object.entries(stats.creations)) if (key.includes('/products/')) expect({ key, times }).toEqual({ key, times: 1 });
    }
    // Spread: 12 copies on 3 nodes → 4 each.
    const perNode = new Map<string, number>();
    for (const a of index.status!.shardAllocations!) perNode.set(a.nodeId, (perNode.get(a.nodeId) ?? 0) + 1);
    expect([...perNode.values()].sort()).toEqual([4, 4, 4]);
    const ready = index.status!.conditions!.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'True', observedGeneration: index.metadata.generation });
    expect(index.metadata.finalizers).toContain('quidditch.io/index-protection');
    // Created and active within one reconcile: one Active Event that also names the shape; when the
    // copies started later, Creating names it and Active follows.
    const events = await cluster.waitForEvents('products', ['Active']);
    expect(events.filter((e) => ['Creating', 'Active'].includes(e.reason) && e.message.includes('Allocat') && e.message.includes('6 shards with 1 replicas each'))).toHaveLength(1);
  });

  it('adds replica copies when replicas go 1 → 2 and removes them all when they go 2 → 0', async () => {
    await cluster.createIndex('logs', 3, 1);
    await cluster.waitForActive('logs');
    await cluster.indices.patchSpec(cluster.namespace, 'logs', { replicas: 2 });
    let index = await cluster.waitForActive('logs');
    expectWellAllocated(index);
    expect(await heldCopies(sims, 'logs')).toEqual(allocatedCopies(index));
    expect(allocatedCopies(index)).toHaveLength(9);

    await cluster.indices.patchSpec(cluster.namespace, 'logs', { replicas: 0 });
    index = await cluster.waitForActive('logs');
    expectWellAllocated(index);
    expect(allocatedCopies(index)).toHaveLength(3);
    await waitFor(async () => JSON.stringify(await heldCopies(sims, 'logs')) === JSON.stringify(allocatedCopies(index)), {
      timeoutMs: 15_000, intervalMs: 200, description: 'sims to hold exactly the 3 primaries of logs',
    });
  });

  it('deletes every copy and then the finalizer when the index is deleted', async () => {
    await cluster.createIndex('tmp', 4, 1);
    await cluster.waitForActive('tmp');
    expect(await heldCopies(sims, 'tmp')).toHaveLength(8);
    await cluster.indices.delete(cluster.namespace, 'tmp');
    await waitFor(async () => (await cluster.indices.get(cluster.namespace, 'tmp')) === undefined, {
      timeoutMs: 30_000, intervalMs: 200, description: 'tmp to be gone (finalizer removed)',
    });
    expect(await heldCopies(sims, 'tmp')).toEqual([]);
  });

  it('answers routing from the cache: matches status, follows changes, 404 for unknown indices', async () => {
    const index = await cluster.waitForActive('products');
    const res = await operator.get(`/v1/namespaces/${cluster.namespace}/indices/products/routing`);
    expect(res.status).toBe(200);
    const route = JSON.parse(res.body) as { shards: { shardId: number; primary: { node: string; address: string; state: string }; replicas: { node: string }[] }[] };
    expect(route.shards).toHaveLength(6);
    for (const shard of route.shards) {
      const copies = index.status!.shardAllocations!.filter((a) => a.shardId === shard.shardId);
      expect(shard.primary.node).toBe(copies.find((c) => c.primary)!.nodeId);
      expect(shard.primary.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(shard.replicas.map((r) => r.node)).toEqual(copies.filter((c) => !c.primary).map((c) => c.nodeId).sort());
    }
    expect((await operator.get(`/v1/namespaces/${cluster.namespace}/indices/nope/routing`)).status).toBe(404);

    await cluster.indices.patchSpec(cluster.namespace, 'products', { replicas: 0 });
    await cluster.waitForActive('products');
    await waitFor(async () => {
      const r = JSON.parse((await operator.get(`/v1/namespaces/${cluster.namespace}/indices/products/routing`)).body);
      return r.shards.every((s: { replicas: unknown[] }) => s.replicas.length === 0);
    }, { timeoutMs: 10_000, intervalMs: 100, description: 'routing to drop the replicas' });
  });

  it('exposes metrics for reconciles, queue depth, leadership, routing, informers and the Node.js process', async () => {
    const text = await operator.metrics();
    for (const name of [
      'reconcile_total', 'reconcile_duration_seconds', 'workqueue_depth', 'workqueue_scheduled', 'leader_is_leader', 'leader_election_attempts_total',
      'routing_requests_total', 'informer_lists_total', 'informer_events_total', 'nodejs_heap_size_used_bytes', 'process_cpu_seconds_total',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}(_bucket|_sum|_count)?(\\{[^}]*\\})? \\S+$`, 'm'));
    }
    expect(text).toMatch(/^leader_is_leader 1$/m);
  });

  it('marks a killed data node UNHEALTHY and moves its copies, returning the index to green', async () => {
    await cluster.createIndex('orders', 3, 1);
    const before = await cluster.waitForActive('orders');
    const victim = sims[0];
    const hadCopies = before.status!.shardAllocations!.some((a) => a.nodeId === victim.name);
    expect(hadCopies).toBe(true);
    await victim.kill();
    await waitFor(async () => (await cluster.node(victim.name))?.status?.state === 'UNHEALTHY', {
      timeoutMs: 20_000, intervalMs: 200, description: `${victim.name} to be UNHEALTHY`,
    }).catch((err) => { throw new Error(`${err.message}\n${allLogs()}`); });
    const after = await cluster.waitForIndex('orders', (i) => i.status?.health === 'green' && !i.status.shardAllocations!.some((a) => a.nodeId === victim.name), 'green without the dead node', 30_000);
    expectWellAllocated(after);
    expect(await heldCopies(sims.slice(1), 'orders')).toEqual(allocatedCopies(after));
    const reasons = (await cluster.waitForEvents(undefined, ['NodeUnhealthy', 'CopiesLost'])).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['NodeUnhealthy', 'CopiesLost']));
  });
});
