import type { QuidditchIndex, QuidditchNode } from '../../api/v1';
import { CustomResourceClient } from '../kube/custom-resource-client';
import type { EventRecorder } from '../kube/event-recorder';
import type { OperatorMetrics } from '../metrics';
import { splitKey } from '../runtime/reconciler';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/reconciler';
import { setCondition } from './conditions';
import type { ObjectStore } from '../runtime/source';
import { messageOf } from '../runtime/errors';
import { judgeNode } from './node-status';
import type { ShardOperations } from './shard-operations';
import { writeStatus } from './status-writer';
import { SweepSchedule } from './sweep-schedule';
import { copyIdentityOf, copyNamespaceOf, isCopyOf } from './copy-identity';

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
    const before = node.status?.state;
    if (before !== verdict.state) {
      const written = await writeStatus(deps.nodes, node, (cur) => {
        // Re-judge on the fresh object: a heartbeat that arrived meanwhile must win over our stale view.
        const v = judgeNode(cur, deps.now(), deps.heartbeatTimeoutMs);
        const ready = v.state === 'UNHEALTHY' ? 'False' : 'True';
        const conditions = setCondition(cur.status?.conditions, { type: 'Ready', status: ready, reason: v.reason, message: v.message }, deps.now());
        return { ...(cur.status ?? {}), state: v.state, conditions };
      });
      const after = written?.status?.state;
      if (written && after !== before) {
        const type = after === 'UNHEALTHY' ? 'Warning' : 'Normal';
        deps.events.record(written, type, after === 'UNHEALTHY' ? 'NodeUnhealthy' : after === 'HEALTHY' ? 'NodeHealthy' : 'NodeDraining', verdict.message);
      }
    }
    const retryAfterMs = verdict.state === 'HEALTHY' ? await this.sweepIfDue(key, namespace, node, ctx) : undefined;
    const recheckMs = [verdict.recheckAfterMs, retryAfterMs].filter((ms): ms is number => ms !== undefined);
    return recheckMs.length ? { kind: 'requeueAfter', ms: Math.min(...recheckMs) } : { kind: 'done' };
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
