import type { ShardAllocationStatus } from '../../api/v1';
import type { ObservedCopies, ObservedCopy } from '../datanode/observed-copies';

/** The index whose record is compared with what the nodes report. */
export interface IndexIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** What the comparison changed, for the Event. */
export interface Drift {
  /** The record, corrected by what the nodes report (the same array when nothing changed). */
  readonly allocations: readonly ShardAllocationStatus[];
  /** STARTED copies their (synced, available) node no longer holds or reports FAILED. */
  readonly lost: readonly { readonly shardId: number; readonly primary: boolean; readonly node: string; readonly reason: string }[];
  /** UNASSIGNED copies a returning node reports holding again. */
  readonly adopted: number;
}

/**
 * Pure: the operator's record compared with what the nodes report through their WatchShards streams.
 * Only nodes whose stream is synced are judged (unknown ≠ empty); only available nodes' copies are
 * adopted (a node the heartbeats call UNHEALTHY stays away until it beats again).
 *  - INITIALIZING → STARTED when the node reports it started (no polling, no CreateShard);
 *  - STARTED but not held → UNASSIGNED/CopyMissing (the node restarted without its data); FAILED on
 *    the node → UNASSIGNED/CopyFailed with the node's reason; the planner then promotes a started
 *    replica, re-creates a replica from a surviving copy, or keeps the shard red (PrimaryLost);
 *  - UNASSIGNED/NodeLeft on a node that is back → the reported state if it holds the copy, else CopyMissing.
 */
export function compareWithNodes(
  allocations: readonly ShardAllocationStatus[],
  observed: ObservedCopies | undefined,
  index: IndexIdentity,
  available: (node: string) => boolean,
  now: Date,
): Drift {
  if (!observed) return { allocations, lost: [], adopted: 0 };
  const lost: { shardId: number; primary: boolean; node: string; reason: string }[] = [];
  let adopted = 0;
  let changed = false;
  const since = now.toISOString();
  const next = allocations.map((a): ShardAllocationStatus => {
    const held = observed.copiesOn(a.nodeId);
    if (!held) return a;
    const copy = held.find((c) => c.namespace === index.namespace && c.index === index.name && c.indexUid === index.uid && c.shardId === a.shardId);
    const result = judge(a, copy, available(a.nodeId), since);
    if (result === a) return a;
    changed = true;
    if (result.state === 'UNASSIGNED' && a.state !== 'UNASSIGNED') lost.push({ shardId: a.shardId, primary: a.primary, node: a.nodeId, reason: result.message ?? result.unassignedReason ?? '' });
    if (a.state === 'UNASSIGNED' && result.state !== 'UNASSIGNED') adopted++;
    return result;
  });
  return { allocations: changed ? next : allocations, lost, adopted };
}

function relocation(a: ShardAllocationStatus): Pick<ShardAllocationStatus, 'relocatingTo' | 'relocatingFrom'> {
  return { ...(a.relocatingTo ? { relocatingTo: a.relocatingTo } : {}), ...(a.relocatingFrom ? { relocatingFrom: a.relocatingFrom } : {}) };
}

function judge(a: ShardAllocationStatus, copy: ObservedCopy | undefined, available: boolean, since: string): ShardAllocationStatus {
  const base = { shardId: a.shardId, nodeId: a.nodeId, primary: a.primary };
  if (copy?.state === 'FAILED') {
    if (a.state === 'UNASSIGNED' && a.unassignedReason === 'CopyFailed') return a;
    return { ...base, state: 'UNASSIGNED', unassignedReason: 'CopyFailed', unassignedSince: since, message: (copy.reason || 'the node reported the copy failed').slice(0, 1024) };
  }
  switch (a.state) {
    case 'INITIALIZING':
      // A promotion is confirmed by the node's primary flag, a creation by its state.
      // A relocation target that started stays one: its pair is completed by the relocation step.
      return copy && copy.state === 'STARTED' && copy.primary === a.primary ? { ...base, ...relocation(a), state: 'STARTED' } : a;
    case 'STARTED':
    case 'RELOCATING':
      // A copy recovering after its node restarted with its data still holds it: it stays as recorded.
      return copy ? a : { ...base, state: 'UNASSIGNED', unassignedReason: 'CopyMissing', unassignedSince: since };
    case 'UNASSIGNED':
      if (a.unassignedReason !== 'NodeLeft' || !available) return a;
      return copy ? { ...base, state: copy.state } : { ...base, state: 'UNASSIGNED', unassignedReason: 'CopyMissing', unassignedSince: since };
  }
}
