import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, createIndices, creationCounts, duplicates, indexNames, waitAllActive, waitNodesHealthy } from './support';

// A long lease (60 s): a takeover before the old holder's last renewal + 60 s can only come from the
// released lease, never from waiting it out — with a minute of slack for a busy machine. Nothing is
// timed against the test's own clock: the order comes from the times the replicas wrote in the Lease.
const LEASE_S = 60;
const TIMINGS = [`--lease-duration=${LEASE_S}`, '--renew-deadline=10', '--retry-period=0.5'];

let cluster: Cluster;
let sims: SimProcess[];
let operators: OperatorProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-handover'));
  sims = await Promise.all(['d-0', 'd-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  operators = await Promise.all(['op-a', 'op-b'].map((podName) => OperatorProcess.start({ namespace: cluster.namespace, podName, args: TIMINGS })));
  // Copies go to HEALTHY nodes only; an index placed before a node is judged is rebalanced onto it later.
  await waitNodesHealthy(cluster, sims.map((s) => s.name));
}, 90_000);

afterAll(() => stopAll());

describe('graceful handover', () => {
  it('releases the lease on SIGTERM so the standby leads before the lease could expire, losing no work in flight', async () => {
    const holder = await waitFor(() => cluster.leaseHolder(), { timeoutMs: 20_000, intervalMs: 100, description: 'a lease holder' });
    const leader = operators.find((o) => holder.startsWith(o.podName))!;
    const standby = operators.find((o) => o !== leader)!;

    const names = indexNames('idx', 30);
    const creating = createIndices(cluster, names, 2, 1, 4);
    await waitFor(async () => (await cluster.indices.get(cluster.namespace, names[3]))?.status?.state === 'ACTIVE', {
      timeoutMs: 30_000, intervalMs: 50, description: 'the first indices to become ACTIVE',
    });

    const before = await cluster.lease();
    const stopped = leader.stop(30_000);
    const after = await waitFor(async () => {
      const l = await cluster.lease();
      return l?.holder.startsWith(standby.podName) ? l : undefined;
    }, { timeoutMs: 40_000, intervalMs: 50, description: 'the standby to hold the lease' });
    await stopped;
    expect(leader.process.exitStatus).toBe(0);
    expect(leader.logs()).toMatch(/released leader lease/);
    // The holder changed exactly once, to the standby, while the old holder's lease was still valid:
    // only the release makes that possible.
    expect(after.transitions).toBe(before!.transitions + 1);
    expect(after.acquiredMs).toBeLessThan(before!.renewedMs + LEASE_S * 1000);

    await creating;
    const indices = await waitAllActive(cluster, names, 60_000);
    expect(await heldCopies(sims)).toEqual(allAllocated(indices));
    // Exactly once: no copy created twice, and every allocated copy created (30 indices × 2 shards × 2 copies).
    const counts = await creationCounts(sims, cluster.namespace);
    expect(duplicates(counts)).toEqual({});
    expect(counts.size).toBe(30 * 2 * 2);
  });
});
