import fc from 'fast-check';
import type { ShardAllocationStatus } from '../../../../lib/api/v1';
import { planAllocation, planRelocations } from '../../../../lib/operator/allocation';
import type { AllocationPlan, CandidateNode, IndexShape, RelocationPlan } from '../../../../lib/operator/allocation';
import { RUNS } from './arbitraries';

// Disk-aware rebalancing (allocation/rebalance.ts): copy counts decide which moves are allowed and
// when to stop; the sizes the nodes report only choose among the allowed moves.

const started = (shardId: number, nodeId: string, primary: boolean): ShardAllocationStatus => ({ shardId, nodeId, primary, state: 'STARTED' });
const base = (allocations: ShardAllocationStatus[]): AllocationPlan => ({ actions: [], allocations, unassigned: [], lost: [] });
const relocations = (plan: RelocationPlan) => plan.actions.flatMap((a) => (a.type === 'relocate' ? [`${a.shardId}:${a.from}->${a.node}`] : []));

describe('rebalance with reported sizes (examples)', () => {
  // a and b hold 4 copies each, a's large and b's small; c joined empty. One move at a time.
  const sizes: Record<string, number> = { '0@a': 10, '1@a': 100, '2@a': 400, '3@a': 50, '4@b': 10, '5@b': 10, '6@b': 10, '7@b': 10 };
  const allocations = Object.keys(sizes).map((k) => started(Number(k.split('@')[0]), k.split('@')[1], true));
  const bytes = (n: string) => Object.entries(sizes).filter(([k]) => k.endsWith(`@${n}`)).reduce((s, [, v]) => s + v, 0);
  const nodes: CandidateNode[] = ['a', 'b', 'c'].map((name) => ({ name, state: 'HEALTHY', maxShards: 100, load: 4 * Number(name !== 'c'), bytes: bytes(name) }));
  const copyBytes = (shardId: number, node: string) => sizes[`${shardId}@${node}`];

  it('moves off the fuller disk first, the copy that brings source and target closest (about half their difference)', () => {
    const p = planRelocations(base(allocations), nodes, { rebalance: true, clusterConcurrent: 1, copyBytes });
    // a: 560 bytes, c: 0 → the 400-byte copy leaves a (|560 − 800| = 240 beats |560 − 200| = 360 for the 100-byte one).
    expect(relocations(p)).toEqual(['2:a->c']);
    // Blind to sizes, the tie between a and b goes by name, and the copy by shard.
    expect(relocations(planRelocations(base(allocations), nodes.map(({ bytes: _b, ...n }) => n), { rebalance: true, clusterConcurrent: 1 }))).toEqual(['0:a->c']);
    const flipped = nodes.map((n) => ({ ...n, bytes: n.name === 'a' ? 40 : n.name === 'b' ? 560 : 0 }));
    const bigOnB = (shardId: number, node: string) => (node === 'b' ? [0, 0, 0, 0, 400, 100, 50, 10][shardId] : 10);
    expect(relocations(planRelocations(base(allocations), flipped, { rebalance: true, clusterConcurrent: 1, copyBytes: bigOnB }))).toEqual(['4:b->c']);
  });

  it('sends a copy to the emptier disk among equally loaded targets', () => {
    const two = [started(0, 'a', true), started(1, 'a', true), started(2, 'a', true), started(3, 'a', true)];
    const targets: CandidateNode[] = [
      { name: 'a', state: 'HEALTHY', maxShards: 100, load: 4, bytes: 40 },
      { name: 'b', state: 'HEALTHY', maxShards: 100, load: 1, bytes: 900 },
      { name: 'c', state: 'HEALTHY', maxShards: 100, load: 1, bytes: 5 },
    ];
    expect(relocations(planRelocations(base(two), targets, { rebalance: true, clusterConcurrent: 1, copyBytes: () => 10 }))).toEqual(['0:a->c']);
  });

  it('never moves a copy for bytes alone: counts within one of even stay put, however uneven the disks', () => {
    const even = [started(0, 'a', true), started(1, 'a', true), started(2, 'b', true)];
    const lopsided: CandidateNode[] = [
      { name: 'a', state: 'HEALTHY', maxShards: 100, load: 2, bytes: 10_000_000 },
      { name: 'b', state: 'HEALTHY', maxShards: 100, load: 1, bytes: 0 },
    ];
    expect(planRelocations(base(even), lopsided, { rebalance: true, copyBytes: () => 5_000_000 }).actions).toEqual([]);
  });
});

/** A green index on some nodes, empty nodes that joined, and the size of each shard's copies. */
interface Growth {
  index: IndexShape;
  before: number;
  joined: number;
  sizes: number[];
  nodeConcurrent: number;
  clusterConcurrent: number;
}

const arbGrowth: fc.Arbitrary<Growth> = fc.record({
  index: fc.record({ namespace: fc.constant('ns'), name: fc.constant('logs'), shards: fc.integer({ min: 1, max: 12 }), replicas: fc.integer({ min: 0, max: 2 }) }),
  before: fc.integer({ min: 1, max: 4 }),
  joined: fc.integer({ min: 1, max: 4 }),
  sizes: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 12, maxLength: 12 }),
  nodeConcurrent: fc.integer({ min: 1, max: 3 }),
  clusterConcurrent: fc.integer({ min: 1, max: 6 }),
}).filter((g) => g.before >= g.index.replicas + 1);

/** The nodes as the operator sees them: copies, and the bytes their copies take (a target reports its size once created). */
function nodesOf(g: Growth, allocations: readonly ShardAllocationStatus[], count: number): CandidateNode[] {
  return Array.from({ length: count }, (_, i) => {
    const mine = allocations.filter((a) => a.nodeId === `n${i}`);
    return { name: `n${i}`, state: 'HEALTHY', maxShards: 1000, load: mine.length, bytes: mine.reduce((s, a) => s + g.sizes[a.shardId], 0) };
  });
}

/** Effective copies per node (held less leaving), as the plan's gate counts them. */
function effective(allocations: readonly ShardAllocationStatus[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of allocations) m.set(a.nodeId, (m.get(a.nodeId) ?? 0) + (a.relocatingTo ? 0 : 1));
  return m;
}

function rebalance(g: Growth, each: (plan: RelocationPlan, before: readonly ShardAllocationStatus[]) => void): { final: ShardAllocationStatus[]; plan: RelocationPlan; rounds: number } {
  const all = g.before + g.joined;
  let current: ShardAllocationStatus[] = planAllocation(g.index, [], nodesOf(g, [], g.before)).allocations.map((a) => ({ ...a, state: 'STARTED' }));
  const primaries = new Set<string>();
  let plan: RelocationPlan | undefined;
  let rounds = 0;
  for (; rounds < 200; rounds++) {
    const nodes = nodesOf(g, current, all);
    plan = planRelocations(planAllocation(g.index, current, nodes), nodes, {
      nodeConcurrent: g.nodeConcurrent, clusterConcurrent: g.clusterConcurrent, rebalance: true,
      reportsPrimary: (shardId, node) => primaries.has(`${shardId}@${node}`),
      copyBytes: (shardId) => g.sizes[shardId],
    });
    each(plan, current);
    for (const a of plan.actions) if (a.type === 'handover') primaries.add(`${a.shardId}@${a.node}`);
    current = plan.allocations.map((a) => (a.state === 'INITIALIZING' ? { ...a, state: 'STARTED' } : a));
    if (plan.actions.length === 0) break;
  }
  return { final: current, plan: plan as RelocationPlan, rounds };
}

const serving = (a: ShardAllocationStatus) => a.state === 'STARTED' || a.state === 'RELOCATING';

describe('rebalance with reported sizes (properties of clusters that grew)', () => {
  it('still ends within one copy of even, in a bounded number of rounds, green and whole, never below the replica count', () => {
    fc.assert(
      fc.property(arbGrowth, (g) => {
        const { final, plan, rounds } = rebalance(g, (p) => {
          const keys = p.allocations.map((a) => `${a.shardId}@${a.nodeId}`);
          expect(new Set(keys).size).toBe(keys.length);
          for (let shard = 0; shard < g.index.shards; shard++) {
            const copies = p.allocations.filter((a) => a.shardId === shard);
            expect(copies.filter(serving).length).toBeGreaterThanOrEqual(g.index.replicas + 1);
            expect(copies.filter((a) => a.primary && serving(a))).toHaveLength(1);
          }
        });
        expect(plan.actions).toEqual([]);
        expect(rounds).toBeLessThan(200);
        const loads = [...effective(final).values()].concat(Array.from({ length: g.before + g.joined - effective(final).size }, () => 0));
        expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
        expect(final).toHaveLength(g.index.shards * (g.index.replicas + 1));
        expect(final.every((a) => a.state === 'STARTED' && !a.relocatingFrom && !a.relocatingTo)).toBe(true);
      }),
      RUNS,
    );
  });

  it('starts only moves copy counts call for: each from a node two or more copies above its target, whatever the sizes', () => {
    fc.assert(
      fc.property(arbGrowth, (g) => {
        rebalance(g, (plan, before) => {
          const eff = effective(before);
          for (const a of plan.actions) {
            if (a.type !== 'relocate') continue;
            expect((eff.get(a.from) ?? 0) - (eff.get(a.node) ?? 0)).toBeGreaterThanOrEqual(2);
            eff.set(a.from, (eff.get(a.from) ?? 0) - 1);
            eff.set(a.node, (eff.get(a.node) ?? 0) + 1);
          }
        });
      }),
      RUNS,
    );
  });

  it('leaves a cluster whose counts are even alone, whatever bytes its nodes report', () => {
    fc.assert(
      fc.property(arbGrowth, fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 8, maxLength: 8 }), (g, disk) => {
        const { final } = rebalance(g, () => undefined);
        const nodes = nodesOf(g, final, g.before + g.joined).map((n, i) => ({ ...n, bytes: disk[i] }));
        expect(planRelocations(planAllocation(g.index, final, nodes), nodes, { rebalance: true, copyBytes: (s) => g.sizes[s] * 1000 }).actions).toEqual([]);
      }),
      RUNS,
    );
  });
});
