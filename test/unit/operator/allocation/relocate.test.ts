import type { NodeState, ShardAllocationStatus } from '../../../../lib/api/v1';
import { indexHealth, planAllocation, planRelocations } from '../../../../lib/operator/allocation';
import type { CandidateNode, RelocationOptions } from '../../../../lib/operator/allocation';

const index = (replicas: number) => ({ namespace: 'ns', name: 'logs', shards: 1, replicas });
const node = (name: string, state: NodeState = 'HEALTHY', maxShards = 100): CandidateNode => ({ name, state, maxShards, load: 0 });
const copy = (nodeId: string, primary: boolean, state: ShardAllocationStatus['state'] = 'STARTED', extra: Partial<ShardAllocationStatus> = {}): ShardAllocationStatus => ({ shardId: 0, nodeId, primary, state, ...extra });

function plan(replicas: number, current: ShardAllocationStatus[], nodes: CandidateNode[], options: RelocationOptions = {}) {
  return planRelocations(planAllocation(index(replicas), current, nodes), nodes, options);
}

describe('planRelocations (each step of a move, and every crash in between)', () => {
  it('starts a move off a draining node create-before-delete: source RELOCATING, target INITIALIZING, nothing deleted', () => {
    const p = plan(0, [copy('a', true)], [node('a', 'DRAINING'), node('b')]);
    expect(p.allocations).toEqual([copy('a', true, 'RELOCATING', { relocatingTo: 'b' }), copy('b', false, 'INITIALIZING', { relocatingFrom: 'a' })]);
    expect(p.actions).toEqual([{ type: 'relocate', shardId: 0, primary: true, from: 'a', node: 'b' }]);
    expect(indexHealth(p.allocations, 1, 0)).toBe('green');
  });

  it('hands a primary over by promotion once the target started: the target is the started primary, the source still serves', () => {
    const p = plan(0, [copy('a', true, 'RELOCATING', { relocatingTo: 'b' }), copy('b', false, 'STARTED', { relocatingFrom: 'a' })], [node('a', 'DRAINING'), node('b')]);
    expect(p.allocations).toEqual([copy('b', true, 'STARTED', { relocatingFrom: 'a' }), copy('a', false, 'RELOCATING', { relocatingTo: 'b' })]);
    expect(p.actions).toEqual([{ type: 'handover', shardId: 0, node: 'b', from: 'a' }]);
    expect(indexHealth(p.allocations, 1, 0)).toBe('green');
  });

  it('repeats the promotion until the target\'s node reports it primary, then deletes the source', () => {
    const handingOver = [copy('b', true, 'STARTED', { relocatingFrom: 'a' }), copy('a', false, 'RELOCATING', { relocatingTo: 'b' })];
    const nodes = [node('a', 'DRAINING'), node('b')];
    expect(plan(0, handingOver, nodes, { reportsPrimary: () => false }).actions).toEqual([{ type: 'handover', shardId: 0, node: 'b', from: 'a' }]);
    const done = plan(0, handingOver, nodes, { reportsPrimary: () => true });
    expect(done.allocations).toEqual([copy('b', true)]);
    expect(done.actions).toEqual([{ type: 'delete', shardId: 0, primary: false, node: 'a', reason: 'Relocated', to: 'b' }]);
  });

  it('deletes a replica source as soon as its target started', () => {
    const p = plan(1, [copy('p', true), copy('a', false, 'RELOCATING', { relocatingTo: 'b' }), copy('b', false, 'STARTED', { relocatingFrom: 'a' })], [node('p'), node('a', 'DRAINING'), node('b')]);
    expect(p.allocations).toEqual([copy('p', true), copy('b', false)]);
    expect(p.actions).toEqual([{ type: 'delete', shardId: 0, primary: false, node: 'a', reason: 'Relocated', to: 'b' }]);
  });

  it('rolls back when the target\'s node dies before it started: the source serves on where it is', () => {
    const p = plan(0, [copy('a', true, 'RELOCATING', { relocatingTo: 'b' }), copy('b', false, 'INITIALIZING', { relocatingFrom: 'a' })], [node('a', 'DRAINING'), node('b', 'UNHEALTHY'), node('c')]);
    expect(p.allocations.find((a) => a.nodeId === 'a')).toEqual(copy('a', true, 'RELOCATING', { relocatingTo: 'c' }));
    expect(p.allocations.some((a) => a.nodeId === 'b')).toBe(false);
    expect(p.actions.some((a) => a.type === 'delete' && a.node === 'a')).toBe(false);
  });

  it('cancels a target whose source stopped serving before it started (it never held the data), and promotes a started replica instead', () => {
    const p = plan(1, [copy('a', true, 'RELOCATING', { relocatingTo: 'c' }), copy('r', false), copy('c', false, 'INITIALIZING', { relocatingFrom: 'a' })], [node('a', 'UNHEALTHY'), node('r'), node('c')]);
    expect(p.actions).toEqual(expect.arrayContaining([{ type: 'promote', shardId: 0, node: 'r' }, { type: 'delete', shardId: 0, primary: false, node: 'c', reason: 'RelocationCancelled' }]));
    expect(p.allocations.find((a) => a.nodeId === 'r')?.primary).toBe(true);
  });

  it('keeps the last copy where it is when no node has room, and reports it stuck', () => {
    const p = plan(0, [copy('a', true)], [node('a', 'DRAINING'), node('b', 'HEALTHY', 0)]);
    expect(p.allocations).toEqual([copy('a', true)]);
    expect(p.actions).toEqual([]);
    expect(p.stuck).toEqual([{ shardId: 0, primary: true, node: 'a', reason: 'NoRoom' }]);
  });

  it('waits for the throttle: no move out of a node that already has its share in flight elsewhere', () => {
    const p = plan(0, [copy('a', true)], [node('a', 'DRAINING'), node('b')], { nodeConcurrent: 2, inFlight: { out: new Map([['a', 2]]), in: new Map(), total: 2 } });
    expect(p.actions).toEqual([]);
    expect(p.throttled).toBe(1);
  });
});

describe('planRelocations never targets a node that may still hold a copy of the shard', () => {
  const node = (name: string, load: number): CandidateNode => ({ name, state: 'HEALTHY', maxShards: 100, load });
  const started = (shardId: number, nodeId: string, primary: boolean): ShardAllocationStatus => ({ shardId, nodeId, primary, state: 'STARTED' });

  it('rebalances onto another node, or not at all, when the emptiest one still holds an orphan of the shard', () => {
    const allocations = [started(0, 'a', true), started(1, 'a', false), started(1, 'b', true), started(0, 'b', false)];
    const nodes = [node('a', 4), node('b', 4), node('c', 0)];
    const base = { actions: [], allocations, unassigned: [], lost: [] };
    const free = planRelocations(base, nodes, { rebalance: true });
    expect(free.actions.filter((a) => a.type === 'relocate').map((a) => a.node)).toContain('c');
    const orphaned = planRelocations(base, nodes, { rebalance: true, mayHoldCopy: (_shard, n) => n === 'c' });
    expect(orphaned.actions).toEqual([]);
  });

  it('makes a drain wait (throttled), not stuck, while the only free node may hold an orphan', () => {
    const allocations = [started(0, 'a', true)];
    const nodes: CandidateNode[] = [{ ...node('a', 1), state: 'DRAINING' }, node('c', 0)];
    const plan = planRelocations({ actions: [], allocations, unassigned: [], lost: [] }, nodes, { mayHoldCopy: () => true });
    expect(plan.actions).toEqual([]);
    expect(plan.stuck).toEqual([]);
    expect(plan.throttled).toBe(1);
  });
});
