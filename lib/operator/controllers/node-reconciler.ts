import type { QuidditchIndex, QuidditchNode } from '../../api/v1';
import { CustomResourceClient } from '../kube/custom-resource-client';
import type { EventRecorder } from '../kube/event-recorder';
import type { OperatorMetrics } from '../metrics';
import { splitKey } from '../runtime/reconciler';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/reconciler';
import { setCondition } from './conditions';
import type { ObjectStore } from '../runtime/source';
import { messageOf } from '../runtime/errors';
import { drainProgress, judgeNode } from './node-status';
import type { DrainProgress, NodeVerdict } from './node-status';
import type { QuidditchNodeStatus } from '../../api/v1';
import type { ShardOperations } from './shard-operations';
import { writeStatus } from './status-writer';
import { SweepSchedule } from './sweep-schedule';
import { copyIdentityOf, copyNamespaceOf, isCopyOf } from './copy-identity';
import type { NodeZoneSource } from '../kube/node-zones';
import { kubernetesNodeToRead, resolveZone, ZONE_CONDITION } from './node-zone';
import type { ZoneResolution } from './node-zone';
import type { AllocationLedger } from './allocation-ledger';

export interface NodeReconcilerDeps {
  readonly nodes: CustomResourceClient<QuidditchNode>;
  readonly nodeCache: ObjectStore<QuidditchNode>;
  readonly indices: CustomResourceClient<QuidditchIndex>;
  readonly indexCache: ObjectStore<QuidditchIndex>;
  readonly shards: ShardOperations;
  readonly events: EventRecorder;
  readonly now: () => Date;
  readonly heartbeatTimeoutMs: number;
  /** A copy no index claims is deleted only once it is older than this (it may be a copy whose plan the cache has not shown yet). @default 30 s */
  readonly orphanGraceMs?: number;
  /** Least time between two orphan sweeps of one node. @default 30 s */
  readonly sweepIntervalMs?: number;
  /** First retry of a failed sweep; doubles per failure up to sweepIntervalMs. @default 1 s */
  readonly sweepRetryBaseMs?: number;
  /** Counts failed sweeps (orphan_sweep_failures_total). */
  readonly metrics?: OperatorMetrics;
  /** Reads the zone of the Kubernetes Node a data node runs on. @default none: only spec.zone counts */
  readonly zones?: NodeZoneSource;
  /**
   * Relocations per node, kept current as indices change, so a heartbeat of a node that is not
   * draining costs O(1) instead of a scan of every index. @default none: every reconcile scans
   */
  readonly ledger?: Pick<AllocationLedger, 'nodeMoves'>;
}

/**
 * NodeReconciler keeps QuidditchNode.status.state true to the heartbeats: UNHEALTHY once the last one
 * is older than the timeout, HEALTHY again on a fresh one. It requeues itself for the exact moment a
 * heartbeat would expire instead of polling. On healthy nodes it also sweeps orphan copies — copies no
 * index assigns to the node, e.g. left on a node that was down while its shards moved elsewhere.
 */
export class NodeReconciler implements Reconciler {
  private readonly sweeps: SweepSchedule;

  constructor(private readonly deps: NodeReconcilerDeps) {
    this.sweeps = new SweepSchedule({ intervalMs: deps.sweepIntervalMs ?? 30_000, retryBaseMs: deps.sweepRetryBaseMs });
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const { deps } = this;
    const node = deps.nodeCache.get(namespace, name);
    if (!node) {
      this.sweeps.forget(key);
      return { kind: 'done' };
    }
    const now = deps.now();
    const verdict = judgeNode(node, now, deps.heartbeatTimeoutMs);
    const progressFor = this.progressOf(namespace, name);
    const k8sNode = kubernetesNodeToRead(node);
    const lookup = k8sNode && deps.zones ? await deps.zones.lookup(k8sNode) : undefined;
    // Re-judge on the fresh object: a heartbeat that arrived meanwhile must win over our stale view.
    // What changed is measured against that same object, not the cache: a cache still behind our
    // previous write would otherwise report its transitions (DrainComplete, NodeHealthy…) twice.
    let base = node;
    const written = await writeStatus(deps.nodes, node, (cur) => {
      base = cur;
      const fresh = judgeNode(cur, deps.now(), deps.heartbeatTimeoutMs);
      return nodeStatus(cur, fresh, progressFor(fresh.state), deps.now(), resolveZone(cur, lookup));
    });
    const condition = (n: QuidditchNode | undefined, type: string) => n?.status?.conditions?.find((c) => c.type === type);
    if (written) recordZoneEvents(deps.events, written, base.status?.zone, condition(base, ZONE_CONDITION)?.status);
    const after = written?.status?.state;
    if (written && after !== base.status?.state) {
      const type = after === 'UNHEALTHY' ? 'Warning' : 'Normal';
      deps.events.record(written, type, after === 'UNHEALTHY' ? 'NodeUnhealthy' : after === 'HEALTHY' ? 'NodeHealthy' : 'NodeDraining', verdict.message);
    }
    const drained = condition(written, 'Drained');
    if (written && drained?.status === 'True' && condition(base, 'Drained')?.status !== 'True') deps.events.record(written, 'Normal', 'DrainComplete', drained.message);
    // A draining node still serves: orphans left by a move whose delete failed are swept there too.
    const retryAfterMs = verdict.state !== 'UNHEALTHY' ? await this.sweepIfDue(key, namespace, node, ctx) : undefined;
    const recheckMs = [verdict.recheckAfterMs, retryAfterMs].filter((ms): ms is number => ms !== undefined);
    return recheckMs.length ? { kind: 'requeueAfter', ms: Math.min(...recheckMs) } : { kind: 'done' };
  }

  /**
   * The node's copies and moves, as its status needs them for a state: a draining node counts its
   * copies over every index (once per reconcile); any other needs only its moves, from the ledger.
   * Decided on the state judged from the fresh object, so a drain that began meanwhile is counted.
   */
  private progressOf(namespace: string, name: string): (state: NodeVerdict['state']) => DrainProgress {
    let scanned: DrainProgress | undefined;
    const scan = () => (scanned ??= drainProgress(name, this.deps.indexCache.list(namespace)));
    const ledger = this.deps.ledger;
    return (state) => (state === 'DRAINING' || !ledger ? scan() : { copies: 0, stalledIndices: [], ...ledger.nodeMoves(namespace, name) });
  }

  /**
   * Runs the node's orphan sweep when it is due. A failed sweep does not fail the reconcile (the
   * node's state was written), but it is never silent: it is logged at warn, counted in
   * orphan_sweep_failures_total, and retried with backoff — the returned delay requeues the node for it.
   */
  private async sweepIfDue(key: string, namespace: string, node: QuidditchNode, ctx: ReconcileContext): Promise<number | undefined> {
    const startedMs = this.deps.now().getTime();
    // Not due yet: a pending retry still counts, so the requeue returned for it is never dropped.
    if (!this.sweeps.isDue(key, startedMs)) return this.sweeps.pendingRetryMs(key, startedMs);
    try {
      await this.sweepOrphans(namespace, node, startedMs);
      this.sweeps.succeeded(key, startedMs);
      return undefined;
    } catch (err) {
      const retryInMs = this.sweeps.failed(key, this.deps.now().getTime());
      this.deps.metrics?.orphanSweepFailures.inc();
      ctx.log.warn({ err: messageOf(err), node: key, failures: this.sweeps.failures(key), retryInMs }, 'orphan sweep failed; retrying with backoff');
      return retryInMs;
    }
  }

  /** Deletes copies the node holds that no index assigns to it (idempotent); throws when any step failed. */
  private async sweepOrphans(namespace: string, node: QuidditchNode, now: number): Promise<void> {
    const { deps } = this;
    const name = node.metadata.name ?? '';
    const target = { name, address: node.spec.address };
    const held = await deps.shards.listShards(target);
    const grace = deps.orphanGraceMs ?? 30_000;
    const failed: string[] = [];
    for (const copy of held) {
      if (now - copy.createdAtMs < grace) continue;
      // A copy named after another namespace is this namespace's business only when an index here was
      // imported from there (quidditch.io/copy-namespace); anything else is left alone.
      if (copy.namespace !== namespace && copyNamespaceOf(deps.indexCache.get(namespace, copy.index) ?? { metadata: { namespace } }) !== copy.namespace) continue;
      if (isClaimed(deps.indexCache.get(namespace, copy.index), copy, name)) continue;
      // The cache may lag behind a plan another reconcile just wrote: confirm with a fresh read before deleting.
      if (isClaimed(await deps.indices.get(namespace, copy.index), copy, name)) continue;
      try {
        await deps.shards.deleteShard(target, copy);
        deps.events.record(node, 'Normal', 'OrphanCopyDeleted', `Deleted shard ${copy.shardId} of ${copy.index} (uid ${copy.indexUid}): no index assigns it to this node.`);
      } catch (err) {
        deps.events.record(node, 'Warning', 'OrphanCopyDeleteFailed', `Unable to delete orphan shard ${copy.shardId} of ${copy.index}: ${messageOf(err)}`);
        failed.push(`shard ${copy.shardId} of ${copy.index}: ${messageOf(err)}`);
      }
    }
    if (failed.length) throw new Error(`unable to delete ${failed.length} orphan copies (${failed.join('; ')})`);
  }
}

function isClaimed(index: QuidditchIndex | undefined, copy: { namespace: string; index: string; indexUid: string; shardId: number }, node: string): boolean {
  if (!index || !isCopyOf(copy, copyIdentityOf(index))) return false;
  return (index.status?.shardAllocations ?? []).some((a) => a.shardId === copy.shardId && a.nodeId === node);
}

/**
 * Pure: the node's status after a reconcile: state and Ready from the heartbeat verdict, the moves in
 * flight, and while it drains the copies left and a Drained condition (False while copies remain,
 * reason DrainStalled when some cannot leave; True once none is left).
 */
export function nodeStatus(cur: QuidditchNode, v: NodeVerdict, progress: DrainProgress, now: Date, zone?: ZoneResolution): QuidditchNodeStatus {
  return withZone(cur, liveStatus(cur, v, progress, now), zone, now);
}

/** status.zone and ZoneResolved from the resolution; unchanged when there is none. */
function withZone(cur: QuidditchNode, status: QuidditchNodeStatus, zone: ZoneResolution | undefined, now: Date): QuidditchNodeStatus {
  if (!zone) return status;
  const conditions = zone.condition ? setCondition(status.conditions, zone.condition, now) : (status.conditions ?? []).filter((c) => c.type !== ZONE_CONDITION);
  // zone: null removes the field (a JSON merge patch).
  const field = zone.zone !== undefined ? { zone: zone.zone } : cur.status?.zone !== undefined ? ({ zone: null } as unknown as QuidditchNodeStatus) : {};
  return { ...status, ...field, conditions };
}

/** Normal ZoneChanged when status.zone changed; Warning ZoneUnresolved when the Kubernetes node could no longer be read. */
function recordZoneEvents(events: EventRecorder, written: QuidditchNode, before: string | undefined, conditionBefore: string | undefined): void {
  const condition = written.status?.conditions?.find((c) => c.type === ZONE_CONDITION);
  const after = written.status?.zone;
  if (after !== before) events.record(written, 'Normal', 'ZoneChanged', `Zone ${before ?? '(none)'} → ${after ?? '(none)'}: ${condition?.message ?? 'the node names neither a zone nor a Kubernetes node.'}`);
  if (condition?.status === 'False' && conditionBefore !== 'False') events.record(written, 'Warning', 'ZoneUnresolved', `${condition.reason}: ${condition.message}`);
}

function liveStatus(cur: QuidditchNode, v: NodeVerdict, progress: DrainProgress, now: Date): QuidditchNodeStatus {
  const ready = v.state === 'UNHEALTHY' ? 'False' : 'True';
  // Ready is rewritten when the state changes only: its message names the last heartbeat, and a
  // write per heartbeat would double the API load of every node for nothing.
  let conditions = cur.status?.state === v.state && cur.status.conditions ? [...cur.status.conditions] : setCondition(cur.status?.conditions, { type: 'Ready', status: ready, reason: v.reason, message: v.message }, now);
  const moves = progress.relocationsIn || progress.relocationsOut || cur.status?.relocationsIn || cur.status?.relocationsOut
    ? { relocationsIn: progress.relocationsIn, relocationsOut: progress.relocationsOut }
    : {};
  if (v.state !== 'DRAINING') {
    // No longer draining: the drain's condition ends (it said nothing about a node in use).
    if (conditions.some((c) => c.type === 'Drained')) conditions = conditions.filter((c) => c.type !== 'Drained');
    // copiesLeft: null removes the field (a JSON merge patch).
    const cleared = cur.status?.copiesLeft !== undefined ? ({ copiesLeft: null } as unknown as QuidditchNodeStatus) : {};
    return { ...(cur.status ?? {}), ...cleared, state: v.state, conditions, ...moves };
  }
  const left = progress.copies;
  const drained =
    left === 0
      ? { status: 'True' as const, reason: 'DrainComplete', message: 'No shard copy is left on the node; it can be removed.' }
      : progress.stalledIndices.length
        ? { status: 'False' as const, reason: 'DrainStalled', message: `${left} copies left; some of indices ${progress.stalledIndices.slice(0, 5).join(', ')} cannot leave (see their DrainBlocked condition). They stay and serve here; none is deleted.` }
        : { status: 'False' as const, reason: 'Draining', message: `${left} copies left, ${progress.relocationsOut} moving away now.` };
  conditions = setCondition(conditions, { type: 'Drained', ...drained }, now);
  return { ...(cur.status ?? {}), state: v.state, conditions, copiesLeft: left, ...moves };
}
