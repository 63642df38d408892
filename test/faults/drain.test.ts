import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QuidditchIndex } from '../../lib/api/v1';
import { createTestNamespace, kubectl, waitFor } from '../support/kube';
import { Cluster, expectWellAllocated, heldCopies } from '../integration/operator/fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, creationCounts, duplicates, listIndices, waitAllActive, waitNodesHealthy } from './support';

afterAll(() => stopAll());

const healthy = (cluster: Cluster, sims: readonly SimProcess[]) => waitNodesHealthy(cluster, sims.map((x) => x.name));

const annotate = async (cluster: Cluster, node: string, value: string) => {
  const res = await kubectl(['annotate', '--overwrite', '-n', cluster.namespace, 'qnode', node, value]);
  if (res.code !== 0) throw new Error(`kubectl annotate failed: ${res.stderr}`);
};

/** `index/shard→node` of every relocation in flight (a target with relocatingFrom). */
const moves = (indices: readonly QuidditchIndex[]) =>
  indices.flatMap((i) => (i.status?.shardAllocations ?? []).filter((a) => a.relocatingFrom).map((a) => ({ key: `${i.metadata.name}/${a.shardId}:${a.relocatingFrom}->${a.nodeId}`, target: a.nodeId })));

describe('draining a node', () => {
  it('says so in a condition and an Event on the node and the index when no node has room, and keeps the last copy', async () => {
    const cluster = new Cluster(await createTestNamespace('fault-drain-full'));
    const sims = [await SimProcess.start({ name: 'd-0', namespace: cluster.namespace, maxShards: 2 }), await SimProcess.start({ name: 'd-1', namespace: cluster.namespace, maxShards: 2 })];
    await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=5'] });
    await healthy(cluster, sims);
    await cluster.createIndex('full', 4, 0);
    await waitAllActive(cluster, ['full'], 60_000);
    const onD1 = await heldCopies([sims[1]]);
    expect(onD1).toHaveLength(2);

    await annotate(cluster, 'd-1', 'quidditch.io/drain=true');
    const blocked = await cluster.waitForIndex('full', (i) => i.status?.conditions?.some((c) => c.type === 'DrainBlocked' && c.status === 'True') ?? false, 'DrainBlocked');
    expect(blocked.status?.conditions?.find((c) => c.type === 'DrainBlocked')).toMatchObject({ reason: 'DrainStalled' });
    expect(blocked.status?.conditions?.find((c) => c.type === 'DrainBlocked')?.message).toContain('none is deleted');
    await cluster.waitForEvents('full', ['DrainStalled']);
    await cluster.waitForEvents('d-1', ['DrainStalled', 'NodeDraining']);
    const node = await waitFor(async () => {
      const n = await cluster.node('d-1');
      return n?.status?.conditions?.some((c) => c.type === 'Drained' && c.reason === 'DrainStalled') ? n : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200, description: 'd-1 Drained=False/DrainStalled' });
    expect(node.status).toMatchObject({ state: 'DRAINING', copiesLeft: 2 });
    const table = await kubectl(['get', 'qnode', 'd-1', '-n', cluster.namespace]);
    expect(table.stdout.split('\n')[0]).toMatch(/STATE\s+SHARDS\s+COPIES-LEFT/);
    expect(table.stdout.split('\n')[1]).toMatch(/DRAINING\s+\d+\s+2\s/);
    // The last (only) copies stay where they are, serving.
    expect(await heldCopies([sims[1]])).toEqual(onD1);
    expect((await cluster.index('full')).status?.health).toBe('green');

    // Undrained: the node is HEALTHY again and the index's condition clears.
    await annotate(cluster, 'd-1', 'quidditch.io/drain-');
    await cluster.waitForIndex('full', (i) => i.status?.conditions?.some((c) => c.type === 'DrainBlocked' && c.status === 'False') ?? false, 'DrainBlocked=False');
    expect((await cluster.node('d-1'))?.status?.state).toBe('HEALTHY');
  }, 300_000);

  it('converges with nothing lost or doubled when the operator is SIGKILLed mid-relocation, then a target node mid-another', async () => {
    const cluster = new Cluster(await createTestNamespace('fault-drain-crash'));
    const dirs = ['d-0', 'd-1', 'd-2', 'd-3'].map((n) => mkdtempSync(join(tmpdir(), `q-${n}-`)));
    // Copies persist in a data directory (a PVC), so a SIGKILLed node comes back with them; recoveries take seconds.
    const args = (i: number) => ['--start-delay-ms=200', '--ingest-rate=200', '--recovery-ms-per-mib=1500', '--stats-interval-ms=200', `--data-dir=${dirs[i]}`];
    const sims: SimProcess[] = [];
    for (let i = 0; i < 4; i++) sims.push(await SimProcess.start({ name: `d-${i}`, namespace: cluster.namespace, extraArgs: args(i) }));
    const opArgs = ['--heartbeat-timeout=4', '--node-concurrent-relocations=1'];
    const operator = await OperatorProcess.start({ namespace: cluster.namespace, args: opArgs });
    await healthy(cluster, sims);
    await cluster.createIndex('solo', 4, 0);
    await cluster.createIndex('pair', 4, 1);
    await waitAllActive(cluster, ['solo', 'pair'], 60_000);

    await annotate(cluster, 'd-3', 'quidditch.io/drain=true');
    const first = await waitFor(async () => moves(await listIndices(cluster))[0], { timeoutMs: 30_000, intervalMs: 50, description: 'a relocation in flight' });
    await operator.kill();
    await OperatorProcess.start({ namespace: cluster.namespace, args: opArgs });
    const second = await waitFor(async () => moves(await listIndices(cluster)).find((m) => m.key !== first.key), { timeoutMs: 60_000, intervalMs: 50, description: 'another relocation in flight' });
    const victim = sims.findIndex((x) => x.name === second.target);
    await sims[victim].kill();
    sims[victim] = await SimProcess.start({ name: second.target, namespace: cluster.namespace, port: sims[victim].grpcPort, extraArgs: args(victim) });

    let indices: QuidditchIndex[];
    try {
      indices = await waitFor(async () => {
        const all = await listIndices(cluster);
        const done = all.every((i) => i.status?.health === 'green' && (i.status.shardAllocations ?? []).every((a) => a.nodeId !== 'd-3' && a.state === 'STARTED' && !a.relocatingFrom));
        return done && all.length === 2 ? all : undefined;
      }, { timeoutMs: 120_000, intervalMs: 300, description: 'd-3 drained and every index green' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${JSON.stringify((await listIndices(cluster)).map((i) => i.status?.shardAllocations))}\n${allLogs(30)}`, { cause: err });
    }
    for (const index of indices) expectWellAllocated(index);
    // Nothing lost (every allocated copy is held, d-3 holds none) and nothing doubled (no copy created twice by a live node).
    await waitFor(async () => (await heldCopies([sims[3]])).length === 0, { timeoutMs: 60_000, intervalMs: 300, description: 'd-3 to hold no copy' });
    // Compared by shard and node: a copy that handed over, or a node back after its replica was
    // promoted elsewhere, may still hold as primary what the record serves as a replica (as before this change).
    const anyRole = (list: string[]) => list.map((c) => c.replace(/\/[pr]@/, '@')).sort();
    // A relocation target on the killed node that came back too late was dropped from the record; its
    // copy is an orphan the sweep deletes after its grace period (30 s), and the rebalancer may move
    // copies once the drain is done: compare once nothing moves and the nodes hold what is allocated.
    try {
      await waitFor(async () => {
        const now = await listIndices(cluster);
        const moving = now.some((i) => i.status?.shardAllocations?.some((a) => a.relocatingFrom || a.relocatingTo));
        return !moving && JSON.stringify(anyRole(await heldCopies(sims))) === JSON.stringify(anyRole(allAllocated(now))) ? true : undefined;
      }, { timeoutMs: 90_000, intervalMs: 500, description: 'the nodes to hold exactly what is allocated' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nheld: ${anyRole(await heldCopies(sims)).join(', ')}\nallocated: ${anyRole(allAllocated(await listIndices(cluster))).join(', ')}`, { cause: err });
    }
    expect(duplicates(await creationCounts(sims, cluster.namespace))).toEqual({});
    const node = await waitFor(async () => {
      const n = await cluster.node('d-3');
      return n?.status?.conditions?.some((c) => c.type === 'Drained' && c.status === 'True') ? n : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200, description: 'd-3 Drained=True' });
    expect(node.status?.copiesLeft).toBe(0);
  }, 400_000);
});
