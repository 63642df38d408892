import type { ShardAllocationStatus } from '../../api/v1';
import type { ObservedCopies, ObservedCopy } from '../datanode/observed-copies';
import { isCopyOf, type CopyIdentity } from './copy-identity';
import { stalePrimaries } from './stale-primaries';

/** The index whose record is compared with what the nodes report: the identity its copies carry. */
export type IndexIdentity = CopyIdentity;

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
 *
 * A shard is judged as a whole: while one of its copies sits on an available node whose stream is not
 * synced yet (the operator just started or became leader, the node just restarted or registered),
 * none of its copies is marked lost. Marking the copy on a synced node lost while its sibling is still
 * unknown would have the planner promote (or re-create from) a copy nobody has seen — and a promotion
 * the node cannot honour ends as an empty primary. The shard is judged once every node has spoken;
 * a node that never does turns UNHEALTHY and is handled as a node that left.
 *  - INITIALIZING → STARTED when the node reports it started (no polling, no CreateShard);
 *  - STARTED but not held → UNASSIGNED/CopyMissing (the node restarted without its data); FAILED on
 *    the node → UNASSIGNED/CopyFailed with the node's reason; the planner then promotes a started
 *    replica, re-creates a replica from a surviving copy, or keeps the shard red (PrimaryLost);
 *  - UNASSIGNED/NodeLeft on a node that is back → the reported state if it holds the copy, else CopyMissing;
 *  - UNASSIGNED/CopyMissing that its (available) node reports again → the reported state: the node
 *    came back with its data (restarted with its volume, or registered again), so the copy is re-adopted;
 *  - a replica its node still holds as a primary while the shard's recorded primary serves elsewhere
 *    (a superseded primary, stale-primaries.ts) → INITIALIZING: it does not serve as a replica until
 *    the node has demoted it and it has re-synced (index-execute.ts sends DemoteShard).
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
  // Each node's report of this index read once (a fresh list per call).
  const reports = new Map<string, readonly ObservedCopy[] | undefined>();
  const copiesOn = (node: string) => {
    if (!reports.has(node)) reports.set(node, observed.indexCopiesOn(node, index.namespace, index.name));
    return reports.get(node);
  };
  const unknown = new Set(allocations.filter((a) => available(a.nodeId) && copiesOn(a.nodeId) === undefined).map((a) => a.shardId));
  const next = allocations.map((a): ShardAllocationStatus => {
    const held = copiesOn(a.nodeId);
    if (!held) return a;
    const copy = held.find((c) => isCopyOf(c, index) && c.shardId === a.shardId);
    const result = judge(a, copy, available(a.nodeId), since);
    if (result === a) return a;
    // Good news (a copy started, a returning node holds its copy) is taken at once; a loss waits for the whole shard.
    if (result.state === 'UNASSIGNED' && unknown.has(a.shardId)) return a;
    changed = true;
    if (result.state === 'UNASSIGNED' && a.state !== 'UNASSIGNED') lost.push({ shardId: a.shardId, primary: a.primary, node: a.nodeId, reason: result.message ?? result.unassignedReason ?? '' });
    if (a.state === 'UNASSIGNED' && result.state !== 'UNASSIGNED') adopted++;
    return result;
  });
  // A superseded primary is not a serving replica until its node has demoted it and it has re-synced.
  for (const stale of stalePrimaries(next, copiesOn, index, available)) {
    const i = next.findIndex((a) => a.shardId === stale.shardId && a.nodeId === stale.node && !a.primary);
    if (next[i].state === 'INITIALIZING') continue;
    next[i] = { shardId: stale.shardId, nodeId: stale.node, primary: false, state: 'INITIALIZING' };
    changed = true;
  }
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
      if (!available) return a;
      if (a.unassignedReason === 'CopyMissing') return copy ? { ...base, state: copy.state } : a;
      if (a.unassignedReason !== 'NodeLeft') return a;
      return copy ? { ...base, state: copy.state } : { ...base, state: 'UNASSIGNED', unassignedReason: 'CopyMissing', unassignedSince: since };
  }
}
