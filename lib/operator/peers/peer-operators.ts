/**
 * Follows the other Quidditch clusters' operators in this namespace through their leader Leases,
 * so the leader refuses the indices another live operator would reconcile too.
 *
 * Why no index is ever reconciled by two operators: an operator acquires its own (labelled) Lease
 * first and only then, before its controllers start, LISTs the Leases (prepare(): a quorum read).
 * Of two operators starting around the same time, the one whose Lease was written second sees the
 * other's in that list, so it starts refusing before it acts; the first learns of the second through
 * the watch and refuses from then on. Refusing stops when the other Lease expires or is released,
 * which (as in leader election) happens only after its holder stopped acting.
 */
import { CoordinationV1Api, KubeConfig, V1Lease, Watch } from '@kubernetes/client-node';
import type { EventRecorder } from '../kube/event-recorder';
import type { Logger } from '../logger';
import type { OperatorMetrics } from '../metrics';
import { Clock, sleep, systemClock, TimerHandle } from '../runtime/clock';
import type { LeaderRunnable } from '../runtime/manager';
import {
  ANOTHER_CLUSTER_IN_NAMESPACE, clusterOf, liveOtherOperators, nextExpiryMs, OPERATOR_LEASE_SELECTOR, OperatorScope, overlapFor, overlapNamespaceMessage, overlaps,
} from './peer-leases';

export interface PeerOperatorsOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** This operator: its Lease name and --cluster-name. */
  readonly self: OperatorScope;
  /** Wait before re-listing after a failed list or an ended watch. */
  readonly retryMs: number;
  readonly log: Logger;
  readonly metrics: OperatorMetrics;
  readonly events: EventRecorder;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** Server-side bound of one watch request; it is then re-listed. */
const WATCH_TIMEOUT_SECONDS = 300;

export class PeerOperators implements LeaderRunnable {
  readonly name = 'peer-operators';
  private readonly api: CoordinationV1Api;
  private readonly clock: Clock;
  private readonly leases = new Map<string, V1Lease>();
  private readonly listeners: Array<() => void> = [];
  private readonly stopping = new AbortController();
  private overlapping: OperatorScope[] = [];
  private overlapKey = '';
  private expiryTimer: TimerHandle | undefined;
  private watchRequest: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: PeerOperatorsOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.clock = options.clock ?? systemClock;
  }

  get self(): OperatorScope {
    return this.options.self;
  }

  /** Called whenever the set of overlapping operators changes (refused indices must be looked at again). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The other live operators that would reconcile an index with this cluster label (or none) too. */
  overlapFor(indexCluster: string | undefined): OperatorScope[] {
    this.evaluate(); // an expiry may have passed since the last event
    return overlapFor(this.options.self, this.overlapping, indexCluster);
  }

  /** True when another live operator serves the indices that name no cluster (so this one must not flag them). */
  unlabelledServedElsewhere(): boolean {
    this.evaluate();
    return this.overlapping.some((o) => o.cluster === undefined);
  }

  /** Before the controllers start: a fresh list, retried until it succeeds or the operator stops. */
  async prepare(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.relist();
        return;
      } catch (err) {
        this.options.log.warn({ err }, 'unable to list the operator Leases of this namespace; retrying before the controllers start');
        await sleep(this.clock, this.options.retryMs, this.stopping.signal);
      }
    }
  }

  start(): void {
    this.loop ??= this.watchLoop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.watchRequest?.abort();
    if (this.expiryTimer) this.clock.clearTimeout(this.expiryTimer);
    await this.loop;
  }

  private liveOthers(): OperatorScope[] {
    return liveOtherOperators(this.options.self, this.leases.values(), this.clock.now());
  }

  private async relist(): Promise<string | undefined> {
    const list = await this.api.listNamespacedLease({ namespace: this.options.namespace, labelSelector: OPERATOR_LEASE_SELECTOR });
    this.leases.clear();
    for (const lease of list.items) this.leases.set(lease.metadata?.name ?? '', lease);
    this.evaluate();
    return list.metadata?.resourceVersion;
  }

  /** List, then watch from the list's resourceVersion; on any end or error, list again after retryMs. */
  private async watchLoop(): Promise<void> {
    const { namespace, log, retryMs } = this.options;
    const watch = new Watch(this.options.kubeConfig);
    while (!this.stopping.signal.aborted) {
      try {
        const resourceVersion = await this.relist();
        await new Promise<void>((resolve, reject) => {
          watch.watch(
            `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
            { labelSelector: OPERATOR_LEASE_SELECTOR, resourceVersion, timeoutSeconds: WATCH_TIMEOUT_SECONDS },
            (phase, obj: V1Lease) => {
              const name = obj?.metadata?.name ?? '';
              if (phase === 'ADDED' || phase === 'MODIFIED') this.leases.set(name, obj);
              else if (phase === 'DELETED') this.leases.delete(name);
              else return;
              this.evaluate();
            },
            (err: unknown) => (err ? reject(err instanceof Error ? err : new Error('operator Lease watch failed')) : resolve()),
          ).then((req) => {
            this.watchRequest = req;
            if (this.stopping.signal.aborted) req.abort();
          }, reject);
        });
      } catch (err) {
        if (!this.stopping.signal.aborted) log.debug({ err }, 'operator Lease watch ended; re-listing');
      }
      await sleep(this.clock, retryMs, this.stopping.signal);
    }
  }

  /**
   * Recomputes which live operators overlap this one; on a change: metric, log, Event on this
   * operator's Lease, and the listeners. Also sets a timer for the next expiry, which ends an overlap
   * without any event.
   */
  private evaluate(): void {
    const { self, namespace, log, metrics } = this.options;
    const now = this.clock.now();
    const overlapping = this.liveOthers().filter((o) => overlaps(self, o));
    const key = overlapping.map((o) => `${o.lease}=${o.cluster ?? '*'}`).join(',');
    if (this.expiryTimer) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const next = nextExpiryMs(this.leases.values(), new Set(overlapping.map((o) => o.lease)));
    if (next !== undefined && !this.stopping.signal.aborted) this.expiryTimer = this.clock.setTimeout(() => this.evaluate(), next - now + 1);
    if (key === this.overlapKey) return;
    this.overlapKey = key;
    this.overlapping = overlapping;
    metrics.overlappingOperators.set(overlapping.length);
    const own = this.leases.get(self.lease);
    const leaseRef = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: self.lease, namespace, uid: own?.metadata?.uid } };
    if (overlapping.length > 0) {
      const message = overlapNamespaceMessage(namespace, self, overlapping);
      log.error({ reason: ANOTHER_CLUSTER_IN_NAMESPACE, cluster: clusterOf(self), others: overlapping.map(clusterOf) }, message);
      this.options.events.record(leaseRef, 'Warning', ANOTHER_CLUSTER_IN_NAMESPACE, message);
    } else {
      log.info({ cluster: clusterOf(self) }, 'no other Quidditch operator in this namespace serves the same indices any more; serving them again');
      if (own) this.options.events.record(leaseRef, 'Normal', 'NoOtherClusterInNamespace', 'No other Quidditch operator in this namespace serves the same indices any more; this operator serves them again.');
    }
    for (const listener of this.listeners) listener();
  }
}
