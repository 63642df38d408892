/**
 * Losing a whole zone (every node of it UNHEALTHY at once), as the allocator sees it: with replicas
 * ≥ 1 no shard is ever left without a started primary (never red), the copies come back on the
 * remaining zones, and no shard keeps two copies in one zone while two zones remain.
 */
import fc from 'fast-check';
import type { ShardAllocationStatus } from '../../../../lib/api/v1';
import { planAllocation } from '../../../../lib/operator/allocation';
import { candidates, NodeSpec, RUNS, started } from './arbitraries';

const ZONES = ['zone-a', 'zone-b', 'zone-c'];

/** One to three nodes in each of the three zones, roomy and healthy. */
const arbNodes: fc.Arbitrary<NodeSpec[]> = fc
  .tuple(...ZONES.map(() => fc.integer({ min: 1, max: 3 })))
  .map((counts) => counts.flatMap((n, z) => Array.from({ length: n }, (_, i) => ({ name: `${ZONES[z]}-${i}`, state: 'HEALTHY' as const, maxShards: 10_000, zone: ZONES[z], other: 0 }))));

const arb = fc.record({
  index: fc.record({ namespace: fc.constant('ns'), name: fc.constant('logs'), shards: fc.integer({ min: 1, max: 12 }), replicas: fc.integer({ min: 1, max: 2 }) }),
  nodes: arbNodes,
  lost: fc.constantFrom(...ZONES),
});

function zonesOf(allocations: readonly ShardAllocationStatus[], shard: number, zoneOf: Map<string, string | undefined>): (string | undefined)[] {
  return allocations.filter((a) => a.shardId === shard).map((a) => zoneOf.get(a.nodeId));
}

describe('planAllocation when a whole zone is lost', () => {
  it('keeps a started primary for every shard throughout, and ends with every copy back, one zone per copy while two zones remain', () => {
    fc.assert(
      fc.property(arb, ({ index, nodes, lost }) => {
        const zoneOf = new Map(nodes.map((n) => [n.name, n.zone]));
        let allocations = started(planAllocation(index, [], candidates(nodes, [])).allocations);
        for (let shard = 0; shard < index.shards; shard++) expect(new Set(zonesOf(allocations, shard, zoneOf)).size).toBe(index.replicas + 1 > 3 ? 3 : index.replicas + 1);

        const after = nodes.map((n) => (n.zone === lost ? { ...n, state: 'UNHEALTHY' as const } : n));
        const remaining = after.filter((n) => n.state === 'HEALTHY').length;
        // Re-plan until nothing is left to do, the copies created in each step starting before the next.
        for (let step = 0; step < 10; step++) {
          const plan = planAllocation(index, allocations, candidates(after, allocations), { nodeLeftDelayMs: 0 });
          for (let shard = 0; shard < index.shards; shard++) {
            const primaries = plan.allocations.filter((a) => a.shardId === shard && a.primary);
            expect(primaries).toHaveLength(1);
            expect(primaries[0].state).toBe('STARTED');
            expect(zoneOf.get(primaries[0].nodeId)).not.toBe(lost);
          }
          expect(plan.unassigned.filter((u) => u.primary)).toEqual([]);
          if (plan.actions.length === 0) break;
          allocations = started(plan.allocations);
        }
        const final = planAllocation(index, allocations, candidates(after, allocations), { nodeLeftDelayMs: 0 });
        expect(final.actions).toEqual([]);
        for (let shard = 0; shard < index.shards; shard++) {
          const zones = zonesOf(allocations, shard, zoneOf);
          expect(zones).not.toContain(lost);
          expect(zones).toHaveLength(Math.min(index.replicas + 1, remaining));
          // Two zones remain: two copies never share one, three copies use both.
          expect(new Set(zones).size).toBe(Math.min(zones.length, 2));
        }
      }),
      RUNS,
    );
  });
});
