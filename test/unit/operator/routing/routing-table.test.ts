import { RoutingTable } from '../../../../lib/operator/routing/routing-table';
import type { QuidditchIndex, QuidditchNode } from '../../../../lib/api/v1';

const index = (name: string, allocations: NonNullable<QuidditchIndex['status']>['shardAllocations']): QuidditchIndex => ({
  apiVersion: 'quidditch.io/v1',
  kind: 'QuidditchIndex',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '7' },
  spec: { shards: 2, replicas: 1 },
  status: { state: 'ACTIVE', health: 'yellow', shardAllocations: allocations },
});
const node = (name: string, address: string): QuidditchNode => ({
  apiVersion: 'quidditch.io/v1',
  kind: 'QuidditchNode',
  metadata: { name, namespace: 'ns' },
  spec: { nodeType: 'DATA', address },
});

describe('RoutingTable', () => {
  it('answers shard → primary and replicas with node addresses', () => {
    const table = new RoutingTable();
    table.upsertNode(node('a', '10.0.0.1:9303'));
    table.upsertIndex(index('products', [
      { shardId: 0, nodeId: 'a', primary: true, state: 'STARTED' },
      { shardId: 0, nodeId: 'b', primary: false, state: 'INITIALIZING' },
      { shardId: 1, nodeId: 'b', primary: true, state: 'STARTED' },
    ]));
    const route = table.lookup('ns', 'products');
    expect(route?.shards).toEqual([
      { shardId: 0, primary: { node: 'a', address: '10.0.0.1:9303', state: 'STARTED' }, replicas: [{ node: 'b', address: null, state: 'INITIALIZING' }] },
      { shardId: 1, primary: { node: 'b', address: null, state: 'STARTED' }, replicas: [] },
    ]);
    expect(JSON.parse(table.lookupJson('ns', 'products')!)).toEqual(JSON.parse(JSON.stringify(route)));
  });

  it('follows node address changes and index deletion', () => {
    const table = new RoutingTable();
    table.upsertIndex(index('logs', [{ shardId: 0, nodeId: 'a', primary: true, state: 'STARTED' }]));
    expect(table.lookup('ns', 'logs')?.shards[0].primary?.address).toBeNull();
    table.upsertNode(node('a', 'host-a:9303'));
    expect(table.lookup('ns', 'logs')?.shards[0].primary?.address).toBe('host-a:9303');
    table.deleteIndex('ns', 'logs');
    expect(table.lookup('ns', 'logs')).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('reports a shard with no allocated primary as null, not missing', () => {
    const table = new RoutingTable();
    table.upsertIndex(index('empty', []));
    expect(table.lookup('ns', 'empty')?.shards.map((s) => s.primary)).toEqual([null, null]);
  });

  it('tells clients the identity the data nodes know the copies by, the exported one for a restored index', () => {
    const table = new RoutingTable();
    table.upsertIndex(index('logs', []));
    const restored = index('moved', []);
    restored.metadata.annotations = { 'quidditch.io/copy-uid': 'old-uid', 'quidditch.io/copy-namespace': 'src' };
    table.upsertIndex(restored);
    expect(table.lookup('ns', 'logs')?.copies).toEqual({ namespace: 'ns', index: 'logs', indexUid: 'uid-logs' });
    expect(table.lookup('ns', 'moved')?.copies).toEqual({ namespace: 'src', index: 'moved', indexUid: 'old-uid' });
  });

  it('does not mix indices of the same name in different namespaces', () => {
    const table = new RoutingTable();
    const other = index('products', []);
    other.metadata.namespace = 'other';
    table.upsertIndex(other);
    expect(table.lookup('ns', 'products')).toBeUndefined();
  });
});
