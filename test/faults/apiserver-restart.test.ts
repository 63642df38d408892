import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, allocatedCopies, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, creationCounts, duplicates, listIndices, PrivateControlPlane, startPrivateControlPlane, waitAllActive, waitAllGone } from './support';

// kube-apiserver is stopped and started here, so this file runs its own control plane.
let pcp: PrivateControlPlane;
let cluster: Cluster;
let sims: SimProcess[];
let operator: OperatorProcess;

beforeAll(async () => {
  pcp = await startPrivateControlPlane();
  cluster = new Cluster(await createTestNamespace('fault-apiserver'));
  sims = await Promise.all(['d-0', 'd-1', 'd-2'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  // A heartbeat timeout longer than the outage: nodes could not report while the server was down.
  // A renew deadline longer than it too: stopping plus restarting kube-apiserver takes 10 s or more
  // on this machine, and a leader that cannot renew for the deadline (10 s by default) steps down
  // and exits for its pod to restart, as controller-runtime's do. That is by design; here the
  // subject is the informers' recovery in a process that stays up.
  operator = await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=60', '--lease-duration=60', '--renew-deadline=45'] });
}, 120_000);

afterAll(async () => {
  await stopAll();
  await pcp?.release();
});

/** informer_restarts_total per resource, read from the operator's /metrics. */
async function informerRestarts(): Promise<Record<string, number>> {
  const text = await operator.metrics();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^informer_restarts_total\{[^}]*resource="([^"]+)"[^}]*\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** Waits until the index and node informers each restarted at least `more` times since `before`. */
async function waitForInformerRestarts(before: Record<string, number>, more: number): Promise<void> {
  await waitFor(async () => {
    const now = await informerRestarts();
    return ['quidditchindices', 'quidditchnodes'].every((r) => (now[r] ?? 0) - (before[r] ?? 0) >= more);
  }, { timeoutMs: 60_000, intervalMs: 200, description: `both informers to restart ${more} more times` });
}

describe('kube-apiserver restart while the operator runs', () => {
  it('keeps the operator alive, recovers its informers and reconciles the changes made once the server is back', async () => {
    await cluster.createIndex('kept', 3, 1);
    await cluster.createIndex('scaled', 2, 0);
    await cluster.createIndex('doomed', 2, 1);
    await waitAllActive(cluster, ['kept', 'scaled', 'doomed'], 60_000);

    const restartsBefore = await informerRestarts();
    await pcp.cp.stopApiServer();
    // Not a fixed sleep: wait until both informers saw their watch break and a reconnect fail.
    await waitForInformerRestarts(restartsBefore, 2);
    expect(operator.process.exitStatus).toBeUndefined();
    await pcp.cp.startApiServer();

    // Changes made as soon as the server answers again, before the operator's watches are back.
    await cluster.createIndex('created-after', 2, 1);
    await cluster.indices.patchSpec(cluster.namespace, 'scaled', { replicas: 1 });
    await cluster.indices.delete(cluster.namespace, 'doomed');

    const settled = await waitAllActive(cluster, ['kept', 'scaled', 'created-after'], 60_000);
    await waitAllGone(cluster, ['doomed'], 30_000);
    expect(operator.process.exitStatus).toBeUndefined();
    // The watches did break and were restarted (not merely resumed by luck).
    expect(await operator.metrics()).toMatch(/informer_restarts_total\{[^}]*resource="quidditchindices"[^}]*\} [1-9]/);
    const scaled = settled.find((i) => i.metadata.name === 'scaled')!;
    expect(allocatedCopies(scaled)).toHaveLength(4);
    expect(await heldCopies(sims)).toEqual(allAllocated(await listIndices(cluster)));

    // The routing cache followed too: it serves the index created after the restart.
    const route = await waitFor(async () => {
      const res = await operator.get(`/v1/namespaces/${cluster.namespace}/indices/created-after/routing`);
      return res.status === 200 ? (JSON.parse(res.body) as { state: string }) : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200, description: 'routing of created-after' });
    expect(route.state).toBe('ACTIVE');
    expect((await operator.get(`/v1/namespaces/${cluster.namespace}/indices/doomed/routing`)).status).toBe(404);
    // Nodes kept (or regained) HEALTHY once their heartbeats got through again.
    await waitFor(async () => (await Promise.all(sims.map((s) => cluster.node(s.name)))).every((n) => n?.status?.state === 'HEALTHY'), {
      timeoutMs: 15_000, intervalMs: 200, description: 'every node HEALTHY',
    });
  });

  it('survives kube-apiserver being SIGKILLed mid-flight, and still creates every copy exactly once', async () => {
    await cluster.createIndex('during-kill', 3, 1);
    const restartsBefore = await informerRestarts();
    await pcp.cp.killApiServer();
    await waitForInformerRestarts(restartsBefore, 2);
    expect(operator.process.exitStatus).toBeUndefined();
    await pcp.cp.startApiServer();
    await cluster.createIndex('after-kill', 2, 1);

    await waitAllActive(cluster, ['kept', 'scaled', 'created-after', 'during-kill', 'after-kill'], 90_000);
    expect(operator.process.exitStatus).toBeUndefined();
    expect(await heldCopies(sims)).toEqual(allAllocated(await listIndices(cluster)));
    const counts = await creationCounts(sims, cluster.namespace);
    expect(duplicates(counts)).toEqual({});
    // Every copy ever allocated in this file, created once: kept 3×2, scaled 2×2, created-after 2×2,
    // doomed 2×2 (since deleted), during-kill 3×2, after-kill 2×2.
    expect(counts.size).toBe(6 + 4 + 4 + 4 + 6 + 4);
  });
});
