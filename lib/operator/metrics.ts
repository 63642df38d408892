import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { INDEX_HEALTHS, INDEX_STATES, type QuidditchIndex } from '../api/v1/quidditch-index';
import { NODE_STATES, type QuidditchNode } from '../api/v1/quidditch-node';
import type { ObjectStore } from './runtime/source';

/** Label value of an index or node the operator has not written a status for yet. */
export const UNKNOWN = 'unknown';

/** Outcome label of reconcile_total: the kind of ReconcileResult (an exception counts as "retry"). */
export type ReconcileResultLabel = 'done' | 'requeueAfter' | 'retry' | 'terminal';

/**
 * The operator's Prometheus metrics on a registry of their own (never prom-client's global one), so
 * each test and each in-process operator gets an isolated set. Creating one starts no timers.
 */
export class OperatorMetrics {
  readonly registry = new Registry();

  /** Reconciles finished, by controller and outcome. */
  readonly reconcileTotal = new Counter({
    name: 'reconcile_total', help: 'Reconciles finished, by controller and result (done, requeueAfter, retry, terminal).',
    labelNames: ['controller', 'result'] as const, registers: [this.registry],
  });
  /** Wall time of one reconcile. */
  readonly reconcileDuration = new Histogram({
    name: 'reconcile_duration_seconds', help: 'Duration of one reconcile in seconds.',
    labelNames: ['controller'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  /**
   * Work not yet done in a controller's queue: keys waiting, being reconciled, or waiting out a
   * failure backoff. 0 means drained. (client-go counts only the waiting ones, which reads 0 while
   * every worker is still busy or every key is retrying.)
   */
  readonly workqueueDepth = new Gauge({
    name: 'workqueue_depth', help: 'Keys not yet reconciled: waiting, in flight, or backing off after a failure.', labelNames: ['controller'] as const, registers: [this.registry],
  });
  /** Keys with a planned re-check (requeueAfter), e.g. a heartbeat's expiry: not backlog, so not in workqueue_depth. */
  readonly workqueueScheduled = new Gauge({
    name: 'workqueue_scheduled', help: 'Keys with a re-check planned for later (requeueAfter).', labelNames: ['controller'] as const, registers: [this.registry],
  });
  /** Reconciles a controller lets run at once now: --concurrency, lowered while the API server queues. */
  readonly reconcileConcurrencyLimit = new Gauge({
    name: 'reconcile_concurrency_limit', help: 'Reconciles the controller runs in parallel now (adapted to the API server latency, between --concurrency-min and --concurrency).', labelNames: ['controller'] as const, registers: [this.registry],
  });
  /** Keys re-added with backoff after a failure. */
  readonly workqueueRetries = new Counter({
    name: 'workqueue_retries_total', help: 'Keys re-queued with backoff after a failed reconcile.', labelNames: ['controller'] as const, registers: [this.registry],
  });
  /** 1 while this replica holds the leader Lease. */
  readonly leaderIsLeader = new Gauge({
    name: 'leader_is_leader', help: '1 while this replica holds the leader Lease, else 0.', registers: [this.registry],
  });
  /** Acquire or renew attempts on the leader Lease, by outcome: held, taken (another replica holds it), failed. */
  readonly leaderElectionAttempts = new Counter({
    name: 'leader_election_attempts_total', help: 'Attempts to acquire or renew the leader Lease, by result (held, taken, failed).',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  /** Routing API answers, by HTTP status code. */
  readonly routingRequests = new Counter({
    name: 'routing_requests_total', help: 'Routing API requests, by HTTP status code.', labelNames: ['code'] as const, registers: [this.registry],
  });
  /** Informer restarts after the watch or list failed. */
  readonly informerRestarts = new Counter({
    name: 'informer_restarts_total', help: 'Informer restarts after a list or watch error, by resource.', labelNames: ['resource'] as const, registers: [this.registry],
  });
  /** Orphan sweeps of a node that failed (listing its copies, reading an index, or deleting a copy); each is retried with backoff. */
  readonly orphanSweepFailures = new Counter({
    name: 'orphan_sweep_failures_total', help: 'Orphan-copy sweeps of a data node that failed and will be retried with backoff.', registers: [this.registry],
  });
  /** Kubernetes Events the operator could not write (logged at warn). */
  readonly eventsFailed = new Counter({
    name: 'events_failed_total', help: 'Kubernetes Events that could not be recorded.', registers: [this.registry],
  });
  /** Normal notices (a new index creating or active, which its conditions also say) not written under a burst. */
  readonly eventsShed = new Counter({
    name: 'events_shed_total', help: 'Normal Events repeating an object\'s conditions that were not written because more than the notice budget (50, then 2/s) came at once, by reason.',
    labelNames: ['reason'] as const, registers: [this.registry],
  });
  /** Watches the API server ended with 410 Gone (resourceVersion compacted away): the informer re-lists. */
  readonly informerWatchExpired = new Counter({
    name: 'informer_watch_expired_total', help: 'Watches that ended with 410 Gone, after which the informer re-lists, by resource.', labelNames: ['resource'] as const, registers: [this.registry],
  });
  /** Objects an informer took into its cache, by resource and event (add, update, delete): what the operator observed. */
  readonly informerEvents = new Counter({
    name: 'informer_events_total', help: 'Add, update and delete events an informer applied to its cache, by resource and event.',
    labelNames: ['resource', 'event'] as const, registers: [this.registry],
  });
  /** Full lists an informer made: the first one, and each re-list after a 410 or an unresumable restart. */
  readonly informerLists = new Counter({
    name: 'informer_lists_total', help: 'Full lists made by an informer (initial and re-lists), by resource.', labelNames: ['resource'] as const, registers: [this.registry],
  });
  /** Reconciles that threw instead of returning a result (treated as retry). */
  readonly reconcilePanics = new Counter({
    name: 'reconcile_panics_total', help: 'Reconciles that threw instead of returning a result.', labelNames: ['controller'] as const, registers: [this.registry],
  });

  /**
   * Operators of other Quidditch clusters in this namespace (seen on their Leases) that would
   * reconcile some of the same indices: while above 0 those indices are refused (AnotherClusterInNamespace).
   */
  readonly overlappingOperators = new Gauge({
    name: 'quidditch_overlapping_operators', help: 'Live operators of other Quidditch clusters in the namespace that would reconcile some of the same indices; those indices are refused while above 0.',
    registers: [this.registry],
  });

  private indexCache?: ObjectStore<QuidditchIndex>;
  private nodeCache?: ObjectStore<QuidditchNode>;

  /**
   * Indices in the informer cache, by status.state and status.health. Counted at scrape time
   * (collect): one pass over objects already in memory, no API call and no work between scrapes.
   * Every known combination is written, 0 included, so `{health="red"} > 0` sees a series drop to 0
   * rather than disappear.
   */
  readonly indices: Gauge<'state' | 'health'> = new Gauge({
    name: 'quidditch_indices', help: 'QuidditchIndices the operator sees, by state (CREATING, ACTIVE, DELETING, unknown) and health (green, yellow, red, unknown).',
    labelNames: ['state', 'health'] as const, registers: [this.registry],
    collect: () => {
      const g = this.indices;
      g.reset();
      if (!this.indexCache) return;
      for (const state of INDEX_STATES) for (const health of INDEX_HEALTHS) g.set({ state, health }, 0);
      for (const i of this.indexCache.list()) g.inc({ state: i.status?.state ?? UNKNOWN, health: i.status?.health ?? UNKNOWN });
    },
  });
  /** Data nodes in the informer cache, by status.state; counted at scrape time like quidditch_indices. */
  readonly nodes: Gauge<'state'> = new Gauge({
    name: 'quidditch_nodes', help: 'QuidditchNodes the operator sees, by state (HEALTHY, UNHEALTHY, DRAINING, unknown).',
    labelNames: ['state'] as const, registers: [this.registry],
    collect: () => {
      const g = this.nodes;
      g.reset();
      if (!this.nodeCache) return;
      for (const state of NODE_STATES) g.set({ state }, 0);
      for (const n of this.nodeCache.list()) g.inc({ state: n.status?.state ?? UNKNOWN });
    },
  });

  /** Relocations in flight (copies with relocatingFrom in the indices' status), counted at scrape time like quidditch_indices. */
  readonly relocations: Gauge = new Gauge({
    name: 'quidditch_relocations_in_flight', help: 'Shard copies being relocated (drain, scale-down): targets recorded with relocatingFrom.',
    registers: [this.registry],
    collect: () => {
      let n = 0;
      for (const i of this.indexCache?.list() ?? []) for (const a of i.status?.shardAllocations ?? []) if (a.relocatingFrom) n++;
      this.relocations.set(n);
    },
  });

  /**
   * Relocations finished by this operator (its status write dropped the source), counted once each:
   * see controllers/relocation-bytes.ts. With quidditch_relocation_bytes_total, the bytes per move.
   */
  readonly relocationsFinished = new Counter({
    name: 'quidditch_relocations_finished_total', help: 'Shard copy relocations (drain, scale-down, rebalance) finished: target started, source deleted.',
    registers: [this.registry],
  });
  /**
   * Bytes those relocations moved, as the data nodes report the moved copy's size (the target's, else
   * the source's; a move neither node reports a size for adds 0 here but counts in relocations_finished).
   */
  readonly relocationBytes = new Counter({
    name: 'quidditch_relocation_bytes_total', help: 'Bytes moved by finished relocations: the moved copy\'s size as its data node reports it.',
    registers: [this.registry],
  });

  /**
   * Copies still on each DRAINING node (its status.copiesLeft, written by the leader's node
   * reconciler), counted at scrape time: a drain's progress, so an alert can tell a slow drain from
   * a stuck one. A node that is not draining has no series.
   */
  readonly drainCopiesLeft: Gauge<'node'> = new Gauge({
    name: 'quidditch_drain_copies_left', help: 'Shard copies still allocated to a DRAINING data node (status.copiesLeft), by node.',
    labelNames: ['node'] as const, registers: [this.registry],
    collect: () => {
      const g = this.drainCopiesLeft;
      g.reset();
      for (const n of this.nodeCache?.list() ?? []) {
        if (n.status?.state === 'DRAINING') g.set({ node: n.metadata.name ?? '' }, n.status.copiesLeft ?? 0);
      }
    },
  });

  constructor() {
    this.leaderIsLeader.set(0);
  }

  /** Makes quidditch_indices and quidditch_nodes count these caches (the informers') on each scrape. */
  observeCaches(indexCache: ObjectStore<QuidditchIndex>, nodeCache: ObjectStore<QuidditchNode>): void {
    this.indexCache = indexCache;
    this.nodeCache = nodeCache;
  }

  /** Adds Node.js process metrics (CPU, memory, event-loop lag); call once from the process entry. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }
}
