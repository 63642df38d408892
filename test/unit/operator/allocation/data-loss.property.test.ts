import fc from 'fast-check';
import { indexHealth, planAllocation } from '../../../../lib/operator/allocation';
import type { ShardAllocationStatus } from '../../../../lib/api/v1';
import { arbIndex, arbNodes, candidates, NodeSpec, RUNS, started } from './arbitraries';

/** Any status including copies already UNASSIGNED (node left at some time, or copy missing). */
const arbCurrent = (nodes: NodeSpec[]): fc.Arbitrary<ShardAllocationStatus[]> =>
  fc.array(
    fc.oneof(
      fc.record({
        shardId: fc.integer({ min: 0, max: 8 }),
        nodeId: fc.constantFrom(...nodes.map((n) => n.name), 'gone-node'),
        primary: fc.boolean(),
        state: fc.constantFrom('INITIALIZING' as const, 'STARTED' as const, 'RELOCATING' as const),
      }),
      fc.record({
        shardId: fc.integer({ min: 0, max: 8 }),
        nodeId: fc.constantFrom(...nodes.map((n) => n.name), 'gone-node'),
        primary: fc.boolean(),
        state: fc.constant('UNASSIGNED' as const),
        unassignedReason: fc.constantFrom('NodeLeft' as const, 'CopyMissing' as const, 'CopyFailed' as const),
        unassignedSince: fc.integer({ min: 0, max: 120_000 }).map((t) => new Date(t).toISOString()),
      }),
    ),
    { maxLength: 30 },
  );

const arbScenario = arbNodes({ min: 1 }).chain((nodes) =>
  fc.record({
    nodes: fc.constant(nodes),
    index: arbIndex({ shards: 8 }),
    current: arbCurrent(nodes),
    now: fc.integer({ min: 0, max: 240_000 }),
    delay: fc.constantFrom(0, 1_000, 60_000),
    accept: fc.oneof(fc.constant<'all'>('all'), fc.uniqueArray(fc.integer({ min: 0, max: 8 })).map((a) => new Set(a))),
  }),
);

const held = (a: ShardAllocationStatus) => a.state === 'STARTED' || a.state === 'RELOCATING' || a.state === 'UNASSIGNED';
const accepts = (accept: 'all' | Set<number>, shardId: number) => accept === 'all' || accept.has(shardId);

describe('planAllocation never hides lost data (properties)', () => {
  it('places no new primary for a shard whose primary held data unless data loss is accepted for it', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = planAllocation(s.index, s.current, candidates(s.nodes, s.current), { now: s.now, nodeLeftDelayMs: s.delay });
        for (const a of result.actions) {
          if (a.type !== 'create' || !a.primary) continue;
          expect(s.current.some((c) => c.shardId === a.shardId && c.primary && held(c))).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('promotes only a replica that holds data in place of a primary that held data', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = planAllocation(s.index, s.current, candidates(s.nodes, s.current), { now: s.now, nodeLeftDelayMs: s.delay });
        for (const p of result.actions) {
          if (p.type !== 'promote') continue;
          const primaryHeldData = s.current.some((c) => c.shardId === p.shardId && c.primary && held(c));
          const states = s.current.filter((c) => c.shardId === p.shardId && c.nodeId === p.node && !c.primary).map((c) => c.state);
          expect(states.some((x) => x !== 'UNASSIGNED')).toBe(true);
          if (primaryHeldData) expect(states.some((x) => x === 'STARTED' || x === 'RELOCATING')).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('never reports green while a copy is UNASSIGNED or a primary is lost', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = planAllocation(s.index, s.current, candidates(s.nodes, s.current), { now: s.now, nodeLeftDelayMs: s.delay, acceptDataLoss: s.accept });
        // Even if every other copy has started by then.
        const health = indexHealth(started(result.allocations), s.index.shards, s.index.replicas);
        if (result.allocations.some((a) => a.state === 'UNASSIGNED') || result.unassigned.some((u) => u.reason === 'PrimaryLost')) expect(health).not.toBe('green');
      }),
      RUNS,
    );
  });

  it('allocates an empty primary for a lost shard only when the annotation names it, and then only on a healthy node with room', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const without = planAllocation(s.index, s.current, candidates(s.nodes, s.current), { now: s.now, nodeLeftDelayMs: s.delay });
        const withAccept = planAllocation(s.index, s.current, candidates(s.nodes, s.current), { now: s.now, nodeLeftDelayMs: s.delay, acceptDataLoss: s.accept });
        for (const u of without.unassigned.filter((x) => x.reason === 'PrimaryLost')) {
          const stillLost = withAccept.unassigned.some((x) => x.shardId === u.shardId && x.reason === 'PrimaryLost');
          expect(stillLost).toBe(!accepts(s.accept, u.shardId));
          if (!stillLost) expect(withAccept.actions).toContainEqual(expect.objectContaining({ type: 'delete', shardId: u.shardId, primary: true, reason: 'DataLossAccepted' }));
        }
      }),
      RUNS,
    );
  });
});

describe('planAllocation with a node-left delay (properties over a node leaving and returning)', () => {
  const arbAllocated = arbIndex({ replicas: 2 })
    .filter((i) => i.replicas >= 1)
    .chain((index) =>
      arbNodes({ min: index.replicas + 2, state: fc.constant('HEALTHY'), maxShards: fc.constant(10_000) }).chain((nodes) => {
        const first = planAllocation(index, [], candidates(nodes, []));
        return fc.record({
          index: fc.constant(index),
          nodes: fc.constant(nodes),
          allocations: fc.constant(started(first.allocations)),
          left: fc.constantFrom(...nodes.map((n) => n.name)),
          delay: fc.integer({ min: 1_000, max: 120_000 }),
          elapsed: fc.integer({ min: 0, max: 240_000 }),
        });
      }),
    );

  it('keeps the replicas of a departed node until the delay runs out, promotes its primaries at once, and re-creates nothing when it returns in time', () => {
    fc.assert(
      fc.property(arbAllocated, (s) => {
        const down = s.nodes.map((n) => (n.name === s.left ? { ...n, state: 'UNHEALTHY' as const } : n));
        const t0 = 1_000_000;
        const away = planAllocation(s.index, s.allocations, candidates(down, s.allocations), { now: t0, nodeLeftDelayMs: s.delay });
        // Primaries of the node are replaced by started replicas at once; its replicas wait.
        for (const a of s.allocations.filter((c) => c.nodeId === s.left && c.primary)) {
          expect(away.actions).toContainEqual(expect.objectContaining({ type: 'promote', shardId: a.shardId }));
        }
        const waiting = away.allocations.filter((c) => c.nodeId === s.left);
        expect(waiting.every((c) => !c.primary && c.state === 'UNASSIGNED' && c.unassignedReason === 'NodeLeft')).toBe(true);
        expect(away.actions.filter((a) => a.type === 'create' && !a.primary && waiting.some((w) => w.shardId === a.shardId))).toEqual([]);
        if (waiting.length) expect(away.recheckAfterMs).toBe(s.delay);

        const later = t0 + s.elapsed;
        if (s.elapsed < s.delay) {
          // Back in time: every waiting replica is confirmed (adopt), none is created again.
          const back = planAllocation(s.index, away.allocations, candidates(s.nodes, away.allocations), { now: later, nodeLeftDelayMs: s.delay });
          for (const w of waiting) expect(back.actions).toContainEqual({ type: 'adopt', shardId: w.shardId, primary: false, node: s.left });
          expect(back.actions.filter((a) => a.type === 'create')).toEqual([]);
        } else {
          // Still away after the delay: the replicas are replaced on other nodes.
          const replaced = planAllocation(s.index, away.allocations, candidates(down, away.allocations), { now: later, nodeLeftDelayMs: s.delay });
          for (const w of waiting) {
            expect(replaced.actions).toContainEqual(expect.objectContaining({ type: 'delete', shardId: w.shardId, node: s.left, reason: 'NodeUnavailable' }));
            expect(replaced.allocations.some((a) => a.shardId === w.shardId && !a.primary && a.nodeId !== s.left)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });
});
