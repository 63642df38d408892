import { CoordinationV1Api, KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { createServer, Server, Socket, connect } from 'node:net';
import { createLogger } from '../../../../lib/operator/logger';
import { OperatorMetrics } from '../../../../lib/operator/metrics';
import { LeaderElector, leaderIdentity, StoppedReason } from '../../../../lib/operator/runtime/leader-election';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../../support/kube';

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
// Short timings so the suite runs in seconds; the ordering lease > renew > retry is what matters.
const TIMING = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };

interface Candidate {
  readonly elector: LeaderElector;
  readonly stopped: StoppedReason[];
  started: number;
}

/** A TCP pass-through to the API server that a test can cut, to make one client lose the server. */
class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  cut = false;
  constructor(private readonly target: URL) {}
  async listen(): Promise<number> {
    this.server = createServer((client) => {
      if (this.cut) {
        client.destroy();
        return;
      }
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return (this.server?.address() as { port: number }).port;
  }
  disconnect(): void {
    this.cut = true;
    this.sockets.forEach((s) => s.destroy());
  }
  close(): Promise<void> {
    this.disconnect();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function kubeConfigVia(kc: KubeConfig, port: number): KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('test kubeconfig has no current cluster');
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: [{ ...cluster, server: `https://127.0.0.1:${port}` }],
    users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext,
  });
  return copy;
}

describe('LeaderElector against the real API server', () => {
  let kc: KubeConfig;
  let namespace: string;
  let leases: CoordinationV1Api;
  const running: LeaderElector[] = [];

  beforeAll(async () => {
    kc = testKubeConfig();
    leases = kc.makeApiClient(CoordinationV1Api);
    namespace = await createTestNamespace('leader');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });
  afterAll(async () => {
    await deleteNamespace(namespace);
  });

  function candidate(leaseName: string, name: string, kubeConfig = kc): Candidate {
    const c: Candidate = { stopped: [], started: 0, elector: undefined as unknown as LeaderElector };
    const elector = new LeaderElector({
      kubeConfig, namespace, leaseName, identity: leaderIdentity(name), ...TIMING, log: log.child({ candidate: name }),
      metrics: new OperatorMetrics(),
      onStartedLeading: () => c.started++,
      onStoppedLeading: (reason) => c.stopped.push(reason),
    });
    (c as { elector: LeaderElector }).elector = elector;
    running.push(elector);
    return c;
  }

  const holder = async (leaseName: string) => (await leases.readNamespacedLease({ name: leaseName, namespace })).spec;

  it('lets exactly one of two candidates lead, and records it as the lease holder', async () => {
    const [a, b] = [candidate('two', 'a'), candidate('two', 'b')];
    a.elector.start();
    b.elector.start();
    const leader = await waitFor(() => [a, b].find((c) => c.elector.isLeader()), { description: 'a leader', timeoutMs: 10_000 });
    // Several retry periods later it is still exactly one, and it is the one the lease names.
    await new Promise((r) => setTimeout(r, 4 * TIMING.retryPeriodMs));
    expect([a, b].filter((c) => c.elector.isLeader())).toEqual([leader]);
    expect((await holder('two'))?.holderIdentity).toBe(leader.elector.identity);
    expect(leader.started).toBe(1);
    expect([a, b].reduce((n, c) => n + c.started, 0)).toBe(1);
  });

  it('hands over at once on release, without waiting for the lease to expire', async () => {
    const first = candidate('release', 'first');
    first.elector.start();
    await waitFor(() => first.elector.isLeader(), { description: 'first to lead', timeoutMs: 10_000 });
    const second = candidate('release', 'second');
    second.elector.start();
    await new Promise((r) => setTimeout(r, 2 * TIMING.retryPeriodMs));
    expect(second.elector.isLeader()).toBe(false);
    const transitionsBefore = (await holder('release'))?.leaseTransitions ?? 0;

    await first.elector.release();
    expect(first.elector.isLeader()).toBe(false);
    expect(first.stopped).toEqual(['released']);
    // The released lease names no holder, so the standby must not wait out the lease duration.
    await waitFor(() => second.elector.isLeader(), { description: 'second to lead before the old lease would expire', timeoutMs: TIMING.leaseDurationMs - 500, intervalMs: 50 });
    const spec = await holder('release');
    expect(spec?.holderIdentity).toBe(second.elector.identity);
    expect(spec?.leaseTransitions).toBe(transitionsBefore + 1);
  });

  it('takes over a lease whose holder stopped renewing once it has expired', async () => {
    const first = candidate('expire', 'first');
    first.elector.start();
    await waitFor(() => first.elector.isLeader(), { description: 'first to lead', timeoutMs: 10_000 });
    await first.elector.stop(); // no release: the lease stays held until it expires
    expect(first.stopped).toEqual(['stopped']);
    const renewedAt = new Date((await holder('expire'))?.renewTime as Date).getTime();
    const second = candidate('expire', 'second');
    second.elector.start();
    await waitFor(() => second.elector.isLeader(), { description: 'second to lead', timeoutMs: 15_000, intervalMs: 50 });
    expect(Date.now()).toBeGreaterThanOrEqual(renewedAt + TIMING.leaseDurationMs);
  });

  it('steps down as soon as it sees another holder write the lease', async () => {
    const leader = candidate('intruder', 'leader');
    leader.elector.start();
    await waitFor(() => leader.elector.isLeader(), { description: 'leader to lead', timeoutMs: 10_000 });
    const lease = await leases.readNamespacedLease({ name: 'intruder', namespace });
    const now = new V1MicroTime(Date.now());
    await leases.replaceNamespacedLease({
      name: 'intruder', namespace,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'someone-else', renewTime: now, acquireTime: now, leaseDurationSeconds: 60 } },
    });
    await waitFor(() => leader.stopped.length > 0, { description: 'leader to step down', timeoutMs: 10_000 });
    expect(leader.stopped).toEqual(['lost']);
    expect(leader.elector.isLeader()).toBe(false);
    expect((await holder('intruder'))?.holderIdentity).toBe('someone-else');
  });

  it('steps down within the renew deadline when it cannot reach the API server, before its lease expires', async () => {
    const server = new URL(kc.getCurrentCluster()?.server ?? '');
    const proxy = new CuttableProxy(server);
    const port = await proxy.listen();
    try {
      const leader = candidate('cut-off', 'leader', kubeConfigVia(kc, port));
      leader.elector.start();
      await waitFor(() => leader.elector.isLeader(), { description: 'leader to lead', timeoutMs: 10_000 });
      proxy.disconnect();
      await waitFor(() => !leader.elector.isLeader(), { description: 'leader to stop considering itself leader', timeoutMs: 10_000, intervalMs: 50 });
      const renewedAt = new Date((await holder('cut-off'))?.renewTime as Date).getTime();
      // It gave up leadership before anyone else could acquire the lease.
      expect(Date.now()).toBeLessThan(renewedAt + TIMING.leaseDurationMs);
      await waitFor(() => leader.stopped.length > 0, { description: 'onStoppedLeading', timeoutMs: 10_000 });
      expect(leader.stopped).toEqual(['lost']);
      const standby = candidate('cut-off', 'standby');
      standby.elector.start();
      await waitFor(() => standby.elector.isLeader(), { description: 'standby to take over the expired lease', timeoutMs: 15_000 });
    } finally {
      await proxy.close();
    }
  });

  it('refuses timings where the renew deadline is not below the lease duration', () => {
    expect(() => new LeaderElector({ kubeConfig: kc, namespace, leaseName: 'x', identity: 'i', leaseDurationMs: 2000, renewDeadlineMs: 2000, retryPeriodMs: 500, log }))
      .toThrow(`Unable to create leader elector for lease ${namespace}/x: need leaseDuration (2000 ms) > renewDeadline (2000 ms) > retryPeriod (500 ms) > 0. Adjust the timings.`);
  });
});
