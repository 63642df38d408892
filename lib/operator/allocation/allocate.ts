import type { ShardAllocationStatus } from '../../api/v1';
import { PlanValidationError } from './types';
import type {
  AllocationAction,
  AllocationPlan,
  CandidateNode,
  DeleteReason,
  IndexShape,
  PlanOptions,
  UnassignedCopy,
  UnassignedReason,
} from './types';

/** A copy kept (or promoted) from the current allocation. */
interface Copy {
  readonly shardId: number;
  nodeId: string;
  primary: boolean;
  readonly state: ShardAllocationStatus['state'];
  readonly unassignedReason?: ShardAllocationStatus['unassignedReason'];
  readonly unassignedSince?: string;
  readonly message?: string;
  readonly relocatingTo?: string;
  readonly relocatingFrom?: string;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A copy whose node holds (or held) its data: the copies a lost primary may only be recovered from. */
const holdsData = (c: Pick<Copy, 'state'>): boolean => c.state === 'STARTED' || c.state === 'RELOCATING';

/**
 * The copy of a relocation pair that does not count towards spec.replicas: the target while it
 * recovers (a replica), the source once the target has taken over as primary. A half of a pair
 * whose other half is gone is an ordinary copy.
 */
export function isRelocationExtra(c: Pick<Copy, 'nodeId' | 'primary' | 'relocatingTo' | 'relocatingFrom'>, shard: readonly Pick<Copy, 'nodeId' | 'primary' | 'relocatingTo' | 'relocatingFrom'>[]): boolean {
  if (c.primary) return false;
  if (c.relocatingFrom) return shard.some((s) => s.nodeId === c.relocatingFrom && s.relocatingTo === c.nodeId);
  if (c.relocatingTo) return shard.some((t) => t.nodeId === c.relocatingTo && t.relocatingFrom === c.nodeId && t.primary);
  return false;
}

/**
 * Plans where every copy of one index lives (pure and deterministic: same input, same output,
 * whatever the order of `current` and `nodes`; ties are broken by node name).
 *
 * Rules, in order of precedence:
 * 1. A copy on an UNHEALTHY or unknown node that never started is dropped. One that had started is
 *    kept as UNASSIGNED (NodeLeft) where its data is: a primary until a replica takes over (or data
 *    loss is accepted), a replica for `nodeLeftDelayMs` so a node back within it keeps its copy. A
 *    node that is available again is asked to confirm its UNASSIGNED copies (`adopt`, never a create).
 *    A replica its node lost (CopyMissing, CopyFailed) is dropped and replaced; every other existing
 *    copy is kept where it is (healthy copies are never moved just to rebalance). While a shard has
 *    no serving copy at all (PrimaryLost), no record of it is dropped: every node that held one of its
 *    copies is remembered, so whichever returns with its data is re-adopted.
 * 2. A shard whose primary is gone or UNASSIGNED gets a surviving replica promoted at once (STARTED
 *    first, then a HEALTHY node) before any new copy is planned; within the delay the old primary
 *    stays as an UNASSIGNED replica, so its node returning in time serves it again. When the primary held data, only a
 *    STARTED replica qualifies; with none the shard is PrimaryLost: nothing is placed for it, it waits
 *    for a node holding it, unless `acceptDataLoss` names it (then an EMPTY primary is placed).
 * 3. Surplus replicas (replicas went down) are removed, UNASSIGNED ones first, then from the most
 *    loaded nodes; never a primary.
 * 4. Missing copies are placed primaries first (all shards), then replica round by round, each on
 *    a HEALTHY node below maxShards that holds no copy of that shard, preferring the zone with the
 *    fewest copies of the shard, then the least loaded node (total load over all indices).
 *    When only nodes that already hold the shard are lighter (or no node fits), a lighter node
 *    takes over another copy created in this same plan and this copy goes where that one was:
 *    new copies may be rearranged, existing ones never. Copies that still fit nowhere are
 *    reported in `unassigned` with a reason. No replica is placed while its shard has no serving
 *    primary to recover from.
 *
 * @throws PlanValidationError naming the field when the index shape or the node list is invalid.
 */
export function planAllocation(
  index: IndexShape,
  current: readonly ShardAllocationStatus[],
  nodes: readonly CandidateNode[],
  options: PlanOptions = {},
): AllocationPlan {
  validate(index, nodes);
  const now = options.now ?? 0;
  const delayMs = options.nodeLeftDelayMs ?? 0;
  const accepted = (shardId: number) => options.acceptDataLoss === 'all' || (options.acceptDataLoss?.has(shardId) ?? false);
  const nodeByName = new Map([...nodes].sort((a, b) => byName(a.name, b.name)).map((n) => [n.name, n]));
  const available = (node: string) => nodeByName.has(node) && nodeByName.get(node)?.state !== 'UNHEALTHY';
  const load = new Map([...nodeByName.values()].map((n) => [n.name, n.load]));
  const bump = (node: string, delta: number) => load.set(node, (load.get(node) ?? 0) + delta);
  const promotes: AllocationAction[] = [];
  const adopts: AllocationAction[] = [];
  const creates: AllocationAction[] = [];
  const deletes: AllocationAction[] = [];
  const lost: AllocationPlan['lost'] = [];
  const unassigned: UnassignedCopy[] = [];
  let recheckAfterMs: number | undefined;
  const copies: Copy[][] = Array.from({ length: index.shards }, () => []);
  const remove = (c: Pick<Copy, 'shardId' | 'primary' | 'nodeId'>, reason: DeleteReason) => {
    bump(c.nodeId, -1);
    deletes.push({ type: 'delete', shardId: c.shardId, primary: c.primary, node: c.nodeId, reason });
  };
  /** UNASSIGNED replica records step 1 would drop: dropped after step 2 unless their shard turns out PrimaryLost. */
  const droppable: { copy: Copy; reason: DeleteReason }[] = [];

  // 1. Keep what survives; sorted so the STARTED primary wins over duplicates.
  for (const a of sortAllocations(current)) {
    if (!Number.isInteger(a.shardId) || a.shardId < 0 || a.shardId >= index.shards) {
      remove(a, 'ShardOutOfRange');
      continue;
    }
    let copy: Copy = { shardId: a.shardId, nodeId: a.nodeId, primary: a.primary, state: a.state, unassignedReason: a.unassignedReason, unassignedSince: a.unassignedSince, message: a.message, relocatingTo: a.relocatingTo, relocatingFrom: a.relocatingFrom };
    if (!available(a.nodeId)) {
      if (a.state === 'INITIALIZING') {
        remove(a, 'NodeUnavailable'); // it never held data: nothing to wait for
        continue;
      }
      if (a.state !== 'UNASSIGNED') {
        copy = { shardId: a.shardId, nodeId: a.nodeId, primary: a.primary, state: 'UNASSIGNED', unassignedReason: 'NodeLeft', unassignedSince: new Date(now).toISOString() };
        lost.push({ shardId: a.shardId, primary: a.primary, node: a.nodeId });
      }
      if (!copy.primary) {
        const waited = now - (Date.parse(copy.unassignedSince ?? '') || now);
        if (copy.unassignedReason !== 'NodeLeft' || waited >= delayMs) {
          droppable.push({ copy, reason: 'NodeUnavailable' });
          continue;
        }
        recheckAfterMs = Math.min(recheckAfterMs ?? Infinity, delayMs - waited);
      }
    } else if (a.state === 'UNASSIGNED' && a.unassignedReason !== 'NodeLeft' && !a.primary) {
      droppable.push({ copy, reason: 'CopyLost' });
      continue;
    }
    // A primary its node lost stays as the record that the shard's data existed (see step 2).
    const shard = copies[a.shardId];
    const sameNode = shard.find((c) => c.nodeId === a.nodeId);
    if (sameNode && sameNode.primary === a.primary) {
      bump(a.nodeId, -1); // the same copy listed twice: one real copy, nothing to delete
      continue;
    }
    if (sameNode || (a.primary && shard.some((c) => c.primary))) {
      remove(a, 'DuplicateCopy');
      continue;
    }
    if (copy.state === 'UNASSIGNED' && copy.unassignedReason === 'NodeLeft' && available(a.nodeId)) {
      adopts.push({ type: 'adopt', shardId: a.shardId, primary: a.primary, node: a.nodeId });
    }
    shard.push(copy);
  }

  // 2. Promote a surviving replica wherever the primary is gone or does not serve.
  const adopting = new Set(adopts.map((a) => `${a.shardId}/${a.node}`));
  const primaryLost = new Set<number>();
  for (const [shardId, shard] of copies.entries()) {
    const primary = shard.find((c) => c.primary);
    if (primary && primary.state !== 'UNASSIGNED') continue;
    if (primary && adopting.has(`${shardId}/${primary.nodeId}`)) continue; // its node is back: let it confirm first
    // An UNASSIGNED primary held data: only a replica holding data may replace it.
    const eligible = shard.filter((c) => !c.primary && c.state !== 'UNASSIGNED' && (!primary || holdsData(c)));
    if (eligible.length === 0) {
      if (!primary) continue;
      if (!accepted(shardId)) {
        primaryLost.add(shardId); // reported after step 2b, with every node it waits for
        continue;
      }
      shard.splice(shard.indexOf(primary), 1);
      remove(primary, 'DataLossAccepted'); // step 4 places an EMPTY primary, as the annotation asked
      continue;
    }
    const best = [...eligible].sort(
      (a, b) =>
        rank(a.state !== 'STARTED', b.state !== 'STARTED') ||
        rank(nodeByName.get(a.nodeId)?.state !== 'HEALTHY', nodeByName.get(b.nodeId)?.state !== 'HEALTHY') ||
        byName(a.nodeId, b.nodeId),
    )[0];
    if (primary) {
      shard.splice(shard.indexOf(primary), 1);
      const waited = now - (Date.parse(primary.unassignedSince ?? '') || now);
      if (primary.unassignedReason === 'NodeLeft' && !available(primary.nodeId) && waited < delayMs) {
        // Its node may be back within the delay: its copy then serves again as a replica, so nothing
        // is re-created for a short blip (as Elasticsearch re-uses the copy of a returning node).
        shard.push({ ...primary, primary: false });
        recheckAfterMs = Math.min(recheckAfterMs ?? Infinity, delayMs - waited);
      } else {
        remove(primary, available(primary.nodeId) ? 'CopyLost' : 'NodeUnavailable');
      }
    }
    best.primary = true;
    promotes.push({ type: 'promote', shardId: best.shardId, node: best.nodeId });
  }

  // 2b. Records of lost replicas: kept while their shard has nothing serving (the data may come back
  // with any of those nodes), dropped (and replaced in step 4) otherwise.
  for (const { copy, reason } of droppable) {
    const shard = copies[copy.shardId];
    if (primaryLost.has(copy.shardId) && !shard.some((c) => c.nodeId === copy.nodeId)) shard.push(copy);
    else remove(copy, reason);
  }
  for (const shardId of primaryLost) {
    unassigned.push({ shardId, primary: true, reason: 'PrimaryLost', nodes: [...new Set(copies[shardId].filter((c) => c.state === 'UNASSIGNED').map((c) => c.nodeId))].sort(byName) });
  }

  // 3. Remove surplus replicas: UNASSIGNED first, then non-HEALTHY nodes, then the most loaded.
  // Not of a PrimaryLost shard: its records are where the data may return. The extra copy of a
  // relocation in flight is not surplus: the move ends by deleting one of the pair.
  const counted = (shard: Copy[]) => shard.filter((c) => !c.primary && !isRelocationExtra(c, shard));
  for (const [shardId, shard] of copies.entries()) {
    if (primaryLost.has(shardId)) continue;
    let surplus = counted(shard).length - index.replicas;
    while (surplus-- > 0) {
      const victim = counted(shard)
        .sort(
          (a, b) =>
            rank(a.state !== 'UNASSIGNED', b.state !== 'UNASSIGNED') ||
            rank(nodeByName.get(a.nodeId)?.state !== 'HEALTHY', nodeByName.get(b.nodeId)?.state !== 'HEALTHY') ||
            (load.get(b.nodeId) ?? 0) - (load.get(a.nodeId) ?? 0) ||
            byName(a.nodeId, b.nodeId),
        )[0];
      shard.splice(shard.indexOf(victim), 1);
      remove({ ...victim, primary: false }, 'ReplicasReduced');
    }
  }

  // 4. Place what is missing: primaries of all shards first, then replicas round by round.
  const healthy = [...nodeByName.values()].filter((n) => n.state === 'HEALTHY');
  const zoneOf = (node: string) => nodeByName.get(node)?.zone ?? '';
  const inZone = (shardId: number, zone: string) => copies[shardId].filter((c) => zoneOf(c.nodeId) === zone).length;
  const loadOf = (node: string) => load.get(node) ?? 0;
  const created: Copy[] = [];
  const place = (shardId: number, primary: boolean) => {
    const holds = new Set(copies[shardId].map((c) => c.nodeId));
    const eligible = healthy.filter((n) => !holds.has(n.name) && loadOf(n.name) < n.maxShards);
    const best = eligible.sort(
      (a, b) =>
        inZone(shardId, a.zone ?? '') - inZone(shardId, b.zone ?? '') ||
        loadOf(a.name) - loadOf(b.name) ||
        byName(a.name, b.name),
    )[0];
    const copy: Copy = { shardId, nodeId: best?.name ?? '', primary, state: 'INITIALIZING' };
    // With no node free for it, any lighter node with room may take another new copy instead.
    const swap = best
      ? findSwap(copy, loadOf(best.name), inZone(shardId, best.zone ?? ''))
      : findSwap(copy, Infinity, Infinity);
    if (swap) {
      // The lighter node already holds this shard: it takes another new copy instead, and this
      // copy goes where that one was, so loads stay even without moving existing copies.
      bump(swap.to, 1);
      copy.nodeId = swap.other.nodeId;
      swap.other.nodeId = swap.to;
    } else if (best) {
      bump(best.name, 1);
    } else {
      unassigned.push({ shardId, primary, reason: whyUnassigned(healthy, holds) });
      return;
    }
    copies[shardId].push(copy);
    created.push(copy);
  };
  /** A copy created in this plan that a lighter node can take over, freeing its node for `copy`. */
  const findSwap = (copy: Copy, bestLoad: number, bestZoneCount: number): { other: Copy; to: string } | undefined => {
    const holdsThis = new Set(copies[copy.shardId].map((c) => c.nodeId));
    const lighter = healthy.filter((n) => loadOf(n.name) < bestLoad && loadOf(n.name) < n.maxShards);
    for (const m of lighter.sort((a, b) => loadOf(a.name) - loadOf(b.name) || byName(a.name, b.name))) {
      for (const other of created) {
        const x = other.nodeId;
        if (other.shardId === copy.shardId || x === m.name || holdsThis.has(x)) continue;
        if (copies[other.shardId].some((c) => c.nodeId === m.name)) continue;
        if (inZone(copy.shardId, zoneOf(x)) > bestZoneCount) continue;
        const sameZone = zoneOf(x) === zoneOf(m.name);
        if (!sameZone && inZone(other.shardId, zoneOf(m.name)) >= inZone(other.shardId, zoneOf(x))) continue;
        return { other, to: m.name };
      }
    }
    return undefined;
  };
  for (const [shardId, shard] of copies.entries()) {
    if (!shard.some((c) => c.primary)) place(shardId, true);
  }
  // A replica recovers from its primary: none is placed for a shard whose primary does not serve.
  const recoverable = (shard: Copy[]) => !shard.some((c) => c.primary && c.state === 'UNASSIGNED');
  for (let round = 1; round <= index.replicas; round++) {
    for (const [shardId, shard] of copies.entries()) {
      if (recoverable(shard) && counted(shard).length < round) place(shardId, false);
    }
  }
  for (const c of created) creates.push({ type: 'create', shardId: c.shardId, primary: c.primary, node: c.nodeId });

  const allocations = sortAllocations(copies.flat().map(toStatus));
  return {
    allocations,
    actions: [...promotes, ...adopts, ...creates, ...deletes],
    unassigned,
    lost,
    ...(recheckAfterMs === undefined ? {} : { recheckAfterMs: Math.max(1, recheckAfterMs) }),
  };
}

function toStatus(c: Copy): ShardAllocationStatus {
  const out: ShardAllocationStatus = { shardId: c.shardId, nodeId: c.nodeId, primary: c.primary, state: c.state };
  if (c.state !== 'UNASSIGNED') {
    if (c.relocatingTo) out.relocatingTo = c.relocatingTo;
    if (c.relocatingFrom) out.relocatingFrom = c.relocatingFrom;
    return out;
  }
  if (c.unassignedReason) out.unassignedReason = c.unassignedReason;
  if (c.unassignedSince) out.unassignedSince = c.unassignedSince;
  if (c.message) out.message = c.message;
  return out;
}

/** Sorts by shardId, primary first, STARTED first, then node name (a new array). */
export function sortAllocations(list: readonly ShardAllocationStatus[]): ShardAllocationStatus[] {
  return [...list].sort(
    (a, b) =>
      a.shardId - b.shardId ||
      rank(!a.primary, !b.primary) ||
      rank(a.state !== 'STARTED', b.state !== 'STARTED') ||
      byName(a.nodeId, b.nodeId) ||
      byName(a.state, b.state),
  );
}

/** false sorts before true. */
function rank(a: boolean, b: boolean): number {
  return Number(a) - Number(b);
}

function whyUnassigned(healthy: readonly CandidateNode[], holds: ReadonlySet<string>): UnassignedReason {
  if (healthy.length === 0) return 'NoHealthyNodes';
  return healthy.every((n) => holds.has(n.name)) ? 'TooFewNodes' : 'InsufficientCapacity';
}

function validate(index: IndexShape, nodes: readonly CandidateNode[]): void {
  const problems: string[] = [];
  if (!Number.isInteger(index.shards) || index.shards < 1) {
    problems.push(`spec.shards must be an integer >= 1, got ${index.shards}`);
  }
  if (!Number.isInteger(index.replicas) || index.replicas < 0) {
    problems.push(`spec.replicas must be an integer >= 0, got ${index.replicas}`);
  }
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.name)) problems.push(`node ${n.name} is listed twice`);
    seen.add(n.name);
    if (!Number.isFinite(n.maxShards) || n.maxShards < 0) {
      problems.push(`node ${n.name} has maxShards ${n.maxShards}; it must be a number >= 0`);
    }
  }
  if (problems.length > 0) {
    throw new PlanValidationError(
      `Unable to plan allocation for QuidditchIndex ${index.namespace}/${index.name}: ${problems.join('; ')}. ` +
        'Fix the index spec or the node list passed to planAllocation.',
      problems,
    );
  }
}
