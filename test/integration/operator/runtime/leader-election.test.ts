import { CoordinationV1Api, KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { createServer, Server, Socket, connect } from 'node:net';
import { createLogger } from '../../../../lib/operator/logger';
import { OperatorMetrics } from '../../../../lib/operator/metrics';
import type { Clock } from '../../../../lib/operator/runtime/clock';
import { LeaderElector, leaderIdentity, StoppedReason } from '../../../../lib/operator/runtime/leader-election';
import { BreakableClock } from '../../../support/breakable-clock';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../../support/kube';

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
// Short timings so the suite runs in seconds; the ordering lease > renew > retry is what matters.
// No assertion depends on how fast this machine is: tests that compare times against a lease use a
// long lease (LONG_LEASE), so the margin is many retry periods, and the times compared are those the
// electors themselves wrote into the Lease or recorded in their callbacks.
const TIMING = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };
const LONG_LEASE = { leaseDurationMs: 30_000, renewDeadlineMs: 2000, retryPeriodMs: 500 };

interface Candidate {
  readonly elector: LeaderElector;
  readonly metrics: OperatorMetrics;
  readonly stopped: StoppedReason[];
  /** Date.now() when onStoppedLeading ran. */
  stoppedAt: number;
  started: number;
}

/** Attempts with the given outcome the candidate has made so far (leader_election_attempts_total). */
async function attempts(c: Candidate, result: 'held' | 'taken' | 'failed'): Promise<number> {
  return (await c.metrics.leaderElectionAttempts.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
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

  function candidate(leaseName: string, name: string, options: { kubeConfig?: KubeConfig; timing?: typeof TIMING; clock?: Clock } = {}): Candidate {
    const c: Candidate = { stopped: [], stoppedAt: 0, started: 0, metrics: new OperatorMetrics(), elector: undefined as unknown as LeaderElector };
    const elector = new LeaderElector({
      kubeConfig: options.kubeConfig ?? kc, namespace, leaseName, identity: leaderIdentity(name), ...(options.timing ?? TIMING), log: log.child({ candidate: name }),
      metrics: c.metrics, clock: options.clock,
      onStartedLeading: () => c.started++,
      onStoppedLeading: (reason) => {
        c.stopped.push(reason);
        c.stoppedAt = Date.now();
      },
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
    const standby = leader === a ? b : a;
    // Not a fixed sleep: wait until the standby has tried three times and found the lease taken.
    await waitFor(async () => (await attempts(standby, 'taken')) >= 3, { description: 'the standby to try three times', timeoutMs: 20_000 });
    expect([a, b].filter((c) => c.elector.isLeader())).toEqual([leader]);
    expect(await attempts(standby, 'held')).toBe(0);
    expect((await holder('two'))?.holderIdentity).toBe(leader.elector.identity);
    expect(leader.started).toBe(1);
    expect([a, b].reduce((n, c) => n + c.started, 0)).toBe(1);
  });

  it('hands over on release, without waiting for the lease to expire', async () => {
    const first = candidate('release', 'first', { timing: LONG_LEASE });
    first.elector.start();
    await waitFor(() => first.elector.isLeader(), { description: 'first to lead', timeoutMs: 10_000 });
    const second = candidate('release', 'second', { timing: LONG_LEASE });
    second.elector.start();
    await waitFor(async () => (await attempts(second, 'taken')) >= 1, { description: 'the standby to find the lease taken', timeoutMs: 10_000 });
    expect(second.elector.isLeader()).toBe(false);
    const before = await holder('release');
    const lastRenewal = new Date(before?.renewTime as Date).getTime();

    await first.elector.release();
    expect(first.elector.isLeader()).toBe(false);
    expect(first.stopped).toEqual(['released']);
    await waitFor(() => second.elector.isLeader(), { description: 'second to lead', timeoutMs: 20_000, intervalMs: 50 });
    const spec = await holder('release');
    expect(spec?.holderIdentity).toBe(second.elector.identity);
    expect(spec?.leaseTransitions).toBe((before?.leaseTransitions ?? 0) + 1); // the holder changed exactly once
    // Causality, from the times the electors wrote: the standby acquired while the old holder's lease
    // (30 s) was still valid, which only the release allows — waiting it out could not have.
    expect(new Date(spec?.acquireTime as Date).getTime()).toBeLessThan(lastRenewal + LONG_LEASE.leaseDurationMs);
  });

  it('takes over a lease whose holder stopped renewing only once it has expired', async () => {
    const first = candidate('expire', 'first');
    first.elector.start();
    await waitFor(() => first.elector.isLeader(), { description: 'first to lead', timeoutMs: 10_000 });
    await first.elector.stop(); // no release: the lease stays held until it expires
    expect(first.stopped).toEqual(['stopped']);
    const renewedAt = new Date((await holder('expire'))?.renewTime as Date).getTime();
    const second = candidate('expire', 'second');
    second.elector.start();
    await waitFor(() => second.elector.isLeader(), { description: 'second to lead', timeoutMs: 15_000, intervalMs: 50 });
    const spec = await holder('expire');
    expect(spec?.holderIdentity).toBe(second.elector.identity);
    // It found the lease taken first, and acquired only after the old renewal + lease duration.
    expect(await attempts(second, 'taken')).toBeGreaterThanOrEqual(1);
    expect(new Date(spec?.acquireTime as Date).getTime()).toBeGreaterThan(renewedAt + TIMING.leaseDurationMs);
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

  it('steps down after the renew deadline when it cannot reach the API server, before its lease expires', async () => {
    const server = new URL(kc.getCurrentCluster()?.server ?? '');
    const proxy = new CuttableProxy(server);
    const port = await proxy.listen();
    // Renew deadline 2 s, lease 12 s: stepping down must happen in between, with 10 s of slack.
    const timing = { leaseDurationMs: 12_000, renewDeadlineMs: 2000, retryPeriodMs: 500 };
    try {
      const leader = candidate('cut-off', 'leader', { kubeConfig: kubeConfigVia(kc, port), timing });
      leader.elector.start();
      await waitFor(() => leader.elector.isLeader(), { description: 'leader to lead', timeoutMs: 10_000 });
      proxy.disconnect();
      await waitFor(() => leader.stopped.length > 0, { description: 'onStoppedLeading', timeoutMs: 20_000, intervalMs: 50 });
      expect(leader.stopped).toEqual(['lost']);
      expect(leader.elector.isLeader()).toBe(false);
      const renewedAt = new Date((await holder('cut-off'))?.renewTime as Date).getTime();
      // It gave up leadership (as its callback recorded) before anyone else could acquire the lease.
      expect(leader.stoppedAt).toBeLessThan(renewedAt + timing.leaseDurationMs);
      expect(leader.stoppedAt).toBeGreaterThanOrEqual(renewedAt + timing.renewDeadlineMs);
      const standby = candidate('cut-off', 'standby', { timing });
      standby.elector.start();
      await waitFor(() => standby.elector.isLeader(), { description: 'standby to take over the expired lease', timeoutMs: 30_000 });
      expect(new Date((await holder('cut-off'))?.acquireTime as Date).getTime()).toBeGreaterThan(renewedAt + timing.leaseDurationMs);
    } finally {
      await proxy.close();
    }
  });

  it('stops leading and reports "failed" when its election loop dies, so it never reconciles without a lease', async () => {
    const clock = new BreakableClock();
    const leader = candidate('dies', 'leader', { clock });
    leader.elector.start();
    await waitFor(() => leader.elector.isLeader(), { description: 'leader to lead', timeoutMs: 10_000 });
    clock.broken = true; // the loop's next sleep throws: an unexpected error inside the election loop
    await waitFor(() => leader.stopped.length > 0, { description: 'onStoppedLeading', timeoutMs: 10_000 });
    expect(leader.stopped).toEqual(['failed']);
    expect(leader.elector.isLeader()).toBe(false);
    expect((await leader.metrics.leaderIsLeader.get()).values[0]?.value).toBe(0);
    // Nothing renews the lease any more: a standby gets it once it expires.
    const standby = candidate('dies', 'standby');
    standby.elector.start();
    await waitFor(() => standby.elector.isLeader(), { description: 'standby to take over', timeoutMs: 20_000 });
    expect(leader.elector.isLeader()).toBe(false);
  });

  it('reports "failed" also when the loop dies while it only campaigns', async () => {
    const leader = candidate('dies-standby', 'leader');
    leader.elector.start();
    await waitFor(() => leader.elector.isLeader(), { description: 'leader to lead', timeoutMs: 10_000 });
    const clock = new BreakableClock();
    const standby = candidate('dies-standby', 'standby', { clock });
    standby.elector.start();
    await waitFor(async () => (await attempts(standby, 'taken')) >= 1, { description: 'the standby to campaign', timeoutMs: 10_000 });
    clock.broken = true;
    await waitFor(() => standby.stopped.length > 0, { description: 'onStoppedLeading', timeoutMs: 10_000 });
    expect(standby.stopped).toEqual(['failed']);
    expect(standby.started).toBe(0);
  });

  it('refuses timings where the renew deadline is not below the lease duration', () => {
    expect(() => new LeaderElector({ kubeConfig: kc, namespace, leaseName: 'x', identity: 'i', leaseDurationMs: 2000, renewDeadlineMs: 2000, retryPeriodMs: 500, log }))
      .toThrow(`Unable to create leader elector for lease ${namespace}/x: need leaseDuration (2000 ms) > renewDeadline (2000 ms) > retryPeriod (500 ms) > 0. Adjust the timings.`);
  });
});
