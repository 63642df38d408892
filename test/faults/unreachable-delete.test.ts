import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, heldCopies } from '../integration/operator/fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { waitAllActive } from './support';

const DELETE_TIMEOUT_S = 6;

let cluster: Cluster;
let sims: SimProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-unreachable'));
  sims = await Promise.all(['d-0', 'd-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  // The heartbeat timeout outlasts the test: the node still looks HEALTHY, it just cannot be reached.
  await OperatorProcess.start({ namespace: cluster.namespace, args: [`--delete-timeout=${DELETE_TIMEOUT_S}`, '--heartbeat-timeout=300', '--grpc-timeout=1'] });
}, 90_000);

afterAll(() => stopAll());

describe('index deletion with an unreachable data node', () => {
  it('waits at most --delete-timeout, then removes the finalizer with a Warning event naming what was left', async () => {
    await cluster.createIndex('stuck', 2, 1);
    await waitAllActive(cluster, ['stuck'], 60_000);
    const [reachable, unreachable] = sims;
    const leftBehind = (await heldCopies([unreachable], 'stuck')).length;
    expect(leftBehind).toBe(2);
    await unreachable.kill();

    const deletedAt = Date.now();
    await cluster.indices.delete(cluster.namespace, 'stuck');
    await waitFor(async () => (await cluster.indices.get(cluster.namespace, 'stuck')) === undefined, {
      timeoutMs: (DELETE_TIMEOUT_S + 20) * 1000, intervalMs: 200, description: 'stuck to be gone despite the unreachable node',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${allLogs(40)}`);
    });
    const tookMs = Date.now() - deletedAt;
    // It did wait for the node (deletionTimestamp has 1 s resolution, hence the second of slack)...
    expect(tookMs).toBeGreaterThanOrEqual((DELETE_TIMEOUT_S - 1) * 1000);
    // ...and the reachable node's copies were deleted.
    expect(await heldCopies([reachable], 'stuck')).toEqual([]);

    const warnings = (await cluster.waitForEvents('stuck', ['ShardsLeftBehind'])).filter((e) => e.type === 'Warning' && e.reason === 'ShardsLeftBehind');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain(unreachable.name);
    expect(warnings[0].message).toMatch(new RegExp(`${leftBehind} copies`));
  });
});
