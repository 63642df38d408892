import type { ShardAllocationStatus } from '../../api/v1';
import { isRelocationExtra, sortAllocations } from './allocate';
import type { AllocationAction, AllocationPlan, CandidateNode } from './types';

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

type Mutable = { -readonly [K in keyof ShardAllocationStatus]: ShardAllocationStatus[K] };

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
 * within the throttles. The source is never deleted before its replacement serves, so a drain that
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
  const outs = new Map(options.inFlight?.out ?? []);
  const ins = new Map(options.inFlight?.in ?? []);
  let total = options.inFlight?.total ?? 0;
  const load = new Map(nodes.map((n) => [n.name, n.load]));
  for (const a of actions) {
    if (a.type === 'create') load.set(a.node, (load.get(a.node) ?? 0) + 1);
    if (a.type === 'delete') load.set(a.node, (load.get(a.node) ?? 0) - 1);
  }
  let ownInFlight = 0;
  for (const t of kept.filter((c) => c.relocatingFrom)) {
    ownInFlight++;
    total++;
    outs.set(t.relocatingFrom ?? '', (outs.get(t.relocatingFrom ?? '') ?? 0) + 1);
    ins.set(t.nodeId, (ins.get(t.nodeId) ?? 0) + 1);
  }
  const stuck: StuckCopy[] = [];
  let throttled = 0;
  const healthy = [...nodeByName.values()].filter((n) => n.state === 'HEALTHY');
  const zoneOf = (node: string) => nodeByName.get(node)?.zone ?? '';
  /** Starts moving `c` to `target`: the source turns RELOCATING, the target is added INITIALIZING, the throttles count it. */
  const startMove = (c: Mutable, target: string) => {
    c.state = 'RELOCATING';
    c.relocatingTo = target;
    kept.push({ shardId: c.shardId, nodeId: target, primary: false, state: 'INITIALIZING', relocatingFrom: c.nodeId });
    actions.push({ type: 'relocate', shardId: c.shardId, primary: c.primary, from: c.nodeId, node: target });
    load.set(target, (load.get(target) ?? 0) + 1);
    outs.set(c.nodeId, (outs.get(c.nodeId) ?? 0) + 1);
    ins.set(target, (ins.get(target) ?? 0) + 1);
    total++;
    ownInFlight++;
  };
  const leaving = kept
    .filter((c) => nodeByName.get(c.nodeId)?.state === 'DRAINING')
    .sort((a, b) => a.shardId - b.shardId || Number(b.primary) - Number(a.primary) || byName(a.nodeId, b.nodeId));
  for (const c of leaving) {
    const shard = kept.filter((x) => x.shardId === c.shardId);
    if (c.state !== 'STARTED' || c.relocatingTo || c.relocatingFrom) continue; // not serving yet, or moving already
    if (shard.some((x) => x.relocatingTo || x.relocatingFrom) || settling.has(c.shardId)) continue; // one move per shard at a time
    if (!c.primary && !shard.some((x) => x.primary && x.state === 'STARTED')) continue; // nothing to recover from
    const holds = new Set(shard.map((x) => x.nodeId));
    const free = healthy.filter((n) => !holds.has(n.name) && (load.get(n.name) ?? 0) < n.maxShards);
    if (free.length === 0) {
      stuck.push({ shardId: c.shardId, primary: c.primary, node: c.nodeId, reason: healthy.length > 0 && healthy.every((n) => holds.has(n.name)) ? 'TooFewNodes' : 'NoRoom' });
      continue;
    }
    const inZone = (zone: string) => shard.filter((x) => x !== c && zoneOf(x.nodeId) === zone).length;
    // A node that may still hold an orphan of the shard is waited for (its sweep), not called stuck.
    const open = free.filter((n) => (ins.get(n.name) ?? 0) < nodeConcurrent && !options.mayHoldCopy?.(c.shardId, n.name));
    if (total >= clusterConcurrent || (outs.get(c.nodeId) ?? 0) >= nodeConcurrent || open.length === 0) {
      throttled++;
      continue;
    }
    const best = [...open].sort((a, b) => inZone(zoneOf(a.name)) - inZone(zoneOf(b.name)) || (load.get(a.name) ?? 0) - (load.get(b.name) ?? 0) || byName(a.name, b.name))[0];
    startMove(c, best.name);
  }

  // 3. Rebalance, once nothing drains: a copy moves from a node whose load (less what is leaving it)
  //    is two or more above the target's, so every move narrows the gap and the loads end within one
  //    of even (a node with two more copies than another always holds a shard the other does not).
  //    Only shards whose every copy is STARTED move (like allow_rebalance: indices_all_active), one
  //    move per shard, replicas before primaries, never into a zone that already holds more copies
  //    of the shard than the one it leaves.
  const draining = [...nodeByName.values()].some((n) => n.state === 'DRAINING');
  if (options.rebalance && !draining && plan.unassigned.length === 0) {
    const effective = (node: string) => (load.get(node) ?? 0) - (outs.get(node) ?? 0);
    const movable = kept
      .filter((c) => c.state === 'STARTED' && !c.relocatingTo && !c.relocatingFrom && nodeByName.get(c.nodeId)?.state === 'HEALTHY')
      .sort((a, b) => effective(b.nodeId) - effective(a.nodeId) || Number(a.primary) - Number(b.primary) || a.shardId - b.shardId || byName(a.nodeId, b.nodeId));
    for (const c of movable) {
      const shard = kept.filter((x) => x.shardId === c.shardId);
      if (shard.some((x) => x.state !== 'STARTED' || x.relocatingTo || x.relocatingFrom) || settling.has(c.shardId)) continue;
      if (!c.primary && !shard.some((x) => x.primary)) continue; // nothing to recover from
      const holds = new Set(shard.map((x) => x.nodeId));
      const inZone = (zone: string) => shard.filter((x) => x !== c && zoneOf(x.nodeId) === zone).length;
      const from = effective(c.nodeId);
      const fits = healthy.filter(
        (n) =>
          !holds.has(n.name) && (load.get(n.name) ?? 0) < n.maxShards && from - effective(n.name) >= 2 && inZone(zoneOf(n.name)) <= inZone(zoneOf(c.nodeId)) &&
          !options.mayHoldCopy?.(c.shardId, n.name),
      );
      if (fits.length === 0) continue;
      const open = fits.filter((n) => (ins.get(n.name) ?? 0) < nodeConcurrent);
      if (total >= clusterConcurrent || (outs.get(c.nodeId) ?? 0) >= nodeConcurrent || open.length === 0) {
        throttled++;
        continue;
      }
      const best = [...open].sort((a, b) => effective(a.name) - effective(b.name) || inZone(zoneOf(a.name)) - inZone(zoneOf(b.name)) || byName(a.name, b.name))[0];
      startMove(c, best.name);
    }
  }
  return { ...plan, allocations: sortAllocations(kept), actions, stuck, throttled, inFlight: ownInFlight };
}

/** Pure: the copies of `allocations` that count towards spec.replicas (one per relocation pair). */
export function countedCopies(allocations: readonly ShardAllocationStatus[]): ShardAllocationStatus[] {
  return allocations.filter((a) => !isRelocationExtra(a, allocations.filter((b) => b.shardId === a.shardId)));
}
