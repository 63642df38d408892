import { CoordinationV1Api, CustomObjectsApi, KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { request } from 'node:http';
import type { QuidditchIndex } from '../../../../lib/api/v1';
import { createLogger } from '../../../../lib/operator/logger';
import { OperatorMetrics } from '../../../../lib/operator/metrics';
import type { Clock } from '../../../../lib/operator/runtime/clock';
import { Controller } from '../../../../lib/operator/runtime/controller';
import { leaderIdentity } from '../../../../lib/operator/runtime/leader-election';
import { Manager } from '../../../../lib/operator/runtime/manager';
import { done, Reconciler, ReconcileResult } from '../../../../lib/operator/runtime/reconciler';
import { BreakableClock } from '../../../support/breakable-clock';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../../support/kube';

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const GROUP = { group: 'quidditch.io', version: 'v1', plural: 'quidditchindices' } as const;

/** Records when each reconcile ran; takes `delayMs` so reconciles overlap a shutdown. */
class RecordingReconciler implements Reconciler {
  readonly runs: Array<{ key: string; start: number; end: number }> = [];
  constructor(private readonly delayMs = 0) {}
  async reconcile(key: string): Promise<ReconcileResult> {
    const start = Date.now();
    await new Promise((r) => setTimeout(r, this.delayMs));
    this.runs.push({ key, start, end: Date.now() });
    return done();
  }
}

interface Replica {
  readonly manager: Manager;
  readonly reconciler: RecordingReconciler;
  readonly controller: Controller;
  readonly lost: number[];
  ports: { httpPort: number; metricsPort: number };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

describe('Manager against the real API server', () => {
  let kc: KubeConfig;
  let namespace: string;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    kc = testKubeConfig();
    namespace = await createTestNamespace('manager');
  });
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.manager.shutdown()));
  });
  afterAll(async () => {
    await deleteNamespace(namespace);
  });

  async function replica(name: string, leaseName: string, delayMs = 0, clock?: Clock): Promise<Replica> {
    const metrics = new OperatorMetrics();
    const lost: number[] = [];
    const manager = new Manager({
      kubeConfig: kc, namespace, log: log.child({ replica: name }), metrics,
      http: { host: '127.0.0.1', port: 0 }, metricsHttp: { host: '127.0.0.1', port: 0 },
      leaderElection: { leaseName, identity: leaderIdentity(name), leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500, clock },
      onLeadershipLost: () => lost.push(Date.now()),
    });
    const reconciler = new RecordingReconciler(delayMs);
    const controller = new Controller({ name: 'index', reconciler, log, metrics, concurrency: 2 });
    controller.watch(manager.informer<QuidditchIndex>(GROUP.plural));
    manager.addController(controller);
    const r: Replica = { manager, reconciler, controller, lost, ports: { httpPort: 0, metricsPort: 0 } };
    replicas.push(r);
    r.ports = await manager.start();
    return r;
  }

  async function createIndex(name: string): Promise<void> {
    const body = { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name }, spec: { shards: 1, replicas: 0 } };
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...GROUP, namespace, body });
  }

  it('serves readiness on every replica but reconciles only on the leader', async () => {
    const [a, b] = [await replica('a', 'only-leader'), await replica('b', 'only-leader')];
    for (const r of [a, b]) await waitFor(async () => (await get(r.ports.httpPort, '/readyz')).status === 200, { description: 'readyz 200', timeoutMs: 10_000 });
    const leader = await waitFor(() => [a, b].find((r) => r.manager.isLeader() && r.controller.isRunning()), { description: 'a leader running controllers', timeoutMs: 10_000 });
    const standby = leader === a ? b : a;
    await createIndex('one');
    await waitFor(() => leader.reconciler.runs.some((x) => x.key === `${namespace}/one`), { description: 'leader reconciles the new index', timeoutMs: 10_000 });
    // The standby had the chance to act: its own cache holds the index. It still must not reconcile it.
    await waitFor(() => standby.manager.informer<QuidditchIndex>(GROUP.plural).get(namespace, 'one'), { description: 'the standby to cache the index', timeoutMs: 10_000 });
    expect(standby.reconciler.runs).toEqual([]);
    expect(standby.controller.isRunning()).toBe(false);
    expect((await get(leader.ports.metricsPort, '/metrics')).body).toMatch(/^leader_is_leader 1$/m);
    expect((await get(standby.ports.metricsPort, '/metrics')).body).toMatch(/^leader_is_leader 0$/m);
    expect((await get(leader.ports.metricsPort, '/metrics')).body).toMatch(/^reconcile_total\{controller="index",result="done"\} [1-9]/m);
  });

  it('on graceful shutdown finishes in-flight reconciles before the standby takes over, without waiting for the lease to expire', async () => {
    const first = await replica('first', 'handover', 400);
    await waitFor(() => first.controller.isRunning(), { description: 'first to run controllers', timeoutMs: 10_000 });
    const second = await replica('second', 'handover', 400);
    await waitFor(async () => (await get(second.ports.httpPort, '/readyz')).status === 200, { description: 'second ready', timeoutMs: 10_000 });
    await Promise.all(['h1', 'h2', 'h3'].map(createIndex));
    await waitFor(() => first.reconciler.runs.length > 0 || undefined, { description: 'first to be reconciling', timeoutMs: 10_000, intervalMs: 20 });

    await first.manager.shutdown();
    // Released, not left to expire: the lease no longer names the first replica.
    const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'handover', namespace });
    expect(lease.spec?.holderIdentity?.startsWith('first_')).toBe(false);
    const lastFirstEnd = Math.max(...first.reconciler.runs.map((r) => r.end));
    await waitFor(() => second.reconciler.runs.length >= 3, { description: 'second to reconcile every index', timeoutMs: 15_000 });
    const firstSecondStart = Math.min(...second.reconciler.runs.map((r) => r.start));
    // Never two leaders reconciling at once: the old leader's last reconcile ended first.
    expect(firstSecondStart).toBeGreaterThanOrEqual(lastFirstEnd);
    expect(first.lost).toEqual([]);
    expect((await get(second.ports.httpPort, '/readyz')).status).toBe(200);
  });

  it('stops controllers and reports leadership loss when another replica takes the lease', async () => {
    const r = await replica('victim', 'taken');
    await waitFor(() => r.controller.isRunning(), { description: 'controllers running', timeoutMs: 10_000 });
    const leases = kc.makeApiClient(CoordinationV1Api);
    const lease = await leases.readNamespacedLease({ name: 'taken', namespace });
    const now = new V1MicroTime(Date.now());
    await leases.replaceNamespacedLease({ name: 'taken', namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: 'usurper', renewTime: now, leaseDurationSeconds: 60 } } });
    await waitFor(() => r.lost.length === 1, { description: 'onLeadershipLost', timeoutMs: 10_000 });
    expect(r.controller.isRunning()).toBe(false);
    expect(r.manager.isLeader()).toBe(false);
  });

  it('stops controllers and reports leadership loss when its election loop dies, so the process exits', async () => {
    const clock = new BreakableClock();
    const r = await replica('broken', 'dies', 0, clock);
    await waitFor(() => r.controller.isRunning(), { description: 'controllers running', timeoutMs: 10_000 });
    clock.broken = true; // the election loop's next sleep throws
    await waitFor(() => r.lost.length === 1, { description: 'onLeadershipLost', timeoutMs: 10_000 });
    expect(r.controller.isRunning()).toBe(false);
    expect(r.manager.isLeader()).toBe(false);
    // No reconcile without a lease: an index created now is not reconciled by this replica.
    await createIndex('after-failure');
    await waitFor(() => r.manager.informer<QuidditchIndex>(GROUP.plural).get(namespace, 'after-failure'), { description: 'the replica to cache the new index', timeoutMs: 10_000 });
    expect(r.reconciler.runs.map((x) => x.key)).not.toContain(`${namespace}/after-failure`);
  });
});
