import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, allocatedCopies, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, compactEtcd, listIndices, pause, PrivateControlPlane, resume, startPrivateControlPlane, waitAllActive, waitAllGone, watchFrom, waitNodesHealthy } from './support';

// Without the watch cache, kube-apiserver serves watches straight from etcd, so a watch resumed
// from a resourceVersion etcd has compacted away gets 410 Gone, exactly as a long-disconnected
// client does in production once the cache window has passed.
let pcp: PrivateControlPlane;
let cluster: Cluster;
let sims: SimProcess[];
let operator: OperatorProcess;

beforeAll(async () => {
  pcp = await startPrivateControlPlane({ extraApiServerArgs: ['--watch-cache=false'] });
  cluster = new Cluster(await createTestNamespace('fault-watch-410'));
  sims = await Promise.all(['d-0', 'd-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  // A lease that outlives the freeze below, so leadership is not the thing under test.
  operator = await OperatorProcess.start({
    namespace: cluster.namespace,
    args: ['--heartbeat-timeout=60', '--lease-duration=60', '--renew-deadline=40', '--retry-period=2'],
  });
  await waitNodesHealthy(cluster, sims.map((s) => s.name));
}, 120_000);

afterAll(async () => {
  if (operator?.process.exitStatus === undefined && operator?.process.pid) resume(operator.process);
  await stopAll();
  await pcp?.release();
});

/** A counter of the index informer, from the operator's /metrics text (0 when absent). */
function metricOf(text: string, name: string): number {
  const m = new RegExp(`^${name}\\{[^}]*resource="quidditchindices"[^}]*\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('watch expiry (410 Gone)', () => {
  it('re-lists and reconciles every change it missed while its resourceVersion was compacted away', async () => {
    await cluster.createIndex('scaled', 2, 0);
    await cluster.createIndex('doomed', 2, 0);
    await waitAllActive(cluster, ['scaled', 'doomed'], 60_000);
    // The newest version the operator can have seen: its informer resumes from here at most.
    const seen = (await listIndices(cluster)).map((i) => Number(i.metadata.resourceVersion));
    const lastSeen = String(Math.max(...seen));

    // Freeze the operator, then restart the server under it: its watches end while it cannot read
    // anything more, so when it wakes it must resume from lastSeen.
    const listsBefore = metricOf(await operator.metrics(), 'informer_lists_total');
    expect(listsBefore).toBeGreaterThanOrEqual(1); // the initial list
    pause(operator.process);
    await pcp.cp.stopApiServer();
    await pcp.cp.startApiServer();
    await cluster.createIndex('created-while-away', 2, 0);
    await cluster.indices.patchSpec(cluster.namespace, 'scaled', { replicas: 1 });
    await cluster.indices.delete(cluster.namespace, 'doomed');
    await compactEtcd(pcp.cp.etcdUrl);
    // Proof that the history the operator would resume from is gone: the server answers 410.
    expect(await watchFrom(cluster.kc, cluster.namespace, lastSeen)).toEqual({ type: 'ERROR', code: 410 });
    resume(operator.process);

    // The operator itself got the 410 and re-listed (not only our raw watch above).
    await waitFor(async () => metricOf(await operator.metrics(), 'informer_watch_expired_total') >= 1, {
      timeoutMs: 60_000, intervalMs: 200, description: 'the operator\'s index informer to report a 410',
    });
    await waitFor(async () => metricOf(await operator.metrics(), 'informer_lists_total') > listsBefore, {
      timeoutMs: 60_000, intervalMs: 200, description: 'the operator\'s index informer to re-list',
    });
    expect(operator.logs()).toMatch(/watch expired \(410 Gone\)/);

    const settled = await waitAllActive(cluster, ['scaled', 'created-while-away'], 60_000);
    await waitAllGone(cluster, ['doomed'], 30_000);
    expect(allocatedCopies(settled.find((i) => i.metadata.name === 'scaled')!)).toHaveLength(4);
    expect(await heldCopies(sims)).toEqual(allAllocated(await listIndices(cluster)));
    // The cache the routing API serves from was rebuilt as well: the deleted index is gone from it.
    await waitFor(async () => (await operator.get(`/v1/namespaces/${cluster.namespace}/indices/doomed/routing`)).status === 404, {
      timeoutMs: 10_000, intervalMs: 200, description: 'routing of doomed to answer 404',
    });
    expect(operator.process.exitStatus).toBeUndefined();
  });
});
