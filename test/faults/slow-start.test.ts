import { createTestNamespace } from '../support/kube';
import { Cluster } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { waitNodesHealthy } from './support';

// Copies take 3 s to start. The operator must learn of each start from the node's WatchShards stream,
// not from a resync: --resync-period is an hour, so an index that goes ACTIVE at all did so on the
// node's report (causality), and it must not have polled the node meanwhile (create calls counted).
let cluster: Cluster;
let sims: SimProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-slow-start'));
  sims = await Promise.all(['d-0', 'd-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace, extraArgs: ['--start-delay-ms=3000'] })));
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=10', '--resync-period=3600'] });
  // Copies go to HEALTHY nodes only; an index placed before a node is judged is rebalanced onto it later.
  await waitNodesHealthy(cluster, sims.map((s) => s.name));
}, 90_000);

afterAll(() => stopAll());

async function createCalls(): Promise<number> {
  let n = 0;
  for (const s of sims) n += (await s.stats()).stats.createCalls;
  return n;
}

describe('data nodes whose copies take 3 s to start', () => {
  it.each([[1], [20]])('a %i-shard index goes ACTIVE on the nodes\' reports, well before any resync, calling each copy once', async (shards) => {
    const name = `slow-${shards}`;
    const callsBefore = await createCalls();
    await cluster.createIndex(name, shards, 1);
    // The wait is bounded far below the hour-long resync: ACTIVE can only come from the stream.
    const active = await cluster.waitForActive(name, 'green', 60_000);
    expect(active.status?.shardAllocations).toHaveLength(shards * 2);
    // One CreateShard per copy: waiting for the copies to start did not poll the nodes.
    expect((await createCalls()) - callsBefore).toBe(shards * 2);
    const events = await cluster.waitForEvents(name, ['Active']);
    expect(events.map((e) => e.reason)).toContain('Active');
  });
});
