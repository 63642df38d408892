import type { QuidditchIndex, QuidditchNode } from '../../../lib/api/v1';
import { OperatorMetrics } from '../../../lib/operator/metrics';
import type { ObjectStore } from '../../../lib/operator/runtime/source';

/** A cache whose contents the test changes between scrapes, as an informer would. */
class ArrayStore<T> implements ObjectStore<T> {
  items: T[] = [];
  get(): T | undefined { return undefined; }
  list(): T[] { return [...this.items]; }
}

const index = (name: string, status?: QuidditchIndex['status']): QuidditchIndex =>
  ({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name, namespace: 'ns' }, spec: { shards: 1, replicas: 0 }, status });
const node = (name: string, state?: 'HEALTHY' | 'UNHEALTHY' | 'DRAINING'): QuidditchNode =>
  ({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchNode', metadata: { name, namespace: 'ns' }, spec: {}, status: state ? { state } : undefined } as QuidditchNode);

/** The value of each series of a metric, keyed by its labels in order, as a scrape would read them. */
async function series(metrics: OperatorMetrics, name: string): Promise<Record<string, number>> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (!metric) throw new Error(`${name} is not registered`);
  return Object.fromEntries(metric.values.map((v) => [Object.values(v.labels).join('/'), v.value]));
}

describe('quidditch_indices and quidditch_nodes', () => {
  const setup = () => {
    const metrics = new OperatorMetrics();
    const indices = new ArrayStore<QuidditchIndex>();
    const nodes = new ArrayStore<QuidditchNode>();
    metrics.observeCaches(indices, nodes);
    return { metrics, indices, nodes };
  };

  it('counts indices by state and health, with 0 for every known combination', async () => {
    const { metrics, indices } = setup();
    indices.items = [
      index('a', { state: 'ACTIVE', health: 'green' }),
      index('b', { state: 'ACTIVE', health: 'green' }),
      index('c', { state: 'CREATING', health: 'red' }),
      index('d'), // no status written yet
    ];
    const s = await series(metrics, 'quidditch_indices');
    expect(s['ACTIVE/green']).toBe(2);
    expect(s['CREATING/red']).toBe(1);
    expect(s['unknown/unknown']).toBe(1);
    expect(s['DELETING/yellow']).toBe(0);
    expect(Object.keys(s)).toHaveLength(3 * 3 + 1);
  });

  it('counts nodes by state', async () => {
    const { metrics, nodes } = setup();
    nodes.items = [node('n1', 'HEALTHY'), node('n2', 'UNHEALTHY'), node('n3', 'HEALTHY'), node('n4')];
    expect(await series(metrics, 'quidditch_nodes')).toEqual({ HEALTHY: 2, UNHEALTHY: 1, DRAINING: 0, unknown: 1 });
  });

  it('counts relocations in flight: one per target recorded with relocatingFrom', async () => {
    const { metrics, indices } = setup();
    const moving = [
      { shardId: 0, nodeId: 'a', primary: true, state: 'RELOCATING' as const, relocatingTo: 'b' },
      { shardId: 0, nodeId: 'b', primary: false, state: 'INITIALIZING' as const, relocatingFrom: 'a' },
      { shardId: 1, nodeId: 'c', primary: true, state: 'STARTED' as const },
    ];
    indices.items = [index('a', { shardAllocations: moving }), index('b', { shardAllocations: [moving[2]] })];
    expect(await series(metrics, 'quidditch_relocations_in_flight')).toEqual({ '': 1 });
    indices.items = [];
    expect(await series(metrics, 'quidditch_relocations_in_flight')).toEqual({ '': 0 });
  });

  it('reports each DRAINING node\'s copies left, and nothing for nodes that are not draining', async () => {
    const { metrics, nodes } = setup();
    const draining = (name: string, copiesLeft?: number): QuidditchNode => ({ ...node(name, 'DRAINING'), status: { state: 'DRAINING', copiesLeft } });
    nodes.items = [draining('d1', 7), draining('d2'), node('h1', 'HEALTHY')];
    expect(await series(metrics, 'quidditch_drain_copies_left')).toEqual({ d1: 7, d2: 0 });
    nodes.items = [draining('d1', 3), node('d2', 'HEALTHY')];
    expect(await series(metrics, 'quidditch_drain_copies_left')).toEqual({ d1: 3 });
  });

  it('reads the caches afresh on every scrape, so a recovered index stops counting as red', async () => {
    const { metrics, indices, nodes } = setup();
    indices.items = [index('a', { state: 'CREATING', health: 'red' })];
    nodes.items = [node('n1', 'UNHEALTHY')];
    expect((await series(metrics, 'quidditch_indices'))['CREATING/red']).toBe(1);
    expect((await series(metrics, 'quidditch_nodes')).UNHEALTHY).toBe(1);

    indices.items = [index('a', { state: 'ACTIVE', health: 'green' })];
    nodes.items = [];
    const after = await series(metrics, 'quidditch_indices');
    expect(after['CREATING/red']).toBe(0);
    expect(after['ACTIVE/green']).toBe(1);
    expect(await series(metrics, 'quidditch_nodes')).toEqual({ HEALTHY: 0, UNHEALTHY: 0, DRAINING: 0 });
  });

  it('appears in the text exposition Prometheus scrapes', async () => {
    const { metrics, nodes } = setup();
    nodes.items = [node('n1', 'DRAINING')];
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE quidditch_nodes gauge');
    expect(text).toContain('quidditch_nodes{state="DRAINING"} 1');
  });
});
