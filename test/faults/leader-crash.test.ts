import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, createIndices, creationCounts, duplicates, indexNames, waitAllActive } from './support';

// Short lease timings keep the test under a minute; the bound checked is the same formula the
// default timings give (15 s + 2 s), which the failover benchmark measures.
const LEASE_S = 4;
const RETRY_S = 0.5;
const TIMINGS = [`--lease-duration=${LEASE_S}`, '--renew-deadline=3', `--retry-period=${RETRY_S}`];
// Measured from outside by polling the Lease every 100 ms, on a loaded 2-core machine.
const OBSERVATION_SLACK_MS = 1_000;

let cluster: Cluster;
let sims: SimProcess[];
let operators: OperatorProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-leader-crash'));
  sims = await Promise.all(['d-0', 'd-1', 'd-2'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  operators = await Promise.all(['op-a', 'op-b'].map((podName) => OperatorProcess.start({ namespace: cluster.namespace, podName, args: TIMINGS })));
}, 90_000);

afterAll(() => stopAll());

describe('leader crash while 100 indices are being created', () => {
  it('lets the standby take over within lease + retry, and every copy is created exactly once', async () => {
    const holder = await waitFor(() => cluster.leaseHolder(), { timeoutMs: 15_000, intervalMs: 100, description: 'a lease holder' });
    const leader = operators.find((o) => holder.startsWith(o.podName))!;
    const standby = operators.find((o) => o !== leader)!;

    const names = indexNames('idx', 100);
    const creating = createIndices(cluster, names, 2, 1, 8);
    // Kill in the middle of the work: some indices are ACTIVE, most are not.
    await waitFor(async () => (await cluster.indices.get(cluster.namespace, names[10]))?.status?.state === 'ACTIVE', {
      timeoutMs: 30_000, intervalMs: 50, description: 'the first indices to become ACTIVE',
    });
    await leader.kill();
    const killedAt = Date.now();
    const active = (await Promise.all(names.map((n) => cluster.indices.get(cluster.namespace, n)))).filter((i) => i?.status?.state === 'ACTIVE');
    expect(active.length).toBeLessThan(names.length);

    const newHolder = await waitFor(async () => {
      const h = await cluster.leaseHolder();
      return h?.startsWith(standby.podName) ? h : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, description: 'the standby to hold the lease' });
    const takeoverMs = Date.now() - killedAt;
    expect(newHolder.startsWith(standby.podName)).toBe(true);
    expect(takeoverMs).toBeLessThanOrEqual((LEASE_S + RETRY_S) * 1000 + OBSERVATION_SLACK_MS);

    await creating;
    const indices = await waitAllActive(cluster, names, 90_000);
    expect(indices).toHaveLength(100);
    // Nothing lost, nothing extra: the sims hold exactly the allocated copies...
    expect(await heldCopies(sims)).toEqual(allAllocated(indices));
    // ...and none was created twice, though the new leader re-ran whatever the old one had started.
    const counts = await creationCounts(sims, cluster.namespace);
    expect(duplicates(counts)).toEqual({});
    expect(counts.size).toBe(100 * 2 * 2);
  });
});
