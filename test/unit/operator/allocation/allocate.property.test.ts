import fc from 'fast-check';
import { planAllocation } from '../../../../lib/operator/allocation';
import type { ShardAllocationStatus } from '../../../../lib/api/v1';
import { arbAllocations, arbIndex, arbNodes, candidates, finalLoad, NodeSpec, RUNS, started } from './arbitraries';

/** Any cluster, any index, any (possibly corrupt) current status. */
const arbScenario = arbNodes().chain((nodes) =>
  fc.record({ nodes: fc.constant(nodes), index: arbIndex(), current: arbAllocations(nodes) }),
);

const plan = (s: { nodes: NodeSpec[]; index: Parameters<typeof planAllocation>[0]; current: ShardAllocationStatus[] }) =>
  planAllocation(s.index, s.current, candidates(s.nodes, s.current));

describe('planAllocation (properties over random clusters)', () => {
  it('never places two copies of a shard on one node', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const keys = plan(s).allocations.map((a) => `${a.shardId}@${a.nodeId}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      RUNS,
    );
  });

  it('gives a shard exactly one primary whenever it has any copy', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const { allocations } = plan(s);
        for (let shard = 0; shard < s.index.shards; shard++) {
          const copies = allocations.filter((a) => a.shardId === shard);
          if (copies.length > 0) expect(copies.filter((a) => a.primary)).toHaveLength(1);
        }
        expect(allocations.every((a) => a.shardId >= 0 && a.shardId < s.index.shards)).toBe(true);
      }),
      RUNS,
    );
  });

  it('places new copies only on HEALTHY nodes, and keeps on UNHEALTHY or unknown nodes only UNASSIGNED copies that held data: primaries, and replicas of a shard with nothing serving', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = plan(s);
        const state = new Map(s.nodes.map((n) => [n.name, n.state]));
        const primaryLost = new Set(result.unassigned.filter((u) => u.reason === 'PrimaryLost').map((u) => u.shardId));
        for (const action of result.actions) {
          if (action.type === 'create') expect(state.get(action.node)).toBe('HEALTHY');
        }
        for (const a of result.allocations) {
          if (state.has(a.nodeId) && state.get(a.nodeId) !== 'UNHEALTHY') continue;
          // With no node-left delay, a replica of a departed node is replaced at once, unless its
          // shard has nothing serving: then every location of its data is remembered.
          expect(a.state).toBe('UNASSIGNED');
          if (!a.primary) expect(primaryLost.has(a.shardId)).toBe(true);
          expect(s.current.some((c) => c.shardId === a.shardId && c.nodeId === a.nodeId && c.state !== 'INITIALIZING')).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('respects maxShards', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = plan(s);
        const receiving = new Set(result.actions.filter((a) => a.type === 'create').map((a) => a.node));
        for (const node of s.nodes.filter((n) => receiving.has(n.name))) {
          expect(finalLoad(node, result)).toBeLessThanOrEqual(node.maxShards);
        }
      }),
      RUNS,
    );
  });

  it('allocates every copy when there are enough nodes and capacity', () => {
    const arb = arbIndex().chain((index) =>
      fc.record({
        index: fc.constant(index),
        nodes: arbNodes({ min: index.replicas + 1, state: fc.constant('HEALTHY'), maxShards: fc.constant(10_000) }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ index, nodes }) => {
        const result = planAllocation(index, [], candidates(nodes, []));
        expect(result.unassigned).toEqual([]);
        for (let shard = 0; shard < index.shards; shard++) {
          const copies = result.allocations.filter((a) => a.shardId === shard);
          expect(copies.filter((a) => a.primary)).toHaveLength(1);
          expect(copies.filter((a) => !a.primary)).toHaveLength(index.replicas);
        }
      }),
      RUNS,
    );
  });

  it('places as many copies as possible, primaries first, and says why the rest are unassigned', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = plan(s);
        const healthy = s.nodes.filter((n) => n.state === 'HEALTHY');
        const lostShards = new Set(result.unassigned.filter((u) => u.reason === 'PrimaryLost').map((u) => u.shardId));
        for (const u of result.unassigned) {
          if (u.reason === 'PrimaryLost') continue;
          const holders = new Set(result.allocations.filter((a) => a.shardId === u.shardId).map((a) => a.nodeId));
          for (const n of healthy) {
            expect(holders.has(n.name) || finalLoad(n, result) >= n.maxShards).toBe(true);
          }
          if (healthy.length === 0) expect(u.reason).toBe('NoHealthyNodes');
          else if (healthy.every((n) => holders.has(n.name))) expect(u.reason).toBe('TooFewNodes');
          else expect(u.reason).toBe('InsufficientCapacity');
        }
        if (result.unassigned.some((u) => u.primary && u.reason !== 'PrimaryLost')) {
          expect(result.actions.filter((a) => a.type === 'create' && !a.primary)).toEqual([]);
        }
        // Every wanted copy is placed or reported, except the replicas of a shard whose data is lost
        // (they would recover from nothing; the primary's PrimaryLost says it all).
        const wanted = (s.index.shards - lostShards.size) * (s.index.replicas + 1);
        const counted = result.allocations.filter((a) => !lostShards.has(a.shardId)).length + result.unassigned.filter((u) => !lostShards.has(u.shardId)).length;
        expect(counted).toBe(wanted);
      }),
      RUNS,
    );
  });

  it('keeps node loads within one when capacity allows', () => {
    const arb = fc.record({
      nodes: arbNodes({ min: 4, state: fc.constant('HEALTHY'), maxShards: fc.constant(10_000), other: fc.constant(0), zones: fc.constant(undefined) }),
      indices: fc.array(arbIndex({ replicas: 3 }), { minLength: 1, maxLength: 6 }),
    });
    fc.assert(
      fc.property(arb, ({ nodes, indices }) => {
        // Create the indices one after another; each sees the load the earlier ones left.
        const cluster = nodes.map((n) => ({ ...n }));
        for (const index of indices) {
          const result = planAllocation(index, [], candidates(cluster, []));
          for (const n of cluster) n.other = finalLoad(n, result);
          const loads = cluster.map((n) => n.other);
          expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
        }
      }),
      RUNS,
    );
  });

  it('places every copy evenly when maxShards leaves exactly enough room', () => {
    const arb = arbIndex({ replicas: 3 }).chain((index) =>
      arbNodes({ min: index.replicas + 1, state: fc.constant('HEALTHY'), other: fc.constant(0), zones: fc.constant(undefined) }).map((nodes) => {
        const room = Math.ceil((index.shards * (index.replicas + 1)) / nodes.length);
        return { index, nodes: nodes.map((n) => ({ ...n, maxShards: room })) };
      }),
    );
    fc.assert(
      fc.property(arb, ({ index, nodes }) => {
        const result = planAllocation(index, [], candidates(nodes, []));
        expect(result.unassigned).toEqual([]);
        const loads = nodes.map((n) => finalLoad(n, result));
        expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
  });

  it('spreads copies of a shard across zones', () => {
    const arb = arbIndex().chain((index) =>
      fc.record({
        index: fc.constant(index),
        nodes: arbNodes({
          min: index.replicas + 1,
          state: fc.constant('HEALTHY'),
          maxShards: fc.constant(10_000),
          zones: fc.constantFrom('zone-a', 'zone-b', 'zone-c'),
        }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ index, nodes }) => {
        const result = planAllocation(index, [], candidates(nodes, []));
        const zoneOf = new Map(nodes.map((n) => [n.name, n.zone]));
        const zones = new Set(nodes.map((n) => n.zone)).size;
        for (let shard = 0; shard < index.shards; shard++) {
          const copies = result.allocations.filter((a) => a.shardId === shard);
          const used = new Set(copies.map((a) => zoneOf.get(a.nodeId))).size;
          expect(used).toBe(Math.min(copies.length, zones));
        }
      }),
      RUNS,
    );
  });

  it('is deterministic whatever the order of its inputs', () => {
    const arb = arbScenario.chain((s) =>
      fc.record({ s: fc.constant(s), nodeOrder: fc.shuffledSubarray(s.nodes, { minLength: s.nodes.length }), currentOrder: fc.shuffledSubarray(s.current, { minLength: s.current.length }) }),
    );
    fc.assert(
      fc.property(arb, ({ s, nodeOrder, currentOrder }) => {
        const again = planAllocation(s.index, currentOrder, candidates(nodeOrder, currentOrder));
        expect(again).toEqual(plan(s));
      }),
      RUNS,
    );
  });

  it('changes nothing when planned again on its own result', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const first = plan(s);
        // Copies start, except those of a shard whose primary is lost: they have nothing to recover from.
        const lost = new Set(first.unassigned.filter((u) => u.reason === 'PrimaryLost').map((u) => u.shardId));
        const next = first.allocations.map((a) => (lost.has(a.shardId) ? a : started([a])[0]));
        const second = planAllocation(s.index, next, candidates(s.nodes, first.allocations));
        expect(second.actions).toEqual([]);
        expect(second.unassigned).toEqual(first.unassigned);
      }),
      RUNS,
    );
  });

  it('keeps every live copy unless it is surplus or a duplicate', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = plan(s);
        const state = new Map(s.nodes.map((n) => [n.name, n.state]));
        for (const d of result.actions) {
          if (d.type !== 'delete') continue;
          const live = state.has(d.node) && state.get(d.node) !== 'UNHEALTHY';
          if (d.reason === 'NodeUnavailable') expect(live).toBe(false);
          if (d.reason === 'ReplicasReduced') {
            expect(d.primary).toBe(false);
            // Only surplus goes: the shard keeps exactly `replicas` replicas.
            expect(result.allocations.filter((a) => a.shardId === d.shardId && !a.primary)).toHaveLength(s.index.replicas);
          }
        }
      }),
      RUNS,
    );
  });
});

describe('planAllocation (properties over cluster changes)', () => {
  /** A healthy cluster that fits the index, with the index allocated and STARTED. */
  const arbAllocated = arbIndex({ replicas: 3 }).chain((index) =>
    arbNodes({ min: index.replicas + 1, state: fc.constant('HEALTHY'), maxShards: fc.constant(10_000) }).map((nodes) => {
      const first = planAllocation(index, [], candidates(nodes, []));
      return { index, nodes, allocations: started(first.allocations) };
    }),
  );

  it('keeps healthy copies when a node joins', () => {
    fc.assert(
      fc.property(arbAllocated, fc.option(fc.constantFrom('zone-a', 'zone-b', 'zone-c'), { nil: undefined }), ({ index, nodes, allocations }, zone) => {
        const joined = [...nodes, { name: 'node-new', state: 'HEALTHY' as const, maxShards: 10_000, zone, other: 0 }];
        const result = planAllocation(index, allocations, candidates(joined, allocations));
        expect(result.actions).toEqual([]);
        expect(result.allocations).toEqual(allocations);
      }),
      RUNS,
    );
  });

  it('promotes a replica before allocating a new copy when a primary node fails', () => {
    const arb = arbAllocated
      .filter((s) => s.index.replicas >= 1)
      .chain((s) =>
        fc.record({
          s: fc.constant(s),
          failed: fc.constantFrom(...s.nodes.map((n) => n.name)),
          states: fc.array(fc.constantFrom('INITIALIZING' as const, 'STARTED' as const), { minLength: s.allocations.length, maxLength: s.allocations.length }),
        }),
      );
    fc.assert(
      fc.property(arb, ({ s, failed, states }) => {
        const before = s.allocations.map((a, i) => ({ ...a, state: states[i] }));
        const nodes = s.nodes.map((n) => (n.name === failed ? { ...n, state: 'UNHEALTHY' as const } : n));
        const result = planAllocation(s.index, before, candidates(nodes, before));
        for (const lost of before.filter((a) => a.primary && a.nodeId === failed)) {
          const survivors = before.filter((a) => a.shardId === lost.shardId && !a.primary && a.nodeId !== failed);
          // A primary that held data may only be replaced by a replica that holds it too.
          const eligible = lost.state === 'STARTED' ? survivors.filter((a) => a.state === 'STARTED') : survivors;
          const primary = result.allocations.find((a) => a.shardId === lost.shardId && a.primary);
          expect(result.actions).not.toContainEqual(expect.objectContaining({ type: 'create', shardId: lost.shardId, primary: true }));
          if (eligible.length === 0) {
            expect(primary).toMatchObject({ nodeId: failed, state: 'UNASSIGNED', unassignedReason: 'NodeLeft' });
            expect(result.unassigned).toContainEqual(expect.objectContaining({ shardId: lost.shardId, primary: true, reason: 'PrimaryLost' }));
            continue;
          }
          expect(eligible.map((a) => a.nodeId)).toContain(primary?.nodeId);
          if (eligible.some((a) => a.state === 'STARTED')) expect(primary?.state).toBe('STARTED');
          expect(result.actions).toContainEqual({ type: 'promote', shardId: lost.shardId, node: primary?.nodeId });
        }
        const kinds = result.actions.map((a) => a.type);
        expect(kinds.lastIndexOf('promote')).toBeLessThan(kinds.includes('create') ? kinds.indexOf('create') : Infinity);
        // Copies on surviving nodes stay where they were.
        for (const a of before.filter((c) => c.nodeId !== failed)) {
          expect(result.allocations.some((c) => c.shardId === a.shardId && c.nodeId === a.nodeId)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('removes replicas but never a primary when replicas go down', () => {
    const arb = arbAllocated.chain((s) => fc.record({ s: fc.constant(s), replicas: fc.integer({ min: 0, max: s.index.replicas }) }));
    fc.assert(
      fc.property(arb, ({ s, replicas }) => {
        const result = planAllocation({ ...s.index, replicas }, s.allocations, candidates(s.nodes, s.allocations));
        expect(result.allocations.filter((a) => a.primary)).toEqual(s.allocations.filter((a) => a.primary));
        expect(result.allocations.filter((a) => !a.primary)).toHaveLength(s.index.shards * replicas);
        expect(result.actions.every((a) => a.type === 'delete' && !a.primary && a.reason === 'ReplicasReduced')).toBe(true);
        expect(result.actions).toHaveLength(s.index.shards * (s.index.replicas - replicas));
      }),
      RUNS,
    );
  });
});
