import { createTestNamespace } from '../support/kube';
import { Cluster, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, createIndices, creationCounts, duplicates, indexNames, waitAllActive, waitNodesHealthy } from './support';

// 1,000 indices as the issue asks, kept small (1 shard, 1 replica: 2,000 copies) so that creating
// them and every reconcile fit in about a minute on a 2-core machine shared with the API server.
const COUNT = 1_000;

let cluster: Cluster;
let sims: SimProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-load'));
  sims = await Promise.all(['d-0', 'd-1', 'd-2'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  // Rebalancing off: this test counts creations, and a burst of concurrent placements can end two
  // copies apart on some node, which a rebalance then evens out with one more (legitimate) creation
  // (CI run21: 2,001 for 2,000 copies). Moves are counted in test/faults/rebalance.test.ts.
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--rebalance=false'] });
  // Copies go to HEALTHY nodes only; an index placed before a node is judged is rebalanced onto it later.
  await waitNodesHealthy(cluster, sims.map((s) => s.name));
}, 90_000);

afterAll(() => stopAll());

describe('load with nothing lost', () => {
  it(`brings ${COUNT} concurrently created indices to ACTIVE with exactly the allocated copies on the sims`, async () => {
    const names = indexNames('idx', COUNT);
    await createIndices(cluster, names, 1, 1, 32);
    const indices = await waitAllActive(cluster, names, 150_000);
    expect(indices).toHaveLength(COUNT);
    const allocated = allAllocated(indices);
    expect(allocated).toHaveLength(COUNT * 2);
    expect(await heldCopies(sims)).toEqual(allocated);
    const counts = await creationCounts(sims, cluster.namespace);
    expect(duplicates(counts)).toEqual({});
    expect(counts.size).toBe(COUNT * 2);
  }, 200_000);
});
