import { INDEX_FINALIZER, type QuidditchIndex, type QuidditchNode } from '../../api/v1';
import { isConflict, statusCodeOf } from '../kube/custom-resource-client';
import type { EventRecorder } from '../kube/event-recorder';
import type { Logger } from '../logger';
import type { ReconcileResult } from '../runtime/reconciler';
import type { AllocationLedger } from './allocation-ledger';
import type { IndexApi } from './index-api';
import type { ShardOperations } from './shard-operations';
import { writeStatus } from './status-writer';
import { mapLimit } from './map-limit';
import { AbandonedCopy, describeAbandoned, fullList } from './abandoned-copies';
import { copyIdentityOf } from './copy-identity';

export interface FinalizeDeps {
  readonly indices: IndexApi;
  readonly nodeCache: { get(namespace: string, name: string): QuidditchNode | undefined };
  readonly shards: ShardOperations;
  readonly events: EventRecorder;
  readonly ledger: AllocationLedger;
  readonly now: () => Date;
  /** How long a deletion waits for unreachable nodes before it gives up on their copies. */
  readonly deleteTimeoutMs: number;
}

/** How often a deletion blocked by an unreachable node tries again. */
const DELETE_RETRY_MS = 2_000;

/**
 * Deletes every copy of an index, then removes the finalizer. A node that cannot be reached holds the
 * deletion for at most deleteTimeoutMs after the deletion was requested; then the finalizer goes anyway
 * with a Warning event naming what was left behind, because a namespace that can never be deleted is
 * worse than an orphan copy (which the node reconciler removes if that node ever returns).
 */
export async function finalizeIndex(index: QuidditchIndex, deps: FinalizeDeps, log: Logger): Promise<ReconcileResult> {
  const namespace = index.metadata.namespace ?? 'default';
  const name = index.metadata.name ?? '';
  const finalizers = index.metadata.finalizers ?? [];
  if (!finalizers.includes(INDEX_FINALIZER)) return { kind: 'done' };

  if (index.status?.state !== 'DELETING') {
    const written = await writeStatus(deps.indices, index, (cur) => ({ ...(cur.status ?? {}), state: 'DELETING' as const }));
    if (!written) return { kind: 'done' };
    index = written;
    deps.events.record(index, 'Normal', 'Deleting', `Deleting ${index.status?.shardAllocations?.length ?? 0} shard copies.`);
  }

  // Copies on nodes we could not reach: worth waiting for (up to deleteTimeoutMs). Copies whose node
  // object is gone: nobody to ask, so no point waiting — but they are named all the same.
  const unreachable: AbandonedCopy[] = [];
  const nodeGone: AbandonedCopy[] = [];
  const identity = copyIdentityOf(index);
  await mapLimit(index.status?.shardAllocations ?? [], 32, async (a) => {
    const node = deps.nodeCache.get(namespace, a.nodeId);
    if (!node) {
      nodeGone.push({ node: a.nodeId, shardId: a.shardId, primary: a.primary, why: 'no QuidditchNode object' });
      return;
    }
    try {
      await deps.shards.deleteShard({ name: a.nodeId, address: node.spec.address }, { namespace: identity.namespace, index: identity.name, indexUid: identity.uid, shardId: a.shardId, primary: a.primary });
    } catch (err) {
      unreachable.push({ node: a.nodeId, shardId: a.shardId, primary: a.primary, why: err instanceof Error ? err.message : String(err) });
    }
  });

  const requestedAt = Date.parse(index.metadata.deletionTimestamp ?? '') || deps.now().getTime();
  const waitedMs = deps.now().getTime() - requestedAt;
  if (unreachable.length && waitedMs < deps.deleteTimeoutMs) {
    return { kind: 'requeueAfter', ms: Math.min(DELETE_RETRY_MS, deps.deleteTimeoutMs - waitedMs) };
  }
  const abandoned = [...unreachable, ...nodeGone];
  if (abandoned.length) {
    const gaveUp = unreachable.length ? `Gave up after ${Math.round(waitedMs / 1000)}s on` : 'Left';
    deps.events.record(index, 'Warning', 'ShardsLeftBehind',
      `${gaveUp} ${abandoned.length} copies: ${describeAbandoned(abandoned)}. They are removed if the node returns.`);
    // The Event may have to shorten a long list; the log names every copy.
    log.warn({ index: `${namespace}/${name}`, abandoned: fullList(abandoned) }, 'index deleted with shard copies left behind');
  }
  try {
    await deps.indices.patchFinalizers(namespace, name, index.metadata.resourceVersion, finalizers.filter((f) => f !== INDEX_FINALIZER));
  } catch (err) {
    if (isConflict(err)) return { kind: 'requeueAfter', ms: 0 };
    if (statusCodeOf(err) === 404) return { kind: 'done' };
    throw err;
  }
  deps.ledger.delete(namespace, name);
  return { kind: 'done' };
}
