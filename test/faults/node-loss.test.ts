import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, expectWellAllocated, heldCopies } from '../integration/operator/fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, createIndices, indexNames, listIndices, pause, resume, waitAllActive } from './support';

// The lost node is frozen (SIGSTOP), not killed: the sim keeps its shards in memory the way a real
// data node keeps them on disk, so when it returns it still holds copies that were moved elsewhere
// while it was away. (A SIGKILLed sim comes back empty; issue 4's tests cover that case.)
let cluster: Cluster;
let sims: SimProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-node-loss'));
  sims = await Promise.all(['d-0', 'd-1', 'd-2'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=3', '--grpc-timeout=1', '--node-left-delay=0'] });
}, 90_000);

afterAll(async () => {
  const lost = sims?.[2];
  if (lost?.process.exitStatus === undefined && lost?.process.pid) resume(lost.process);
  await stopAll();
});

describe('data node loss and return under load', () => {
  it('reallocates the lost node\'s shards, then deletes its stale copies when it returns, counting none twice', async () => {
    const first = indexNames('before', 12);
    await createIndices(cluster, first, 3, 1);
    await waitAllActive(cluster, first, 60_000);
    const lost = sims[2];
    const staleBefore = (await heldCopies([lost])).length;
    expect(staleBefore).toBeGreaterThan(0);

    // Lose the node while more indices are being created.
    const during = indexNames('during', 12);
    const creating = createIndices(cluster, during, 3, 1, 4);
    pause(lost.process);
    await waitFor(async () => (await cluster.node(lost.name))?.status?.state === 'UNHEALTHY', {
      timeoutMs: 20_000, intervalMs: 200, description: `${lost.name} to turn UNHEALTHY`,
    });
    await creating;
    const all = [...first, ...during];
    let indices = await waitAllActive(cluster, all, 90_000);
    for (const index of indices) {
      expectWellAllocated(index);
      expect(index.status!.shardAllocations!.some((a) => a.nodeId === lost.name)).toBe(false);
    }
    const survivors = sims.slice(0, 2);
    expect(await heldCopies(survivors)).toEqual(allAllocated(indices));

    // The node returns with every copy it held before; none of them is allocated to it any more.
    resume(lost.process);
    await waitFor(async () => (await cluster.node(lost.name))?.status?.state === 'HEALTHY', {
      timeoutMs: 20_000, intervalMs: 200, description: `${lost.name} to turn HEALTHY again`,
    });
    try {
      // The orphan sweep deletes them (after its grace period, default 30 s). Meanwhile the rebalancer
      // moves copies onto the returning node (never a shard it still holds an orphan of), so what the
      // nodes hold is compared with what is allocated now, once nothing is moving.
      await waitFor(
        async () => {
          const now = await listIndices(cluster);
          const moving = now.some((i) => i.status?.shardAllocations?.some((a) => a.relocatingFrom || a.relocatingTo));
          const swept = (await lost.stats()).stats.deleteEffective >= staleBefore;
          return !moving && swept && JSON.stringify(await heldCopies(sims)) === JSON.stringify(allAllocated(now)) ? true : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500, description: `${lost.name}'s stale copies to be deleted and the nodes to hold exactly what is allocated` },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nstill held: ${(await heldCopies([lost])).slice(0, 10).join(', ')}\n${allLogs(40)}`, { cause: err });
    }
    // Not double-counted: each shard still has exactly 1 + replicas copies (above: the sims hold exactly
    // the allocated set), and every stale copy was deleted from the node.
    indices = await waitAllActive(cluster, all, 30_000);
    for (const index of indices) expectWellAllocated(index);
    const events = await cluster.waitForEvents(lost.name, ['NodeUnhealthy', 'NodeHealthy', 'OrphanCopyDeleted']);
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['NodeUnhealthy', 'NodeHealthy', 'OrphanCopyDeleted']));
  });
});
