import type { QuidditchIndex, QuidditchNode } from '../../api/v1';
import { CustomResourceClient } from '../kube/custom-resource-client';
import type { EventRecorder } from '../kube/event-recorder';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/reconciler';
import { setCondition } from './conditions';
import type { ObjectStore } from '../runtime/source';
import { splitKey, messageOf } from './index-reconciler';
import { judgeNode } from './node-status';
import type { ShardOperations } from './shard-operations';
import { writeStatus } from './status-writer';
import { copyUidOf } from './copy-identity';

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
}

/**
 * NodeReconciler keeps QuidditchNode.status.state true to the heartbeats: UNHEALTHY once the last one
 * is older than the timeout, HEALTHY again on a fresh one. It requeues itself for the exact moment a
 * heartbeat would expire instead of polling. On healthy nodes it also sweeps orphan copies — copies no
 * index assigns to the node, e.g. left on a node that was down while its shards moved elsewhere.
 */
export class NodeReconciler implements Reconciler {
  private readonly lastSweep = new Map<string, number>();

  constructor(private readonly deps: NodeReconcilerDeps) {}

  async reconcile(key: string, _ctx?: ReconcileContext): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const { deps } = this;
    const node = deps.nodeCache.get(namespace, name);
    if (!node) {
      this.lastSweep.delete(key);
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
    if (verdict.state === 'HEALTHY') await this.sweepOrphans(namespace, node).catch(() => undefined);
    return verdict.recheckAfterMs === undefined ? { kind: 'done' } : { kind: 'requeueAfter', ms: verdict.recheckAfterMs };
  }

  /** Deletes copies the node holds that no index assigns to it (idempotent; at most once per sweep interval). */
  private async sweepOrphans(namespace: string, node: QuidditchNode): Promise<void> {
    const { deps } = this;
    const name = node.metadata.name ?? '';
    const key = `${namespace}/${name}`;
    const now = deps.now().getTime();
    if (now - (this.lastSweep.get(key) ?? 0) < (deps.sweepIntervalMs ?? 30_000)) return;
    this.lastSweep.set(key, now);
    const target = { name, address: node.spec.address };
    const held = await deps.shards.listShards(target);
    const grace = deps.orphanGraceMs ?? 30_000;
    for (const copy of held) {
      if (copy.namespace !== namespace || now - copy.createdAtMs < grace) continue;
      if (isClaimed(deps.indexCache.get(namespace, copy.index), copy, name)) continue;
      // The cache may lag behind a plan another reconcile just wrote: confirm with a fresh read before deleting.
      if (isClaimed(await deps.indices.get(namespace, copy.index), copy, name)) continue;
      try {
        await deps.shards.deleteShard(target, copy);
        deps.events.record(node, 'Normal', 'OrphanCopyDeleted', `Deleted shard ${copy.shardId} of ${copy.index} (uid ${copy.indexUid}): no index assigns it to this node.`);
      } catch (err) {
        deps.events.record(node, 'Warning', 'OrphanCopyDeleteFailed', `Unable to delete orphan shard ${copy.shardId} of ${copy.index}: ${messageOf(err)}`);
      }
    }
  }
}

function isClaimed(index: QuidditchIndex | undefined, copy: { indexUid: string; shardId: number }, node: string): boolean {
  if (!index || copyUidOf(index) !== copy.indexUid) return false;
  return (index.status?.shardAllocations ?? []).some((a) => a.shardId === copy.shardId && a.nodeId === node);
}
