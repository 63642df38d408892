import { CoordinationV1Api, KubeConfig, V1Lease } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger';
import type { OperatorMetrics } from '../metrics';
import { Clock, systemClock, TimerHandle, withTimeout } from './clock';
import { isLeaseFree, leaseExpiresAtMs, releasedSpec, renewedSpec, takeoverSpec } from './lease';
import { LeaseWatch } from './lease-watch';

/**
 * Why leadership ended: `lost` (renewal failed past the deadline, or another replica holds the
 * lease), `released` (release() on graceful shutdown), `stopped` (stop() without releasing),
 * `failed` (the election loop itself died of an unexpected error: this replica neither leads nor
 * campaigns any more, whether or not it led before — the process must exit).
 */
export type StoppedReason = 'lost' | 'released' | 'stopped' | 'failed';

export interface LeaderElectorOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly leaseName: string;
  /** Unique per process; see leaderIdentity(). */
  readonly identity: string;
  /**
   * Labels and annotations this replica keeps on the Lease (written with every create, takeover and
   * renewal), so operators of other clusters in the namespace can find it and see what it serves.
   */
  readonly leaseMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  /** How long a lease is valid without renewal; standbys wait this long after the last renewal. @default 15000 */
  readonly leaseDurationMs?: number;
  /**
   * How long the leader keeps failing to renew before it steps down. Must be below leaseDurationMs,
   * or two replicas could both believe they lead. @default 10000
   */
  readonly renewDeadlineMs?: number;
  /** Time between acquire or renew attempts. @default 2000 */
  readonly retryPeriodMs?: number;
  /** Called once this replica holds the lease. */
  readonly onStartedLeading?: () => void;
  /** Called once when leadership ends, after isLeader() turned false; with `failed` also when it never led. */
  readonly onStoppedLeading?: (reason: StoppedReason) => void;
  readonly log: Logger;
  readonly metrics?: OperatorMetrics;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** `<podName>_<8 random hex>`: unique even when a restarted pod reuses its name. */
export function leaderIdentity(podName: string): string {
  return `${podName}_${randomBytes(4).toString('hex')}`;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, like client-go's LeaderElector with a LeaseLock.
 * Every write carries the resourceVersion it was computed from, so of two replicas racing for a free
 * lease the API server lets exactly one win (the other gets 409). One-shot: after leadership ends the
 * elector does not campaign again — the process is expected to exit and restart cleanly.
 * Nothing happens until start().
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopping = new AbortController();
  private leading = false;
  private lastRenewMs = 0;
  private loop: Promise<void> | undefined;
  /** While campaigning: wakes the standby when the lease is released, deleted or expires. */
  private leaseWatch: LeaseWatch | undefined;
  /** Ends the current wait early (set while the loop waits). */
  private wakeWaiter: (() => void) | undefined;
  /** A wake-up that arrived while an attempt was in flight: the next wait returns at once. */
  private wakePending = false;
  private expiryTimer: TimerHandle | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.clock = options.clock ?? systemClock;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs && this.retryPeriodMs > 0)) {
      throw new Error(
        `Unable to create leader elector for lease ${options.namespace}/${options.leaseName}: need leaseDuration (${this.leaseDurationMs} ms) > renewDeadline (${this.renewDeadlineMs} ms) > retryPeriod (${this.retryPeriodMs} ms) > 0. Adjust the timings.`,
      );
    }
  }

  get identity(): string {
    return this.options.identity;
  }

  /** True while this replica holds a lease it renewed within the renew deadline. */
  isLeader(): boolean {
    return this.leading && this.clock.now() - this.lastRenewMs < this.renewDeadlineMs;
  }

  /** Campaigns in the background: acquire, then renew every retry period until stopped or lost. */
  start(): void {
    if (this.loop) return;
    this.loop = this.run().catch((err: unknown) => this.loopFailed(err));
  }

  /** Stops campaigning and renewing without touching the lease (it expires on its own). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.stepDown('stopped');
  }

  /**
   * Stops, then clears the holder so a standby takes over at once instead of waiting out the lease.
   * Safe only because the manager stops every controller and waits for in-flight reconciles BEFORE
   * calling this: by the time a standby can acquire, this replica no longer writes anything.
   */
  async release(): Promise<void> {
    this.stopping.abort();
    // Checked after the loop ended: an acquire that was in flight may just have succeeded.
    await this.loop;
    if (!this.leading) return;
    this.setLeading(false);
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity === this.identity) {
        await this.replace({ ...lease, spec: releasedSpec(lease.spec, this.clock.now()) });
        this.options.log.info({ lease: this.options.leaseName }, 'released leader lease');
      }
    } catch (err) {
      this.options.log.warn({ err }, 'unable to release leader lease; standbys take over when it expires');
    }
    this.options.onStoppedLeading?.('released');
  }

  private async run(): Promise<void> {
    const { log } = this.options;
    const signal = this.stopping.signal;
    log.info({ identity: this.identity, lease: this.options.leaseName }, 'campaigning for leader lease');
    this.watchLease();
    try {
      while (!signal.aborted && !this.leading) {
        const started = this.clock.now();
        this.wakePending = false;
        if ((await this.tryAcquireOrRenew(this.renewDeadlineMs)) === 'held') {
          this.lastRenewMs = started;
          this.setLeading(true);
          log.info({ identity: this.identity }, 'became leader');
          this.options.onStartedLeading?.();
          break;
        }
        // The retry period is the fallback; the lease watch and the expiry timer end the wait early.
        await this.wait(this.jittered(this.retryPeriodMs), signal, true);
      }
    } finally {
      this.stopWatchingLease();
    }
    while (!signal.aborted && this.leading) {
      await this.wait(this.retryPeriodMs, signal, false);
      if (signal.aborted) break;
      const started = this.clock.now();
      const remaining = this.lastRenewMs + this.renewDeadlineMs - started;
      const outcome = remaining > 0 ? await this.tryAcquireOrRenew(remaining) : 'failed';
      if (signal.aborted && outcome !== 'taken') break;
      if (outcome === 'held') {
        this.lastRenewMs = started;
      } else if (outcome === 'taken') {
        log.warn({ identity: this.identity }, 'leader lease is held by another replica; stepping down');
        this.stepDown('lost');
      } else if (this.clock.now() - this.lastRenewMs >= this.renewDeadlineMs) {
        log.error({ identity: this.identity, renewDeadlineMs: this.renewDeadlineMs }, 'unable to renew leader lease within the renew deadline; stepping down');
        this.stepDown('lost');
      }
    }
  }

  /**
   * One attempt: 'held' when this replica holds the lease afterwards, 'taken' when another replica
   * holds a valid lease, 'failed' on an error or a lost race (409).
   */
  private async tryAcquireOrRenew(timeoutMs: number): Promise<'held' | 'taken' | 'failed'> {
    const outcome = await this.attempt(timeoutMs);
    this.options.metrics?.leaderElectionAttempts.inc({ result: outcome });
    return outcome;
  }

  private async attempt(timeoutMs: number): Promise<'held' | 'taken' | 'failed'> {
    try {
      return await withTimeout(this.acquireOrRenew(), timeoutMs);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 409) this.options.log.debug('lost a race for the leader lease (409)');
      else this.options.log.warn({ err }, 'unable to acquire or renew leader lease');
      return 'failed';
    }
  }

  private async acquireOrRenew(): Promise<'held' | 'taken'> {
    const now = this.clock.now();
    const seconds = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    const lease = await this.read();
    if (!lease) {
      await this.api.createNamespacedLease({
        namespace: this.options.namespace,
        body: { metadata: this.announced({ name: this.options.leaseName, namespace: this.options.namespace }), spec: takeoverSpec(undefined, this.identity, seconds, now) },
      });
      return 'held';
    }
    const spec = lease.spec ?? {};
    if (spec.holderIdentity === this.identity) {
      await this.replace({ ...lease, metadata: this.announced(lease.metadata), spec: renewedSpec(spec, seconds, now) });
      return 'held';
    }
    if (!isLeaseFree(spec, now)) {
      this.noteLease(lease);
      return 'taken';
    }
    await this.replace({ ...lease, metadata: this.announced(lease.metadata), spec: takeoverSpec(spec, this.identity, seconds, now) });
    return 'held';
  }

  /** metadata with this replica's labels and annotations merged in (others' keys kept). */
  private announced(metadata: V1Lease['metadata']): V1Lease['metadata'] {
    const extra = this.options.leaseMetadata;
    if (!extra) return metadata;
    return {
      ...metadata,
      labels: { ...metadata?.labels, ...extra.labels },
      annotations: { ...metadata?.annotations, ...extra.annotations },
    };
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.options.leaseName, namespace: this.options.namespace });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  /** Writes lease as read (its metadata.resourceVersion makes the API server refuse a stale write with 409). */
  private async replace(lease: V1Lease): Promise<void> {
    await this.api.replaceNamespacedLease({ name: this.options.leaseName, namespace: this.options.namespace, body: lease });
  }

  /**
   * The loop died (a bug, a broken clock, a throwing callback): nothing renews the lease any more, so
   * leading on would mean reconciling without a lease. Stop leading at once and say so; the manager
   * stops the controllers and the process exits non-zero so Kubernetes restarts it clean.
   */
  private loopFailed(err: unknown): void {
    this.options.log.error({ err, identity: this.identity }, 'leader election loop failed; no longer leading or campaigning');
    if (this.stopping.signal.aborted) return; // stop() or release() is already ending leadership
    this.stopping.abort();
    this.setLeading(false);
    this.options.onStoppedLeading?.('failed');
  }

  private stepDown(reason: StoppedReason): void {
    if (!this.leading) return;
    this.setLeading(false);
    this.options.onStoppedLeading?.(reason);
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.options.metrics?.leaderIsLeader.set(leading ? 1 : 0);
  }

  /**
   * Sleeps ms on the clock, or less: until stop/release, or (wakeable, while campaigning) until the
   * lease watch or the expiry timer says the lease may be free now.
   */
  private wait(ms: number, signal: AbortSignal, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || (wakeable && this.wakePending)) return resolve();
      const done = () => {
        this.clock.clearTimeout(handle);
        signal.removeEventListener('abort', done);
        if (this.wakeWaiter === done) this.wakeWaiter = undefined;
        resolve();
      };
      const handle = this.clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      if (wakeable) this.wakeWaiter = done;
    });
  }

  private wake(): void {
    this.wakePending = true;
    this.wakeWaiter?.();
  }

  /**
   * What the standby learned about the lease (from the watch or its own read): free → try at once;
   * held by another replica → try again the moment it expires (not up to a retry period later),
   * which keeps SIGKILL failover at the lease duration plus one round trip.
   */
  private noteLease(lease: V1Lease | undefined): void {
    if (this.leading || this.stopping.signal.aborted) return;
    if (this.expiryTimer) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const spec = lease?.spec;
    if (spec?.holderIdentity === this.identity) return;
    const now = this.clock.now();
    const expiresAt = leaseExpiresAtMs(spec);
    if (expiresAt === undefined || isLeaseFree(spec, now)) {
      this.wake();
      return;
    }
    // isLeaseFree compares strictly: 1 ms past the expiry it is free.
    this.expiryTimer = this.clock.setTimeout(() => this.wake(), expiresAt - now + 1);
  }

  private watchLease(): void {
    this.leaseWatch = new LeaseWatch({
      kubeConfig: this.options.kubeConfig,
      namespace: this.options.namespace,
      leaseName: this.options.leaseName,
      reconnectMs: this.retryPeriodMs,
      log: this.options.log,
      onChange: (lease) => {
        try {
          this.noteLease(lease);
        } catch (err) {
          // Only a hint: the retry loop still runs (and meets the same error there if it persists).
          this.options.log.warn({ err }, 'unable to act on a leader lease change');
        }
      },
    });
    this.leaseWatch.start();
  }

  private stopWatchingLease(): void {
    this.leaseWatch?.stop();
    this.leaseWatch = undefined;
    if (this.expiryTimer) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.wakeWaiter = undefined;
  }

  /** Up to 20 % later, so standbys started together do not poll in lockstep. */
  private jittered(ms: number): number {
    return ms * (1 + Math.random() * 0.2);
  }
}
