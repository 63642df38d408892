import type { ShardAllocationStatus } from '../../api/v1';
import { isRelocationExtra, sortAllocations } from './allocate';
import type { AllocationAction, AllocationPlan, CandidateNode } from './types';
import { MoveBook, type Mutable } from './move-book';
import { rebalanceMoves } from './rebalance';

/** Relocations in flight over the whole namespace, not counting the index being planned. */
export interface RelocationsInFlight {
  /** Per source node. */
  readonly out: ReadonlyMap<string, number>;
  /** Per target node. */
  readonly in: ReadonlyMap<string, number>;
  readonly total: number;
}

export interface RelocationOptions {
  /**
   * Most relocations in flight out of one node, and (separately) into one node, over all indices, like
   * cluster.routing.allocation.node_concurrent_recoveries. @default 2
   */
  readonly nodeConcurrent?: number;
  /** Most relocations in flight in the namespace. @default 8 */
  readonly clusterConcurrent?: number;
  /** Other indices' relocations in flight. @default none */
  readonly inFlight?: RelocationsInFlight;
  /**
   * Whether `node` reports its copy of `shardId` as a primary: true / false, or undefined while unknown
   * (no synced stream). A handover completes only on true. @default always unknown
   */
  readonly reportsPrimary?: (shardId: number, node: string) => boolean | undefined;
  /**
   * Whether `node` may still hold a copy of `shardId` the record does not (an orphan of a node that
   * came back, not swept yet), or cannot say (no synced stream). Such a node is no relocation target:
   * CreateShard there would answer with the stale copy instead of recovering a fresh one. @default never
   */
  readonly mayHoldCopy?: (shardId: number, node: string) => boolean;
  /**
   * Move copies off the most loaded HEALTHY nodes onto the least loaded (a node that joined) while
   * they differ by two or more, like Elasticsearch's balanced allocator (operator flag --rebalance).
   * @default false
   */
  readonly rebalance?: boolean;
  /**
   * Bytes of this index's copy of `shardId` on `node`, as the node reports it (undefined: unknown,
   * counted as 0). Rebalancing uses it to choose among the moves copy counts allow. @default unknown
   */
  readonly copyBytes?: (shardId: number, node: string) => number | undefined;
}

/** Why a copy on a draining node cannot move now. */
export type StuckReason =
  /** Every node that could take it already holds a copy of its shard (more nodes are needed). */
  | 'TooFewNodes'
  /** Nodes without a copy of the shard are at maxShards, or none is HEALTHY. */
  | 'NoRoom';

export interface StuckCopy {
  readonly shardId: number;
  readonly primary: boolean;
  readonly node: string;
  readonly reason: StuckReason;
}

/** A plan with relocations: the copies that must leave a draining node but cannot, and how many wait for the throttle. */
export interface RelocationPlan extends AllocationPlan {
  readonly stuck: readonly StuckCopy[];
  readonly throttled: number;
  /** Relocations of this index in flight once the plan is carried out. */
  readonly inFlight: number;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Pure: adds relocations to a plan from `planAllocation`, after it has repaired everything else.
 * A relocation moves one copy create-before-delete, in steps that each are persisted before they act:
 *  1. start: the source turns RELOCATING (relocatingTo), a replica target is added INITIALIZING
 *     (relocatingFrom) and created recovering from the shard's primary;
 *  2. target STARTED: a replica source is deleted; a primary source hands over first: the target
 *     becomes the primary (it is STARTED: the shard never lacks a started primary) and is promoted
 *     on its node, the source stays as a RELOCATING replica, serving;
 *  3. the target's node reports it primary: the source is deleted.
 * A pair that lost its other half is repaired: a source whose target is gone serves on (STARTED), a
 * target whose source stopped serving before it started is deleted (it never held the data).
 * New moves take every STARTED copy off DRAINING nodes, one move per shard at a time, to the HEALTHY
 * node without a copy of the shard in the zone with the fewest copies of it, then the least loaded,
 * then the one reporting the fewest bytes, within the throttles (move-book.ts). Rebalancing: rebalance.ts. The source is never deleted before its replacement serves, so a drain that
 * cannot finish leaves every copy where it is (`stuck`).
 */
export function planRelocations(plan: AllocationPlan, nodes: readonly CandidateNode[], options: RelocationOptions = {}): RelocationPlan {
  const nodeConcurrent = options.nodeConcurrent ?? 2;
  const clusterConcurrent = options.clusterConcurrent ?? 8;
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const allocations: Mutable[] = plan.allocations.map((a) => ({ ...a }));
  const actions: AllocationAction[] = [...plan.actions];
  const shards = new Map<number, Mutable[]>();
  for (const a of allocations) shards.set(a.shardId, [...(shards.get(a.shardId) ?? []), a]);
  const removed = new Set<Mutable>();
  const remove = (c: Mutable, reason: 'Relocated' | 'RelocationCancelled', to?: string) => {
    removed.add(c);
    actions.push({ type: 'delete', shardId: c.shardId, primary: c.primary, node: c.nodeId, reason, ...(to ? { to } : {}) });
  };

  // 1. Move pairs in flight on, or repair them.
  for (const shard of shards.values()) {
    for (const s of shard.filter((c) => c.relocatingTo)) {
      if (!shard.some((t) => t.nodeId === s.relocatingTo && t.relocatingFrom === s.nodeId)) {
        delete s.relocatingTo; // its target is gone: the source serves on where it is
        if (s.state === 'RELOCATING') s.state = 'STARTED';
      }
    }
    for (const t of shard.filter((c) => c.relocatingFrom)) {
      const s = shard.find((c) => c.nodeId === t.relocatingFrom && c.relocatingTo === t.nodeId);
      if (!t.primary && t.state !== 'STARTED') {
        if (s && (s.state === 'STARTED' || s.state === 'RELOCATING')) continue; // still recovering from a serving source
        if (s) {
          delete s.relocatingTo;
        }
        if (t.state === 'INITIALIZING') remove(t, 'RelocationCancelled');
        else delete t.relocatingFrom;
        continue;
      }
      if (!t.primary) {
        if (!s || !s.primary) {
          // Replica moved (or its source is gone): the target is an ordinary copy now.
          if (s) remove(s, 'Relocated', t.nodeId);
          delete t.relocatingFrom;
          continue;
        }
        // The target started while the source is the primary: hand over by promotion.
        t.primary = true;
        s.primary = false;
        actions.push({ type: 'handover', shardId: t.shardId, node: t.nodeId, from: s.nodeId });
        continue;
      }
      // Handing over: done once the target's node reports it primary.
      if (options.reportsPrimary?.(t.shardId, t.nodeId) === true) {
        if (s) remove(s, 'Relocated', t.nodeId);
        delete t.relocatingFrom;
      } else {
        actions.push({ type: 'handover', shardId: t.shardId, node: t.nodeId, from: t.relocatingFrom ?? '' });
      }
    }
  }
  const kept = allocations.filter((a) => !removed.has(a));
  // A shard with a copy deleted by this plan starts no move in it: the new target could land on the
  // node whose copy of the shard is being deleted in the same step (same copy key, create racing delete).
  const settling = new Set([...removed].map((c) => c.shardId));

  // 2. New moves off draining nodes, within the throttles.
  const book = new MoveBook({ nodes, nodeConcurrent, clusterConcurrent, inFlight: options.inFlight, copyBytes: options.copyBytes }, actions, kept);
  const stuck: StuckCopy[] = [];
  let throttled = 0;
  const healthy = [...nodeByName.values()].filter((n) => n.state === 'HEALTHY');
  const leaving = kept
    .filter((c) => nodeByName.get(c.nodeId)?.state === 'DRAINING')
    .sort((a, b) => a.shardId - b.shardId || Number(b.primary) - Number(a.primary) || byName(a.nodeId, b.nodeId));
  for (const c of leaving) {
    const shard = kept.filter((x) => x.shardId === c.shardId);
    if (c.state !== 'STARTED' || c.relocatingTo || c.relocatingFrom) continue; // not serving yet, or moving already
    if (shard.some((x) => x.relocatingTo || x.relocatingFrom) || settling.has(c.shardId)) continue; // one move per shard at a time
    if (!c.primary && !shard.some((x) => x.primary && x.state === 'STARTED')) continue; // nothing to recover from
    const holds = new Set(shard.map((x) => x.nodeId));
    const free = healthy.filter((n) => !holds.has(n.name) && book.hasRoom(n));
    if (free.length === 0) {
      stuck.push({ shardId: c.shardId, primary: c.primary, node: c.nodeId, reason: healthy.length > 0 && healthy.every((n) => holds.has(n.name)) ? 'TooFewNodes' : 'NoRoom' });
      continue;
    }
    const inZone = (zone: string) => shard.filter((x) => x !== c && book.zoneOf(x.nodeId) === zone).length;
    // A node that may still hold an orphan of the shard is waited for (its sweep), not called stuck.
    const open = free.filter((n) => book.inOpen(n.name) && !options.mayHoldCopy?.(c.shardId, n.name));
    const best = book.outOpen(c.nodeId) ? book.pick(open, (n) => inZone(book.zoneOf(n.name)), (n) => book.loadOf(n.name)) : undefined;
    if (!best) {
      throttled++;
      continue;
    }
    book.start(c, best.name, kept, actions);
  }

  // 3. Rebalance, once nothing drains (rebalance.ts): copy counts end within one of even, bytes choose among the moves.
  const draining = [...nodeByName.values()].some((n) => n.state === 'DRAINING');
  if (options.rebalance && !draining && plan.unassigned.length === 0) throttled += rebalanceMoves(book, kept, actions, settling, options.mayHoldCopy);
  return { ...plan, allocations: sortAllocations(kept), actions, stuck, throttled, inFlight: book.ownInFlight };
}

/** Pure: the copies of `allocations` that count towards spec.replicas (one per relocation pair). */
export function countedCopies(allocations: readonly ShardAllocationStatus[]): ShardAllocationStatus[] {
  return allocations.filter((a) => !isRelocationExtra(a, allocations.filter((b) => b.shardId === a.shardId)));
}
