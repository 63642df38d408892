import { candidateNodes, planAllocation } from '../../../../lib/operator/allocation';
import type { CandidateNode } from '../../../../lib/operator/allocation';
import type { QuidditchIndex, QuidditchNode } from '../../../../lib/api/v1';

const index = (shards: number, replicas: number) => ({ namespace: 'search', name: 'logs', shards, replicas });
const node = (name: string, over: Partial<CandidateNode> = {}): CandidateNode => ({
  name,
  state: 'HEALTHY',
  maxShards: 100,
  load: 0,
  ...over,
});

describe('planAllocation', () => {
  it('places a primary and its replica on different nodes of a fresh cluster', () => {
    const plan = planAllocation(index(1, 1), [], [node('a'), node('b')]);
    expect(plan.allocations).toEqual([
      { shardId: 0, nodeId: 'a', primary: true, state: 'INITIALIZING' },
      { shardId: 0, nodeId: 'b', primary: false, state: 'INITIALIZING' },
    ]);
    expect(plan.actions).toEqual([
      { type: 'create', shardId: 0, primary: true, node: 'a' },
      { type: 'create', shardId: 0, primary: false, node: 'b' },
    ]);
    expect(plan.unassigned).toEqual([]);
  });

  it('reports NoHealthyNodes when no node is healthy', () => {
    const plan = planAllocation(index(2, 0), [], [node('a', { state: 'UNHEALTHY' }), node('b', { state: undefined })]);
    expect(plan.allocations).toEqual([]);
    expect(plan.unassigned).toEqual([
      { shardId: 0, primary: true, reason: 'NoHealthyNodes' },
      { shardId: 1, primary: true, reason: 'NoHealthyNodes' },
    ]);
  });

  it('reports TooFewNodes for replicas that need more nodes', () => {
    const plan = planAllocation(index(1, 2), [], [node('a'), node('b')]);
    expect(plan.unassigned).toEqual([{ shardId: 0, primary: false, reason: 'TooFewNodes' }]);
  });

  it('reports InsufficientCapacity when nodes are full', () => {
    const plan = planAllocation(index(2, 0), [], [node('a', { maxShards: 3, load: 2 })]);
    expect(plan.allocations.map((a) => a.shardId)).toEqual([0]);
    expect(plan.unassigned).toEqual([{ shardId: 1, primary: true, reason: 'InsufficientCapacity' }]);
  });

  it('promotes the STARTED replica on a healthy node and re-creates the lost replica', () => {
    const current = [
      { shardId: 0, nodeId: 'dead', primary: true, state: 'STARTED' as const },
      { shardId: 0, nodeId: 'b', primary: false, state: 'INITIALIZING' as const },
      { shardId: 0, nodeId: 'c', primary: false, state: 'STARTED' as const },
    ];
    const nodes = [node('dead', { state: 'UNHEALTHY', load: 1 }), node('b', { load: 1 }), node('c', { load: 1 }), node('d')];
    const plan = planAllocation(index(1, 2), current, nodes);
    expect(plan.actions).toEqual([
      { type: 'promote', shardId: 0, node: 'c' },
      { type: 'create', shardId: 0, primary: false, node: 'd' },
      { type: 'delete', shardId: 0, primary: true, node: 'dead', reason: 'NodeUnavailable' },
    ]);
    expect(plan.allocations).toEqual([
      { shardId: 0, nodeId: 'c', primary: true, state: 'STARTED' },
      { shardId: 0, nodeId: 'b', primary: false, state: 'INITIALIZING' },
      { shardId: 0, nodeId: 'd', primary: false, state: 'INITIALIZING' },
    ]);
  });

  it('keeps copies on DRAINING nodes and nodes with no state yet, but puts no new copy there', () => {
    const current = [{ shardId: 0, nodeId: 'draining', primary: true, state: 'STARTED' as const }];
    const nodes = [node('draining', { state: 'DRAINING', load: 1 }), node('new', { state: undefined }), node('ok', { load: 50 })];
    const plan = planAllocation(index(1, 1), current, nodes);
    expect(plan.actions).toEqual([{ type: 'create', shardId: 0, primary: false, node: 'ok' }]);
  });

  it('removes surplus replicas from the most loaded node first', () => {
    const current = [
      { shardId: 0, nodeId: 'a', primary: true, state: 'STARTED' as const },
      { shardId: 0, nodeId: 'b', primary: false, state: 'STARTED' as const },
      { shardId: 0, nodeId: 'c', primary: false, state: 'STARTED' as const },
    ];
    const plan = planAllocation(index(1, 1), current, [node('a', { load: 9 }), node('b', { load: 3 }), node('c', { load: 7 })]);
    expect(plan.actions).toEqual([{ type: 'delete', shardId: 0, primary: false, node: 'c', reason: 'ReplicasReduced' }]);
  });

  it('drops copies of shards that do not exist and duplicate primaries', () => {
    const current = [
      { shardId: 0, nodeId: 'a', primary: true, state: 'STARTED' as const },
      { shardId: 0, nodeId: 'b', primary: true, state: 'INITIALIZING' as const },
      { shardId: 5, nodeId: 'b', primary: true, state: 'STARTED' as const },
    ];
    const plan = planAllocation(index(1, 0), current, [node('a', { load: 1 }), node('b', { load: 2 })]);
    expect(plan.actions).toEqual([
      { type: 'delete', shardId: 0, primary: true, node: 'b', reason: 'DuplicateCopy' },
      { type: 'delete', shardId: 5, primary: true, node: 'b', reason: 'ShardOutOfRange' },
    ]);
  });

  it('names every invalid field in one error', () => {
    expect(() => planAllocation(index(0, -1), [], [node('a'), node('a', { maxShards: -1 })])).toThrow(
      'Unable to plan allocation for QuidditchIndex search/logs: spec.shards must be an integer >= 1, got 0; ' +
        'spec.replicas must be an integer >= 0, got -1; node a is listed twice; node a has maxShards -1; it must be a number >= 0. ' +
        'Fix the index spec or the node list passed to planAllocation.',
    );
  });
});

describe('candidateNodes', () => {
  it('counts load over every index and skips nodes that are not DATA nodes', () => {
    const meta = (name: string) => ({ name, namespace: 'search' });
    const nodes: QuidditchNode[] = [
      { apiVersion: 'quidditch.io/v1', kind: 'QuidditchNode', metadata: meta('a'), spec: { nodeType: 'DATA', address: 'a:9303', zone: 'z1' }, status: { state: 'HEALTHY' } },
      { apiVersion: 'quidditch.io/v1', kind: 'QuidditchNode', metadata: meta('b'), spec: { nodeType: 'DATA', address: 'b:9303', maxShards: 7 } },
      { apiVersion: 'quidditch.io/v1', kind: 'QuidditchNode', metadata: meta('i'), spec: { nodeType: 'INGEST', address: 'i:9303' } },
    ];
    const alloc = (nodeId: string) => ({ shardId: 0, nodeId, primary: true, state: 'STARTED' as const });
    const indices: Pick<QuidditchIndex, 'status'>[] = [{ status: { shardAllocations: [alloc('a'), alloc('b')] } }, { status: { shardAllocations: [alloc('a')] } }, {}];
    expect(candidateNodes(nodes, indices)).toEqual([
      { name: 'a', state: 'HEALTHY', maxShards: 1000, zone: 'z1', load: 2 },
      { name: 'b', state: undefined, maxShards: 7, zone: undefined, load: 1 },
    ]);
  });
});
