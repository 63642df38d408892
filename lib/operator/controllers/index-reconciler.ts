import { INDEX_FINALIZER, indexSettingsProblems, type QuidditchIndex, type QuidditchNode } from '../../api/v1';
import { PlanValidationError } from '../allocation';
import { isConflict } from '../kube/custom-resource-client';
import type { EventRecorder } from '../kube/event-recorder';
import { combine, done, requeueAfter, retry, splitKey, terminal } from '../runtime/reconciler';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/reconciler';
import type { ObjectStore } from '../runtime/source';
import { AllocationLedger } from './allocation-ledger';
import type { AnsweredCreates } from './answered-creates';
import { isTransientApiError, IndexApi } from './index-api';
import { recordTransitions } from './index-events';
import { executePlan } from './index-execute';
import { finalizeIndex, FinalizeDeps } from './index-finalizer';
import { writeObserved, writeInvalidSpec } from './index-observe';
import { planAndPersist } from './index-plan';
import { pushSettings, refusalMessage } from './index-settings-push';
import type { ShardOperations } from './shard-operations';
import type { ObservedCopies } from '../datanode/observed-copies';
import { copyIdentityOf, isRestoring } from './copy-identity';
import { finishedRelocations } from './relocation-bytes';
import type { OperatorMetrics } from '../metrics';
import { overlapOf, PeerView, refuseOverlap } from './overlap-guard';
import { recordDrainStalled, RelocationThrottle, THROTTLED_RECHECK_MS } from './index-relocate';

export interface IndexReconcilerDeps extends FinalizeDeps {
  readonly indices: IndexApi;
  readonly indexCache: ObjectStore<QuidditchIndex>;
  readonly nodeCache: ObjectStore<QuidditchNode>;
  readonly shards: ShardOperations;
  readonly events: EventRecorder;
  readonly ledger: AllocationLedger;
  readonly now: () => Date;
  /** How soon to look again at an index some of whose copies have no node. @default 30 s */
  readonly unassignedRecheckMs?: number;
  /**
   * How long a STARTED replica on a node that left (UNHEALTHY or deleted) is kept, not replaced, so a
   * node back within it keeps its copies and a blip causes no copy churn (Elasticsearch's
   * index.unassigned.node_left.delayed_timeout). Promotion of a surviving replica is never delayed.
   * @default 0 here; the operator's --node-left-delay flag defaults to 60 s
   */
  readonly nodeLeftDelayMs?: number;
  /**
   * What the data nodes report holding (their WatchShards streams). The record is compared with it
   * before every plan (a copy started, failed, vanished or came back), and copies a node reports are
   * not called for again. @default none: the record is trusted and unstarted copies are re-ensured
   */
  readonly observed?: ObservedCopies;
  /**
   * Creates the nodes answered recently (answered-creates.ts): with `observed`, not called for again
   * while their report is on its way. @default none: every unreported copy is called for on each reconcile
   */
  readonly answered?: AnsweredCreates;
  /** Relocation throttles (drain, rebalance) and whether to rebalance. @default 2 per node in and out, 8 per namespace, no rebalance */
  readonly relocation?: RelocationThrottle;
  /**
   * Other Quidditch clusters' operators in the namespace: an index another live operator would
   * reconcile too is refused (overlap-guard.ts). @default none: every index in the cache is this operator's
   */
  readonly peers?: PeerView;
  /** Where finished relocations and the bytes they moved are counted. @default not counted */
  readonly metrics?: Pick<OperatorMetrics, 'relocationsFinished' | 'relocationBytes'>;
}

/**
 * IndexReconciler drives one QuidditchIndex towards its spec. A thin shell over its steps, each in a
 * sibling file, in this order:
 *  1. gone → forget it; being deleted → finalize (index-finalizer.ts);
 *  2. ensure the finalizer, so no copy can be created that a deletion would not clean up;
 *  3. plan (pure allocator), add relocations off draining nodes (index-relocate.ts), reserve it in the
 *     ledger and PERSIST it in status before any side effect (index-plan.ts) — after a crash the next
 *     leader finds every copy it may have created and every move in flight;
 *  4. carry out the plan on the data nodes (index-execute.ts), idempotently;
 *  5. write the observed result through the one status write path and record Events
 *     (index-observe.ts, index-events.ts).
 *
 * Results: a transient API error (conflict, throttling, 5xx, no answer) is `retry`; a failed data-node
 * call is `retry` after the status says which node failed; a spec that can never be planned is
 * `terminal` with a Ready=False/InvalidSpec condition and an Event; copies that fit on no node are
 * looked at again after `unassignedRecheckMs` (and on every node change). Anything else thrown is a bug.
 */
/** How soon to look again at an index whose live node has no synced shard stream. */
const UNSYNCED_RECHECK_MS = 1_000;

export class IndexReconciler implements Reconciler {
  constructor(private readonly deps: IndexReconcilerDeps) {}

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    try {
      return await this.steps(key, ctx);
    } catch (err) {
      if (isTransientApiError(err)) return retry(err);
      throw err;
    }
  }

  private async steps(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const { deps } = this;

    // 1. Gone, stale or being deleted.
    let index = deps.indexCache.get(namespace, name);
    // Our own last write has not reached the cache yet. Its watch event is on the way and brings this
    // key back with the object as written; acting on the older copy now would only redo recorded work.
    if (index && deps.ledger.isNewerThan(namespace, name, index.metadata.resourceVersion)) return done();
    if (!index) {
      deps.ledger.delete(namespace, name);
      return done();
    }
    // 0. Another cluster's operator would reconcile it too: neither does (not even a deletion) until that ends.
    const overlap = overlapOf(index, deps.peers);
    if (overlap.length > 0 && deps.peers) return refuseOverlap(index, [deps.peers.self, ...overlap], deps);
    if (index.metadata.deletionTimestamp) return finalizeIndex(index, deps, ctx.log);
    // Being restored by `import`: its allocations are one write away. Removing the annotation brings it back.
    if (isRestoring(index)) return done();

    // 2. Finalizer first.
    const finalizers = index.metadata.finalizers ?? [];
    if (!finalizers.includes(INDEX_FINALIZER)) {
      try {
        index = await deps.indices.patchFinalizers(namespace, name, index.metadata.resourceVersion, [...finalizers, INDEX_FINALIZER]);
      } catch (err) {
        if (isConflict(err)) return requeueAfter(0);
        throw err;
      }
    }

    // 3. Plan and persist.
    const before = index.status?.state;
    let persisted;
    try {
      const problems = indexSettingsProblems(index.spec.settings).map((p) => `${p.path} ${p.rule}`);
      if (problems.length) {
        throw new PlanValidationError(`Unable to create QuidditchIndex ${key}: ${problems.join('; ')}. Fix spec.settings: nested objects of strings, numbers and booleans only.`, problems);
      }
      persisted = await planAndPersist(index, deps);
    } catch (err) {
      if (!(err instanceof PlanValidationError)) throw err;
      await writeInvalidSpec(index, err, deps);
      return terminal(err);
    }
    if (!persisted) return done(); // deleted meanwhile
    // Counted right after the write that finished them (relocation-bytes.ts): once each, never by a later reconcile.
    const identity = copyIdentityOf(persisted.index);
    const moved = finishedRelocations(persisted.plan, deps.observed, identity);
    for (const m of moved) {
      deps.metrics?.relocationsFinished.inc();
      deps.metrics?.relocationBytes.inc(m.bytes ?? 0);
    }
    ctx.log.debug({ actions: persisted.plan.actions.map((a) => `${a.type} ${a.shardId}@${a.node}${a.type === 'delete' ? ` ${a.reason}` : ''}`), unassigned: persisted.plan.unassigned.length }, 'plan persisted');

    // 4. Side effects on the data nodes.
    const execution = await executePlan(persisted, deps);

    // 4b. Changed settings and mappings to the copies that run older ones.
    const pushed = await pushSettings(persisted.index, execution.allocations, deps);
    const generation = persisted.index.metadata.generation ?? 0;
    const settings = deps.observed ? { pending: pushed.pending, refusedMessage: pushed.refused.length ? refusalMessage(pushed, generation) : undefined } : undefined;

    // 5. Observe and record.
    const written = await writeObserved(persisted, execution, deps, settings);
    if (!written) return done();
    recordTransitions(deps.events, written, before, persisted, execution.failures, execution.demoted, moved);
    const blocked = (i: QuidditchIndex) => i.status?.conditions?.some((c) => c.type === 'DrainBlocked' && c.status === 'True') ?? false;
    if (blocked(written) && !blocked(persisted.index)) recordDrainStalled(deps.events, written, deps.nodeCache, persisted.plan.stuck);
    if (pushed.newlyRefused && settings?.refusedMessage) deps.events.record(written, 'Warning', 'SettingsRefused', settings.refusedMessage);

    const failures = [...execution.failures, ...pushed.failures];
    if (failures.length) {
      const detail = failures.map((f) => `${f.node}: ${f.message}`).join('; ');
      ctx.log.warn({ failures: failures.length }, 'shard operations failed');
      return retry(new Error(`Unable to reconcile shard copies of QuidditchIndex ${key}: ${detail}`));
    }
    // A live node whose stream is not synced yet (it just restarted): look again shortly, since a
    // node that comes back EMPTY sends a snapshot naming none of this index's copies, and the
    // watcher reports only indices it names. Bounded: a dead node turns UNHEALTHY and is not waited on.
    const unsynced = deps.observed
      ? persisted.allocations.some((a) => a.state !== 'UNASSIGNED' && deps.observed?.indexCopiesOn(a.nodeId, identity.namespace, identity.name) === undefined && deps.nodeCache.get(namespace, a.nodeId)?.status?.state === 'HEALTHY')
      : false;
    return combine([
      unsynced ? requeueAfter(UNSYNCED_RECHECK_MS) : done(),
      // Creates answered but not reported yet: called for again if no report came by then.
      execution.awaitingReports && deps.answered ? requeueAfter(deps.answered.ttlMs) : done(),
      persisted.plan.unassigned.length ? requeueAfter(deps.unassignedRecheckMs ?? 30_000) : done(),
      // A delayed replica is replaced at the moment its delay runs out, not at the next resync.
      persisted.plan.recheckAfterMs !== undefined ? requeueAfter(persisted.plan.recheckAfterMs) : done(),
      // Moves held back by the throttle: another index's move may have ended by then.
      persisted.plan.throttled ? requeueAfter(THROTTLED_RECHECK_MS) : done(),
      persisted.plan.stuck.length ? requeueAfter(deps.unassignedRecheckMs ?? 30_000) : done(),
    ]);
  }
}
