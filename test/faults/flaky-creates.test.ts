import { createTestNamespace } from '../support/kube';
import { allocatedCopies, Cluster, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, createIndices, creationCounts, duplicates, indexNames, listIndices, waitAllActive, waitNodesHealthy } from './support';

// Every sim refuses a fifth of the creates of new copies (UNAVAILABLE, as a node short of file
// handles or mid-GC would). The operator must retry them with backoff until every copy exists,
// create none twice, and not hammer the nodes: attempts stay within a small multiple of the copies.
// --resync-period is an hour, so the retries come from the operator's backoff, not from a resync.
const FAIL_RATIO = 0.2;
const SHARDS = 5;
const REPLICAS = 1;
// P(a given copy needs more than ATTEMPTS_PER_COPY attempts) = 0.2^10 ≈ 1e-7: a bound that only
// a retry loop without backoff or without an end can break.
const ATTEMPTS_PER_COPY = 10;

let cluster: Cluster;
let sims: SimProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-flaky-creates'));
  sims = await Promise.all(['f-0', 'f-1', 'f-2'].map((name, i) =>
    SimProcess.start({ name, namespace: cluster.namespace, extraArgs: [`--fail-create-ratio=${FAIL_RATIO}`, `--seed=${i + 1}`] })));
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--resync-period=3600'] });
  // Copies go to HEALTHY nodes only; an index placed before a node is judged is rebalanced onto it later.
  await waitNodesHealthy(cluster, sims.map((s) => s.name));
}, 90_000);

afterAll(() => stopAll());

describe(`data nodes that fail ${FAIL_RATIO * 100} % of creates`, () => {
  it('every index still reaches ACTIVE/green, each copy created exactly once, with bounded retries', async () => {
    const names = indexNames('flaky', 6);
    await createIndices(cluster, names, SHARDS, REPLICAS);
    const settled = await waitAllActive(cluster, names, 120_000);
    const copies = names.length * SHARDS * (1 + REPLICAS);
    expect(settled.map((i) => allocatedCopies(i).length)).toEqual(names.map(() => SHARDS * (1 + REPLICAS)));

    // What the nodes hold is exactly what the indices claim, and no copy was created twice.
    expect(await heldCopies(sims)).toEqual(allAllocated(await listIndices(cluster)));
    const counts = await creationCounts(sims, cluster.namespace);
    expect(duplicates(counts)).toEqual({});
    expect(counts.size).toBe(copies);

    const stats = await Promise.all(sims.map(async (s) => (await s.stats()).stats));
    const injected = stats.reduce((n, s) => n + s.createInjectedFailures, 0);
    const calls = stats.reduce((n, s) => n + s.createCalls, 0);
    // The fault really struck (so the retries above were exercised) …
    expect(injected).toBeGreaterThan(0);
    // … and the operator retried each refused copy a bounded number of times, not in a hot loop.
    expect(calls).toBeLessThanOrEqual(copies * ATTEMPTS_PER_COPY);
  });
});
