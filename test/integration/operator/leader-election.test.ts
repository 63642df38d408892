import { createTestNamespace, waitFor } from '../../support/kube';
import { Cluster } from './fixtures';
import { OperatorProcess, SimProcess, stopAll } from './harness';

const LEASE_S = 30;
let cluster: Cluster;
let operators: OperatorProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('op-leader'));
  await SimProcess.start({ name: 'd-0', namespace: cluster.namespace });
  // A long lease: a takeover before the old holder's last renewal + LEASE_S proves it came from the release.
  const fast = [`--lease-duration=${LEASE_S}`, '--renew-deadline=3', '--retry-period=0.5'];
  operators = await Promise.all(['op-a', 'op-b'].map((podName) => OperatorProcess.start({ namespace: cluster.namespace, podName, args: fast })));
}, 90_000);

afterAll(async () => {
  await stopAll();
});

const isLeader = async (op: OperatorProcess) => /^leader_is_leader 1$/m.test(await op.metrics());

describe('two operator replicas', () => {
  it('let exactly one hold the Lease and reconcile, while both serve routing', async () => {
    const holder = await waitFor(() => cluster.leaseHolder(), { timeoutMs: 15_000, intervalMs: 200, description: 'a lease holder' });
    expect(operators.filter((o) => holder.startsWith(o.podName))).toHaveLength(1);
    const leaders = await Promise.all(operators.map(isLeader));
    expect(leaders.filter(Boolean)).toHaveLength(1);

    await cluster.createIndex('one', 1, 0);
    await cluster.waitForActive('one');
    const reconciled = await Promise.all(operators.map(async (op) => /reconcile_total\{[^}]*controller="index"[^}]*\} [1-9]/.test(await op.metrics())));
    expect(reconciled).toEqual(leaders);
    for (const op of operators) {
      await waitFor(async () => (await op.get(`/v1/namespaces/${cluster.namespace}/indices/one/routing`)).status === 200, { timeoutMs: 10_000, intervalMs: 100, description: `${op.podName} routing` });
    }
  });

  it('hands over to the standby on release when the leader stops gracefully, without waiting out the lease', async () => {
    const leaderIdx = (await Promise.all(operators.map(isLeader))).indexOf(true);
    const [leader, standby] = [operators[leaderIdx], operators[1 - leaderIdx]];
    const before = await cluster.lease();
    await leader.stop();
    expect(leader.process.exitStatus).toBe(0);
    await waitFor(() => isLeader(standby), { timeoutMs: 20_000, intervalMs: 100, description: 'standby to lead' });
    const after = await cluster.lease();
    expect(after?.holder.startsWith(standby.podName)).toBe(true);
    expect(after?.transitions).toBe(before!.transitions + 1);
    // Acquired while the old lease was still valid: only the release allows that.
    expect(after!.acquiredMs).toBeLessThan(before!.renewedMs + LEASE_S * 1000);
    await cluster.createIndex('two', 1, 0);
    await cluster.waitForActive('two');
  });
});
