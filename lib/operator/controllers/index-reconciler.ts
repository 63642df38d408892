import type { QuidditchIndex, QuidditchNode, ShardAllocationStatus } from '../../api/v1';
import { candidateNodes, planAllocation, AllocationPlan } from '../allocation';
import { CustomResourceClient, isConflict } from '../kube/custom-resource-client';
import type { EventRecorder } from '../kube/event-recorder';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/reconciler';
import type { ObjectStore } from '../runtime/source';
import { AllocationLedger } from './allocation-ledger';
import { allocationsKey, computeIndexStatus, statusUnchanged, NodeFailure } from './index-status';
import { finalizeIndex, FinalizeDeps, INDEX_FINALIZER } from './index-finalizer';
import type { ShardOperations, NodeTarget } from './shard-operations';
import { mapLimit } from './map-limit';
import { writeStatus } from './status-writer';


export interface IndexReconcilerDeps extends FinalizeDeps {
  readonly indices: CustomResourceClient<QuidditchIndex>;
  readonly indexCache: ObjectStore<QuidditchIndex>;
  readonly nodeCache: ObjectStore<QuidditchNode>;
  readonly shards: ShardOperations;
  readonly events: EventRecorder;
  readonly ledger: AllocationLedger;
  readonly now: () => Date;
  /** How soon to look again at an index some of whose copies have no node. @default 30 s */
  readonly unassignedRecheckMs?: number;
}

/** Parallel data-node calls per index: enough to hide latency, few enough not to flood a node. */
const CALLS_PER_INDEX = 32;
const MAX_PLAN_ATTEMPTS = 5;

/**
 * IndexReconciler drives one QuidditchIndex towards its spec. Its phases, in order:
 *  1. gone → forget it; being deleted → finalize (delete every copy, then drop the finalizer);
 *  2. ensure the finalizer, so no copy can be created that a deletion would not clean up;
 *  3. plan (pure allocator), reserve it in the ledger and PERSIST it in status before any
 *     side effect — after a crash the next leader finds every copy it may have created;
 *  4. carry out the plan on data nodes: deletes, promotions, then ensure every copy not yet started
 *     (idempotent, so repeating after a crash creates nothing twice);
 *  5. write the observed result (states, health, conditions) through the one status write path.
 */
export class IndexReconciler implements Reconciler {
  constructor(private readonly deps: IndexReconcilerDeps) {}

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const { deps } = this;
    let index = deps.indexCache.get(namespace, name);
    // Our own last write has not reached the cache yet. Its watch event is on the way and brings this
    // key back with the object as written; acting on the older copy now would only redo recorded work.
    if (index && deps.ledger.isNewerThan(namespace, name, index.metadata.resourceVersion)) return { kind: 'done' };
    if (!index) {
      deps.ledger.delete(namespace, name);
      return { kind: 'done' };
    }
    if (index.metadata.deletionTimestamp) return finalizeIndex(index, deps, ctx.log);

    // 2. Finalizer first.
    const finalizers = index.metadata.finalizers ?? [];
    if (!finalizers.includes(INDEX_FINALIZER)) {
      try {
        index = await deps.indices.patchFinalizers(namespace, name, index.metadata.resourceVersion, [...finalizers, INDEX_FINALIZER]);
      } catch (err) {
        if (isConflict(err)) return { kind: 'requeueAfter', ms: 0 };
        throw err;
      }
    }

    const before = index.status?.state;
    // 3. Plan and persist.
    const planned = await this.planAndPersist(index);
    if (!planned) return { kind: 'done' }; // deleted meanwhile
    const { plan } = planned;
    index = planned.index;
    // 4. Side effects.

    const nodes = new Map(deps.nodeCache.list(namespace).map((n) => [n.metadata.name ?? '', n]));
    const failures: NodeFailure[] = [];
    const target = (node: string): NodeTarget | undefined => {
      const n = nodes.get(node);
      return n ? { name: node, address: n.spec.address } : undefined;
    };
    const uid = index.metadata.uid ?? '';
    const ref = (shardId: number, primary: boolean) => ({ namespace, index: name, indexUid: uid, shardId, primary });

    const reachableDeletes = plan.actions.filter((a) => a.type === 'delete' && a.reason !== 'NodeUnavailable');
    await mapLimit(reachableDeletes, CALLS_PER_INDEX, async (a) => {
      const t = target(a.node);
      // A failed delete leaves an orphan copy; the node reconciler's orphan sweep removes it later.
      if (t && a.type === 'delete') await deps.shards.deleteShard(t, ref(a.shardId, a.primary)).catch((err) => failures.push({ node: a.node, message: messageOf(err) }));
    });

    const promotions = new Set(plan.actions.filter((a) => a.type === 'promote').map((a) => `${a.shardId}/${a.node}`));
    const creations = new Set(plan.actions.filter((a) => a.type === 'create').map((a) => `${a.shardId}/${a.node}`));
    const allocations = planned.allocations.map((a) => ({ ...a }));
    await mapLimit(allocations.filter((a) => a.state !== 'STARTED'), CALLS_PER_INDEX, async (a) => {
      const t = target(a.nodeId);
      if (!t) return void failures.push({ node: a.nodeId, message: 'node is not registered' });
      const copy = ref(a.shardId, a.primary);
      const id = `${a.shardId}/${a.nodeId}`;
      try {
        if (promotions.has(id)) a.state = (await deps.shards.promoteShard(t, copy))?.state ?? (await deps.shards.createShard(t, copy)).state;
        else if (creations.has(id) || !a.primary) a.state = (await deps.shards.createShard(t, copy)).state;
        // A primary left INITIALIZING by an earlier run may be a promotion that never reached the node:
        // promote first (idempotent), create only if the node holds no copy at all.
        else a.state = (await deps.shards.promoteShard(t, copy))?.state ?? (await deps.shards.createShard(t, copy)).state;
      } catch (err) {
        failures.push({ node: a.nodeId, message: messageOf(err) });
      }
    });

    // 5. Observe and record.
    const written = await this.writeObserved(index, planned.allocations, plan, allocations, failures);
    if (!written) return { kind: 'done' };
    this.recordTransitions(written, before, plan, failures);

    if (failures.length) return { kind: 'retry', error: new Error(`Unable to reconcile shard copies of QuidditchIndex ${key}: ${failures.map((f) => `${f.node}: ${f.message}`).join('; ')}`) };
    if (plan.unassigned.length) return { kind: 'requeueAfter', ms: deps.unassignedRecheckMs ?? 30_000 };
    return { kind: 'done' };
  }

  /** Plans, reserves the plan in the ledger and writes it; on 409 re-reads and plans again. */
  private async planAndPersist(index: QuidditchIndex): Promise<{ index: QuidditchIndex; plan: AllocationPlan; allocations: ShardAllocationStatus[] } | undefined> {
    const { deps } = this;
    const namespace = index.metadata.namespace ?? 'default';
    const name = index.metadata.name ?? '';
    let current: QuidditchIndex | undefined = index;
    for (let attempt = 1; current; attempt++) {
      // From reading the loads to reserving the plan in the ledger there is no await: JavaScript runs
      // it as one step, so reconciles of other indices plan against this reservation, and no lock has
      // to be held across the status write (a lock there capped a namespace at one plan per round trip).
      deps.ledger.set(namespace, name, current.metadata.resourceVersion, current.status?.shardAllocations);
      const loads = deps.ledger.loads(namespace);
      const candidates = candidateNodes(deps.nodeCache.list(namespace), []).map((c) => ({ ...c, load: loads.get(c.name) ?? 0 }));
      const plan = planAllocation(
        { namespace, name, shards: current.spec.shards, replicas: current.spec.replicas ?? 1 },
        current.status?.shardAllocations ?? [],
        candidates,
      );
      // A promoted copy is not the serving primary until its node confirms the promotion.
      const promoted = new Set(plan.actions.filter((a) => a.type === 'promote').map((a) => `${a.shardId}/${a.node}`));
      const allocations = plan.allocations.map((a) => (promoted.has(`${a.shardId}/${a.nodeId}`) ? { ...a, state: 'INITIALIZING' as const } : a));
      const needsWrite = !sameAllocations(current.status?.shardAllocations ?? [], allocations) || !current.status?.state;
      if (!needsWrite) return { index: current, plan, allocations };
      const undo = deps.ledger.reserve(namespace, name, allocations);
      try {
        const status = { ...(current.status ?? {}), state: current.status?.state ?? 'CREATING', shardAllocations: allocations };
        const written: QuidditchIndex = await deps.indices.patchStatus(namespace, name, current.metadata.resourceVersion, status);
        deps.ledger.set(namespace, name, written.metadata.resourceVersion, allocations);
        return { index: written, plan, allocations };
      } catch (err) {
        undo();
        if (!isConflict(err) || attempt >= MAX_PLAN_ATTEMPTS) throw err;
        current = await deps.indices.get(namespace, name);
      }
    }
    return undefined;
  }

  /** Writes the observed result through the one status write path (skip unchanged, optimistic lock, re-read on 409). */
  private async writeObserved(
    index: QuidditchIndex,
    persisted: readonly ShardAllocationStatus[],
    plan: AllocationPlan,
    allocations: ShardAllocationStatus[],
    failures: NodeFailure[],
  ): Promise<QuidditchIndex | undefined> {
    const { deps } = this;
    const planned = allocationsKey(persisted);
    const written = await writeStatus(
      deps.indices,
      index,
      // Someone (another leader after a failover) re-planned meanwhile: their plan wins; we run again.
      (cur) => (allocationsKey(cur.status?.shardAllocations ?? []) !== planned ? undefined : computeIndexStatus(cur, { allocations, unassigned: plan.unassigned, failures }, deps.now())),
      (current, next) => statusUnchanged(current, next ?? {}),
    );
    if (written) deps.ledger.set(written.metadata.namespace ?? 'default', written.metadata.name ?? '', written.metadata.resourceVersion, written.status?.shardAllocations);
    return written;
  }

  private recordTransitions(index: QuidditchIndex, before: string | undefined, plan: AllocationPlan, failures: NodeFailure[]): void {
    const { events } = this.deps;
    const after = index.status?.state;
    if (!before) events.record(index, 'Normal', 'Creating', `Allocating ${index.spec.shards} shards with ${index.spec.replicas ?? 1} replicas each.`);
    if (after === 'ACTIVE' && before !== 'ACTIVE') events.record(index, 'Normal', 'Active', `All primaries started; health ${index.status?.health}.`);
    const lost = plan.actions.filter((a) => a.type === 'delete' && a.reason === 'NodeUnavailable');
    if (lost.length) events.record(index, 'Warning', 'CopiesLost', `${lost.length} copies were on unavailable nodes (${[...new Set(lost.map((a) => a.node))].join(', ')}); re-creating them elsewhere.`);
    for (const p of plan.actions.filter((a) => a.type === 'promote')) events.record(index, 'Normal', 'ReplicaPromoted', `Replica of shard ${p.shardId} on ${p.node} promoted to primary.`);
    const reduced = plan.actions.filter((a) => a.type === 'delete' && a.reason === 'ReplicasReduced').length;
    if (reduced) events.record(index, 'Normal', 'ReplicasRemoved', `Removed ${reduced} replica copies.`);
    const added = plan.actions.filter((a) => a.type === 'create').length;
    if (added && before) events.record(index, 'Normal', 'CopiesAdded', `Placing ${added} new copies.`);
    if (plan.unassigned.length) events.record(index, 'Warning', plan.unassigned[0].reason, `${plan.unassigned.length} copies cannot be placed (${plan.unassigned[0].reason}).`);
    if (failures.length) events.record(index, 'Warning', 'ShardOperationFailed', failures.slice(0, 5).map((f) => `${f.node}: ${f.message}`).join('; '));
  }
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['default', key] : [key.slice(0, i), key.slice(i + 1)];
}

function sameAllocations(a: readonly ShardAllocationStatus[], b: readonly ShardAllocationStatus[]): boolean {
  return allocationsKey(a) === allocationsKey(b);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
