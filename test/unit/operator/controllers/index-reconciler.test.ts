import { combine, done, requeueAfter, retry, terminal } from '../../../../lib/operator/runtime/reconciler';
import { dataNode, fakeCluster, newIndex } from './fake-cluster';

describe('combine', () => {
  it('prefers terminal over retry over the earliest requeueAfter over done', () => {
    const e1 = new Error('one');
    const e2 = new Error('two');
    expect(combine([])).toEqual(done());
    expect(combine([done(), requeueAfter(50), requeueAfter(20), done()])).toEqual(requeueAfter(20));
    expect(combine([requeueAfter(0), retry(e1), done()])).toEqual(retry(e1));
    expect(combine([retry(e1), terminal(e2), requeueAfter(5)])).toEqual(terminal(e2));
  });
});

describe('IndexReconciler (in memory)', () => {
  it('creates every copy once and a second reconcile writes nothing', async () => {
    const c = fakeCluster([dataNode('a'), dataNode('b')]);
    c.api.put(newIndex('logs', 3, 1));
    expect(await c.reconcile('logs')).toEqual(done());
    expect(c.index('logs').status).toMatchObject({ state: 'ACTIVE', health: 'green' });
    expect(c.shards.creations).toBe(6);
    const writes = c.api.writes;
    expect(await c.reconcile('logs')).toEqual(done());
    expect(c.api.writes).toBe(writes);
    expect(c.shards.creations).toBe(6);
  });

  it('recomputes from a fresh read when writes conflict, creating nothing twice', async () => {
    const c = fakeCluster([dataNode('a'), dataNode('b')]);
    c.api.put(newIndex('logs', 2, 1, { finalizers: ['quidditch.io/index-protection'] }));
    c.api.conflictsToInject = 3;
    expect(await c.reconcile('logs')).toEqual(done());
    expect(c.index('logs').status).toMatchObject({ state: 'ACTIVE', health: 'green' });
    expect(c.shards.creations).toBe(4);
  });

  it('returns retry, not a panic, when conflicts outlast the write attempts', async () => {
    const c = fakeCluster([dataNode('a')]);
    c.api.put(newIndex('logs', 1, 0, { finalizers: ['quidditch.io/index-protection'] }));
    c.api.conflictsToInject = 100;
    const result = await c.reconcile('logs');
    expect(result.kind).toBe('retry');
    expect(c.shards.creations).toBe(0);
  });

  it('is terminal with a Ready=False/InvalidSpec condition and an Event for a spec that can never be planned', async () => {
    const c = fakeCluster([dataNode('a')]);
    c.api.put(newIndex('broken', 0, 1));
    const result = await c.reconcile('broken');
    expect(result.kind).toBe('terminal');
    const ready = c.index('broken').status?.conditions?.find((x) => x.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(ready?.message).toContain('spec.shards must be an integer >= 1, got 0');
    expect(c.events.map((e) => e.reason)).toContain('InvalidSpec');
    expect(c.shards.creations).toBe(0);
  });
});
