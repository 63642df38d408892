import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, createIndices, creationCounts, duplicates, indexNames, waitAllActive, waitNodesHealthy } from './support';

// Short lease timings keep the test under a minute. How long the takeover takes is measured by the
// failover benchmark; here only its order is checked, from the times the replicas wrote in the Lease.
// Not shorter: with a 3 s renew deadline, a loaded machine (two CI runs at once, CI run14) let both
// replicas miss their renewals in turn and step down, leaving no leader to finish the work.
const LEASE_S = 10;
const TIMINGS = [`--lease-duration=${LEASE_S}`, '--renew-deadline=7', '--retry-period=1'];

let cluster: Cluster;
let sims: SimProcess[];
let operators: OperatorProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-leader-crash'));
  sims = await Promise.all(['d-0', 'd-1', 'd-2'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  operators = await Promise.all(['op-a', 'op-b'].map((podName) => OperatorProcess.start({ namespace: cluster.namespace, podName, args: TIMINGS })));
  // Copies go to HEALTHY nodes only; an index placed before a node is judged is rebalanced onto it later.
  await waitNodesHealthy(cluster, sims.map((s) => s.name));
}, 90_000);

afterAll(() => stopAll());

describe('leader crash while 100 indices are being created', () => {
  it('lets the standby take over once the lease expired, and every copy is created exactly once', async () => {
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
    const lastRenewal = await cluster.lease(); // the dead leader writes nothing more
    const active = (await Promise.all(names.map((n) => cluster.indices.get(cluster.namespace, n)))).filter((i) => i?.status?.state === 'ACTIVE');
    expect(active.length).toBeLessThan(names.length);

    const taken = await waitFor(async () => {
      const l = await cluster.lease();
      return l?.holder.startsWith(standby.podName) ? l : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100, description: 'the standby to hold the lease' });
    // The holder changed exactly once, and only after the dead leader's lease had expired: the
    // standby never took a lease that was still valid.
    expect(lastRenewal!.holder.startsWith(leader.podName)).toBe(true);
    expect(taken.transitions).toBe(lastRenewal!.transitions + 1);
    expect(taken.acquiredMs).toBeGreaterThan(lastRenewal!.renewedMs + LEASE_S * 1000);

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
