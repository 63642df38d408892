import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, createIndices, creationCounts, duplicates, indexNames, waitAllActive } from './support';

// The default lease (15 s) and renew deadline (10 s), so a takeover within 2 s can only come from
// the released lease, never from waiting it out. The retry period is 0.5 s: a standby notices a
// free lease at its next attempt, and 2 s (the default) would leave no room for the handover itself.
const TIMINGS = ['--lease-duration=15', '--renew-deadline=10', '--retry-period=0.5'];

let cluster: Cluster;
let sims: SimProcess[];
let operators: OperatorProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-handover'));
  sims = await Promise.all(['d-0', 'd-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  operators = await Promise.all(['op-a', 'op-b'].map((podName) => OperatorProcess.start({ namespace: cluster.namespace, podName, args: TIMINGS })));
}, 90_000);

afterAll(() => stopAll());

describe('graceful handover', () => {
  it('releases the lease on SIGTERM so the standby leads within 2 s, losing no work in flight', async () => {
    const holder = await waitFor(() => cluster.leaseHolder(), { timeoutMs: 20_000, intervalMs: 100, description: 'a lease holder' });
    const leader = operators.find((o) => holder.startsWith(o.podName))!;
    const standby = operators.find((o) => o !== leader)!;

    const names = indexNames('idx', 30);
    const creating = createIndices(cluster, names, 2, 1, 4);
    await waitFor(async () => (await cluster.indices.get(cluster.namespace, names[3]))?.status?.state === 'ACTIVE', {
      timeoutMs: 30_000, intervalMs: 50, description: 'the first indices to become ACTIVE',
    });

    const signalledAt = Date.now();
    const stopped = leader.stop(15_000);
    const newHolder = await waitFor(async () => {
      const h = await cluster.leaseHolder();
      return h?.startsWith(standby.podName) ? h : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50, description: 'the standby to hold the lease' });
    const handoverMs = Date.now() - signalledAt;
    await stopped;
    expect(leader.process.exitStatus).toBe(0);
    expect(newHolder.startsWith(standby.podName)).toBe(true);
    expect(handoverMs).toBeLessThan(2_000);
    expect(leader.logs()).toMatch(/released leader lease/);

    await creating;
    const indices = await waitAllActive(cluster, names, 60_000);
    expect(await heldCopies(sims)).toEqual(allAllocated(indices));
    expect(duplicates(await creationCounts(sims, cluster.namespace))).toEqual({});
  });
});
