import type { QuidditchIndex } from '../../lib/api/v1';
import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, expectWellAllocated, heldCopies } from '../integration/operator/fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, creationCounts, duplicates, listIndices, recordStatuses, waitAllActive, waitNodesHealthy } from './support';

// A StatefulSet scale-down from 5 to 3 data nodes: the StatefulSet controller sends SIGTERM to the
// pods with the highest ordinals. Each data node (started with --drain-on-shutdown, as the constructs
// configure it) then reports status.shuttingDown, keeps serving while the operator moves its copies
// away create-before-delete, and exits 0 once it holds none.
let cluster: Cluster;
let sims: SimProcess[];

// A recovery takes time proportional to the copy's size, so moves are in flight long enough to be seen.
const SIM_ARGS = ['--drain-on-shutdown=true', '--start-delay-ms=200', '--ingest-rate=50', '--recovery-ms-per-mib=500', '--stats-interval-ms=200'];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-scale-down'));
  // One at a time: five processes compiling at once can miss the ready-line deadline on a busy machine.
  sims = [];
  for (const name of ['d-0', 'd-1', 'd-2', 'd-3', 'd-4']) sims.push(await SimProcess.start({ name, namespace: cluster.namespace, extraArgs: SIM_ARGS }));
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=5', '--log-level=debug'] });
}, 600_000);

afterAll(() => stopAll());

/** Shards (as `index/shard`) that had no serving primary in some recorded status. */
function shardsWithoutServingPrimary(history: readonly QuidditchIndex[]): string[] {
  const bad = new Set<string>();
  for (const index of history) {
    for (let shard = 0; shard < index.spec.shards; shard++) {
      const serving = (index.status?.shardAllocations ?? []).filter((a) => a.shardId === shard && a.primary && (a.state === 'STARTED' || a.state === 'RELOCATING'));
      if (serving.length !== 1) bad.add(`${index.metadata.name}/${shard} at rv ${index.metadata.resourceVersion}: ${JSON.stringify(index.status?.shardAllocations?.filter((a) => a.shardId === shard))}`);
    }
  }
  return [...bad];
}

describe('scale-down from 5 to 3 data nodes', () => {
  it('moves every copy off the terminating nodes before they exit, losing and doubling none, with a serving primary for every shard throughout', async () => {
    // Copies go to HEALTHY nodes only: wait until the operator has judged all five.
    await waitNodesHealthy(cluster, sims.map((x) => x.name));
    await cluster.createIndex('solo', 6, 0);
    await cluster.createIndex('pair', 4, 1);
    await waitAllActive(cluster, ['solo', 'pair'], 60_000);
    const leaving = sims.slice(3);
    const staying = sims.slice(0, 3);
    const before = (await heldCopies(leaving)).length;
    expect(before).toBeGreaterThan(0); // the allocator spread copies onto every node

    const recorder = recordStatuses(cluster);
    // As the StatefulSet controller does on `replicas: 3`: SIGTERM to the two highest ordinals.
    for (const sim of leaving) sim.process.signal('SIGTERM');
    let codes: (number | string)[];
    try {
      codes = await Promise.race([
        Promise.all(leaving.map((s) => s.process.exited)),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the terminating data nodes did not exit within 90 s')), 90_000)),
      ]);
    } catch (err) {
      const state = { indices: (await listIndices(cluster)).map((i) => ({ name: i.metadata.name, status: i.status })), nodes: await Promise.all(sims.map(async (s) => ({ name: s.name, status: (await cluster.node(s.name))?.status }))) };
      const held = await Promise.all(sims.map(async (x) => (await x.stats().catch(() => undefined))?.shards.map((c) => `${c.shard.indexName}/${c.shard.shardId}/${c.shard.primary ? 'p' : 'r'}@${x.name}:${c.state}:${c.failureReason}`)));
      throw new Error(`${(err as Error).message}\nheld: ${JSON.stringify(held)}\n${JSON.stringify(state)}\n${allLogs(40)}`, { cause: err });
    }
    expect(codes).toEqual([0, 0]);

    const indices = await waitAllActive(cluster, ['solo', 'pair'], 60_000);
    recorder.stop();
    for (const index of indices) {
      expectWellAllocated(index);
      expect(index.status?.shardAllocations?.every((a) => ['d-0', 'd-1', 'd-2'].includes(a.nodeId) && !a.relocatingFrom && !a.relocatingTo)).toBe(true);
    }
    // Every copy counted exactly once: the remaining nodes hold exactly what is allocated, and none was created twice.
    expect(await heldCopies(staying)).toEqual(allAllocated(indices));
    expect(duplicates(await creationCounts(staying, cluster.namespace))).toEqual({});
    // Sampled over the whole change (every status the API server stored): no shard ever lacked a serving primary.
    expect(recorder.history.length).toBeGreaterThan(0);
    expect(shardsWithoutServingPrimary(recorder.history)).toEqual([]);
    expect(recorder.history.some((i) => i.status?.shardAllocations?.some((a) => a.state === 'RELOCATING'))).toBe(true);
    for (const index of recorder.history) expect(`${index.metadata.name}: ${index.status?.health}`).not.toMatch(/red$/);

    // Both nodes' DrainComplete: the operator may write one a moment after the other (a run under
    // heavy load read the events in between and saw only d-3's).
    const events = await waitFor(async () => {
      const all = await cluster.events();
      const complete = new Set(all.filter((e) => e.reason === 'DrainComplete').map((e) => e.name));
      const others = ['RelocationStarted', 'RelocationFinished', 'NodeDraining'].every((r) => all.some((e) => e.reason === r));
      return others && complete.has('d-3') && complete.has('d-4') ? all : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200, description: 'events RelocationStarted, RelocationFinished, NodeDraining, and DrainComplete of d-3 and of d-4' });
    expect(events.filter((e) => e.reason === 'DrainComplete').map((e) => e.name).sort()).toEqual(['d-3', 'd-4']);
    for (const name of ['d-3', 'd-4']) {
      const node = await cluster.node(name);
      expect(node?.status?.copiesLeft).toBe(0);
      expect(node?.status?.conditions?.find((c) => c.type === 'Drained')).toMatchObject({ status: 'True', reason: 'DrainComplete' });
    }
  });
});
