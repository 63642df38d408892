import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestNamespace } from '../support/kube';
import { allocatedCopies, Cluster, expectWellAllocated, heldCopies } from '../integration/operator/fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { creationCounts, duplicates, waitNodesHealthy } from './support';

// A data node that restarts with its volume (--data-dir kept) still holds its copies; one that comes
// back with an empty volume lost them. The operator learns which from the node's WatchShards
// snapshot after the restart, and never from a periodic resync (an hour here). The heartbeat timeout
// is longer than a restart takes on a busy machine, so the node never counts as departed.
let cluster: Cluster;
let sims: SimProcess[];
const dirs = new Map<string, string>();

const start = (name: string, port?: number, dataDir = dirs.get(name)!) =>
  SimProcess.start({ name, namespace: cluster.namespace, port, extraArgs: [`--data-dir=${dataDir}`] });

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-restart-data'));
  for (const n of ['r-0', 'r-1', 'r-2']) dirs.set(n, mkdtempSync(join(tmpdir(), `sim-${n}-`)));
  sims = await Promise.all(['r-0', 'r-1', 'r-2'].map((n) => start(n)));
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=30', '--grpc-timeout=1', '--resync-period=3600'] });
  // Copies go to HEALTHY nodes only; an index placed before a node is judged is rebalanced onto it later.
  await waitNodesHealthy(cluster, sims.map((s) => s.name));
}, 90_000);

afterAll(() => stopAll());

async function restart(i: number, dataDir: string): Promise<SimProcess> {
  const old = sims[i];
  await old.stop();
  sims[i] = await start(old.name, old.grpcPort, dataDir);
  return sims[i];
}

describe('a data node restarting', () => {
  it('with its data directory keeps every copy: nothing is re-created', async () => {
    await cluster.createIndex('kept', 3, 1);
    const before = await cluster.waitForActive('kept', 'green');
    const node = await restart(0, dirs.get('r-0')!);
    expect(await heldCopies([node], 'kept')).toEqual(allocatedCopies(before).filter((c) => c.endsWith(`@${node.name}`)));
    const after = await cluster.waitForActive('kept', 'green');
    expect(allocatedCopies(after)).toEqual(allocatedCopies(before));
    expect(Object.keys((await node.stats()).stats.creations).filter((k) => k.includes('/kept/'))).toEqual([]);
  });

  it('without it: the lost copies are detected and re-created from surviving copies, each exactly once', async () => {
    await cluster.createIndex('wiped', 3, 1);
    const before = await cluster.waitForActive('wiped', 'green');
    const lost = allocatedCopies(before).filter((c) => c.endsWith(`@${sims[1].name}`));
    expect(lost.length).toBeGreaterThan(0);
    const countsBefore = await creationCounts(sims.filter((_, i) => i !== 1), cluster.namespace);
    await restart(1, mkdtempSync(join(tmpdir(), 'sim-empty-')));
    await cluster.waitForEvents('wiped', ['CopiesLost'], 45_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}\nstatus: ${JSON.stringify((await cluster.index('wiped')).status?.shardAllocations)}\n${allLogs(60)}`);
    });
    const after = await cluster.waitForActive('wiped', 'green', 60_000);
    expectWellAllocated(after);
    expect(await heldCopies(sims, 'wiped')).toEqual(allocatedCopies(after));
    // Each lost copy was re-created once, on some node; no copy was created twice anywhere.
    const countsAfter = await creationCounts(sims, cluster.namespace);
    expect(duplicates(countsAfter)).toEqual({});
    const fresh = [...countsAfter.keys()].filter((k) => k.includes('/wiped/') && !countsBefore.has(k));
    expect(fresh).toHaveLength(lost.length);
  });
});
