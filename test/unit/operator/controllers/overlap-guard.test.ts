import type { PeerView } from '../../../../lib/operator/controllers/overlap-guard';
import { ANOTHER_CLUSTER_IN_NAMESPACE, OperatorScope, overlapFor } from '../../../../lib/operator/peers/peer-leases';
import { done } from '../../../../lib/operator/runtime/reconciler';
import { dataNode, fakeCluster, newIndex } from './fake-cluster';

/** What PeerOperators would answer with these live others (switchable, as Leases come and go). */
function peers(self: OperatorScope, others: OperatorScope[]): PeerView & { others: OperatorScope[] } {
  return {
    self,
    others,
    overlapFor(label) {
      return overlapFor(self, this.others, label);
    },
    unlabelledServedElsewhere() {
      return this.others.some((o) => o.cluster === undefined);
    },
  };
}

const ready = (c: ReturnType<typeof fakeCluster>, name: string) => c.index(name).status?.conditions?.find((x) => x.type === 'Ready');

describe('IndexReconciler with another cluster\'s operator in the namespace (in memory)', () => {
  it('refuses an index both would reconcile — keeping its copies, allocations and state — and serves it again once the overlap ends', async () => {
    const view = peers({ lease: 'a-operator' }, []);
    const c = fakeCluster([dataNode('n1'), dataNode('n2')], { peers: view });
    c.api.put(newIndex('logs', 2, 1));
    expect(await c.reconcile('logs')).toEqual(done());
    const served = structuredClone(c.index('logs').status);
    expect(served).toMatchObject({ state: 'ACTIVE', health: 'green' });

    view.others = [{ lease: 'b-operator' }];
    expect(await c.reconcile('logs')).toEqual(done());
    expect(ready(c, 'logs')).toMatchObject({ status: 'False', reason: ANOTHER_CLUSTER_IN_NAMESPACE });
    expect(c.index('logs').status?.shardAllocations).toEqual(served?.shardAllocations);
    expect(c.index('logs').status?.state).toBe('ACTIVE');
    expect(c.events.filter((e) => e.reason === ANOTHER_CLUSTER_IN_NAMESPACE)).toHaveLength(1);
    // Looked at again while the overlap lasts: nothing written, no second Event.
    const writes = c.api.writes;
    expect(await c.reconcile('logs')).toEqual(done());
    expect(c.api.writes).toBe(writes);
    expect(c.events.filter((e) => e.reason === ANOTHER_CLUSTER_IN_NAMESPACE)).toHaveLength(1);

    view.others = [];
    expect(await c.reconcile('logs')).toEqual(done());
    expect(ready(c, 'logs')).toMatchObject({ status: 'True' });
    expect(c.shards.creations).toBe(4); // nothing re-created
  });

  it('does not finalize an index being deleted while the overlap lasts (its copies stay)', async () => {
    const view = peers({ lease: 'a-operator' }, []);
    const c = fakeCluster([dataNode('n1')], { peers: view });
    c.api.put(newIndex('logs', 1, 0));
    await c.reconcile('logs');
    view.others = [{ lease: 'b-operator', cluster: 'b' }];
    const stored = c.index('logs');
    c.api.put({ ...stored, metadata: { ...stored.metadata, labels: { 'quidditch.io/cluster': 'b' }, deletionTimestamp: new Date().toISOString() } });
    expect(await c.reconcile('logs')).toEqual(done());
    expect(c.index('logs').metadata.finalizers).toContain('quidditch.io/index-protection');
    expect(c.shards.calls.filter((x) => x.startsWith('delete'))).toEqual([]);
    expect(ready(c, 'logs')?.reason).toBe(ANOTHER_CLUSTER_IN_NAMESPACE);
  });

  it('keeps serving the indices the other operator would not reconcile', async () => {
    const c = fakeCluster([dataNode('n1')], { peers: peers({ lease: 'a-operator' }, [{ lease: 'b-operator', cluster: 'b' }]) });
    c.api.put(newIndex('mine', 1, 0));
    expect(await c.reconcile('mine')).toEqual(done());
    expect(c.index('mine').status).toMatchObject({ state: 'ACTIVE' });
    expect(c.events.some((e) => e.reason === ANOTHER_CLUSTER_IN_NAMESPACE)).toBe(false);
  });
});
