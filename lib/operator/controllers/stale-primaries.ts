/**
 * Superseded primaries: copies the record calls replicas that their node still holds as primaries.
 *
 * It happens when every copy of a shard was on nodes that left and they come back one after another:
 * the replica on the first node back is promoted, and the old primary's node, back later, still holds
 * its copy as a primary. Two nodes would then believe they are primary. Elasticsearch never lets a
 * stale primary act as one again: the newer primary term wins, and the old copy is recovered as a
 * replica of the current primary, reusing what it holds. The operator does the same with DemoteShard
 * (the copy keeps its data and re-syncs from the current primary); until the node has done it the
 * record shows the copy as an INITIALIZING replica, so health is never green while two copies
 * disagree about which is primary.
 */
import type { ShardAllocationStatus } from '../../api/v1';
import type { ObservedCopy } from '../datanode/observed-copies';
import { reportedCopy, type CopyIdentity } from './copy-identity';

/** What a node reports holding: undefined while unknown (its stream not synced). */
export type Reports = (node: string) => readonly Pick<ObservedCopy, 'namespace' | 'index' | 'indexUid' | 'shardId' | 'primary'>[] | undefined;

/** A replica record whose node still holds the copy as a primary, while the shard's recorded primary serves elsewhere. */
export interface StalePrimary {
  readonly shardId: number;
  /** The node still holding its copy as a primary. */
  readonly node: string;
  /** The node of the shard's recorded primary, which the demoted copy re-syncs from. */
  readonly primaryNode: string;
}

/** Whether `node` reports holding its copy of `shardId` as a primary (false while unknown). */
export function heldAsPrimary(reports: Reports, index: CopyIdentity, shardId: number, node: string): boolean {
  return reportedCopy(reports(node), index, shardId)?.primary ?? false;
}

/**
 * Pure: the replica records whose node holds the copy as a primary while the shard's recorded primary
 * serves (STARTED or RELOCATING) on another, available node. Left out: UNASSIGNED records (their node
 * is away or lost the copy) and the halves of a relocation (a primary that handed over is a replica in
 * the record until its deletion, which the relocation step sends). With no serving primary elsewhere
 * the copy is not stale: it may be the best copy left, and the planner may promote it.
 */
export function stalePrimaries(
  allocations: readonly ShardAllocationStatus[],
  reports: Reports,
  index: CopyIdentity,
  available: (node: string) => boolean,
): StalePrimary[] {
  const out: StalePrimary[] = [];
  for (const a of allocations) {
    if (a.primary || a.state === 'UNASSIGNED' || a.relocatingTo || a.relocatingFrom) continue;
    if (!heldAsPrimary(reports, index, a.shardId, a.nodeId)) continue;
    const primary = allocations.find((p) => p.shardId === a.shardId && p.primary && p.nodeId !== a.nodeId && (p.state === 'STARTED' || p.state === 'RELOCATING') && available(p.nodeId));
    if (primary) out.push({ shardId: a.shardId, node: a.nodeId, primaryNode: primary.nodeId });
  }
  return out;
}

/** A demotion a node carried out, for the Event. */
export interface Demotion {
  readonly shardId: number;
  readonly node: string;
  readonly primaryNode: string;
}

/** The PrimaryDemoted Event's message: which copies, and why nothing was lost. */
export function demotionMessage(demoted: readonly Demotion[]): string {
  const what = demoted.slice(0, 5).map((d) => `shard ${d.shardId} on ${d.node} (primary now on ${d.primaryNode})`).join('; ');
  const more = demoted.length > 5 ? ` and ${demoted.length - 5} more` : '';
  return `${demoted.length} copies were still held as primaries by nodes that returned after another copy had been promoted: ${what}${more}. ` +
    'Each is demoted to a replica that keeps its data and re-syncs from the current primary; the shard keeps serving from that primary meanwhile.';
}
