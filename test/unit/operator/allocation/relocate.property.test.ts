import fc from 'fast-check';
import type { ShardAllocationStatus } from '../../../../lib/api/v1';
import { planAllocation, planRelocations } from '../../../../lib/operator/allocation';
import type { CandidateNode, IndexShape, RelocationPlan } from '../../../../lib/operator/allocation';
import { RUNS } from './arbitraries';

/** A cluster with a green index on it, and some of its nodes to drain. */
interface Scenario {
  index: IndexShape;
  nodes: { name: string; maxShards: number; zone: string; drain: boolean }[];
  nodeConcurrent: number;
  clusterConcurrent: number;
}

const arbScenario: fc.Arbitrary<Scenario> = fc
  .record({
    count: fc.integer({ min: 2, max: 7 }),
    index: fc.record({ namespace: fc.constant('ns'), name: fc.constant('logs'), shards: fc.integer({ min: 1, max: 8 }), replicas: fc.integer({ min: 0, max: 2 }) }),
    nodeConcurrent: fc.integer({ min: 1, max: 3 }),
    clusterConcurrent: fc.integer({ min: 1, max: 6 }),
  })
  .chain(({ count, index, nodeConcurrent, clusterConcurrent }) =>
    fc.record({
      index: fc.constant(index),
      nodeConcurrent: fc.constant(nodeConcurrent),
      clusterConcurrent: fc.constant(clusterConcurrent),
      nodes: fc
        .tuple(...Array.from({ length: count }, (_, i) => fc.record({ name: fc.constant(`n${i}`), maxShards: fc.integer({ min: 4, max: 30 }), zone: fc.constantFrom('a', 'b', 'c'), drain: fc.boolean() })))
        .filter((ns) => ns.some((n) => !n.drain) && ns.some((n) => n.drain)),
    }),
  );

const cands = (s: Scenario, allocations: readonly ShardAllocationStatus[], draining: boolean): CandidateNode[] =>
  s.nodes.map((n) => ({ name: n.name, state: (draining && n.drain ? 'DRAINING' : 'HEALTHY'), maxShards: n.maxShards, zone: n.zone, load: allocations.filter((a) => a.nodeId === n.name).length }));

/** Green allocation of the index with every node healthy. */
function green(s: Scenario): ShardAllocationStatus[] {
  const plan = planAllocation(s.index, [], cands(s, [], false));
  return plan.allocations.map((a) => ({ ...a, state: 'STARTED' }));
}

/** The nodes' side: a created copy starts, a handed-over copy becomes primary, by the next round. */
function carryOut(plan: RelocationPlan, primaries: Set<string>): ShardAllocationStatus[] {
  for (const a of plan.actions) if (a.type === 'handover') primaries.add(`${a.shardId}@${a.node}`);
  return plan.allocations.map((a) => (a.state === 'INITIALIZING' ? { ...a, state: 'STARTED' } : a));
}

function drain(s: Scenario, rounds: number, each: (plan: RelocationPlan, before: readonly ShardAllocationStatus[]) => void): { final: ShardAllocationStatus[]; plan: RelocationPlan } {
  let current = green(s);
  const primaries = new Set<string>();
  let plan: RelocationPlan | undefined;
  for (let round = 0; round < rounds; round++) {
    const nodes = cands(s, current, true);
    plan = planRelocations(planAllocation(s.index, current, nodes), nodes, {
      nodeConcurrent: s.nodeConcurrent,
      clusterConcurrent: s.clusterConcurrent,
      reportsPrimary: (shardId, node) => primaries.has(`${shardId}@${node}`),
    });
    each(plan, current);
    current = carryOut(plan, primaries);
    if (plan.actions.length === 0) break;
  }
  return { final: current, plan: plan as RelocationPlan };
}

const serving = (a: ShardAllocationStatus) => a.state === 'STARTED' || a.state === 'RELOCATING';
/** Copies needed per shard, and an upper bound of rounds: 3 per move (start, hand over, finish), moves in batches of the throttle. */
const bound = (s: Scenario) => 3 * s.index.shards * (s.index.replicas + 1) + 5;

describe('planRelocations (properties of draining random clusters)', () => {
  it('never places two copies of a shard on one node, at any step', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        drain(s, bound(s), (plan) => {
          const keys = plan.allocations.map((a) => `${a.shardId}@${a.nodeId}`);
          expect(new Set(keys).size).toBe(keys.length);
        });
      }),
      RUNS,
    );
  });

  it('never has fewer serving copies of a shard than before the drain, and always one serving primary', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const start = green(s);
        drain(s, bound(s), (plan) => {
          for (let shard = 0; shard < s.index.shards; shard++) {
            const copies = plan.allocations.filter((a) => a.shardId === shard);
            expect(copies.filter(serving).length).toBeGreaterThanOrEqual(start.filter((a) => a.shardId === shard).length);
            expect(copies.filter((a) => a.primary && serving(a))).toHaveLength(1);
          }
        });
      }),
      RUNS,
    );
  });

  it('never deletes a copy before its replacement has started', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        drain(s, bound(s), (plan, before) => {
          for (const d of plan.actions.filter((a) => a.type === 'delete')) {
            expect(d.type === 'delete' && d.reason).toBe('Relocated');
            const target = before.find((a) => a.shardId === d.shardId && a.relocatingFrom === d.node);
            expect(target?.state).toBe('STARTED');
          }
        });
      }),
      RUNS,
    );
  });

  it('keeps relocations within the per-node and per-cluster throttles', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        drain(s, bound(s), (plan) => {
          const targets = plan.allocations.filter((a) => a.relocatingFrom);
          expect(targets.length).toBeLessThanOrEqual(s.clusterConcurrent);
          for (const n of s.nodes) {
            expect(targets.filter((t) => t.nodeId === n.name).length).toBeLessThanOrEqual(s.nodeConcurrent);
            expect(targets.filter((t) => t.relocatingFrom === n.name).length).toBeLessThanOrEqual(s.nodeConcurrent);
          }
        });
      }),
      RUNS,
    );
  });

  it('converges in a bounded number of steps: the draining nodes end empty unless a copy is reported stuck', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const { final, plan } = drain(s, bound(s), () => undefined);
        expect(plan.actions).toEqual([]);
        const draining = new Set(s.nodes.filter((n) => n.drain).map((n) => n.name));
        const left = final.filter((a) => draining.has(a.nodeId));
        expect(left.map((a) => `${a.shardId}@${a.nodeId}`).sort()).toEqual(plan.stuck.map((c) => `${c.shardId}@${c.node}`).sort());
        expect(final.every((a) => a.state === 'STARTED' && !a.relocatingFrom && !a.relocatingTo)).toBe(true);
        expect(final).toHaveLength(green(s).length);
      }),
      RUNS,
    );
  });
});
