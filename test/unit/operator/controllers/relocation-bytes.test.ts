import type { AllocationAction } from '../../../../lib/operator/allocation';
import type { ObservedCopies, ObservedCopy } from '../../../../lib/operator/datanode/observed-copies';
import { finishedRelocations } from '../../../../lib/operator/controllers/relocation-bytes';
import { recordTransitions } from '../../../../lib/operator/controllers/index-events';
import type { EventRecorder } from '../../../../lib/operator/kube/event-recorder';
import type { QuidditchIndex } from '../../../../lib/api/v1';

const id = { namespace: 'ns', name: 'i', uid: 'u1' };
const held = (shardId: number, sizeBytes: number, over: Partial<ObservedCopy> = {}): ObservedCopy =>
  ({ namespace: 'ns', index: 'i', indexUid: 'u1', shardId, primary: false, state: 'STARTED', docsCount: 1, sizeBytes, ...over });
const observed = (byNode: Record<string, ObservedCopy[] | undefined>): ObservedCopies => ({
  copiesOn: (node) => byNode[node],
  indexCopiesOn: (node, namespace, index) => byNode[node]?.filter((c) => c.namespace === namespace && c.index === index),
  copiesOf: () => [],
});
const finish = (shardId: number, from: string, to: string): AllocationAction => ({ type: 'delete', shardId, primary: false, node: from, reason: 'Relocated', to });

describe('finishedRelocations', () => {
  it('counts the size the target reports for its new copy', () => {
    const moved = finishedRelocations({ actions: [finish(0, 'a', 'b')] }, observed({ a: [held(0, 500)], b: [held(0, 700)] }), id);
    expect(moved).toEqual([{ shardId: 0, from: 'a', to: 'b', bytes: 700 }]);
  });

  it("falls back to the source's size when the target's node reports no copy of that index and shard", () => {
    const other = held(0, 9, { indexUid: 'older' }); // an earlier index of the same name: not this copy
    const moved = finishedRelocations({ actions: [finish(0, 'a', 'b')] }, observed({ a: [held(0, 500)], b: [other, held(1, 9)] }), id);
    expect(moved).toEqual([{ shardId: 0, from: 'a', to: 'b', bytes: 500 }]);
  });

  it('leaves the size out when neither node reports one, and ignores every other action', () => {
    const actions: AllocationAction[] = [
      finish(2, 'a', 'b'),
      { type: 'delete', shardId: 1, primary: false, node: 'a', reason: 'RelocationCancelled' },
      { type: 'delete', shardId: 3, primary: false, node: 'c', reason: 'ReplicasReduced' },
      { type: 'relocate', shardId: 4, primary: true, from: 'a', node: 'b' },
    ];
    expect(finishedRelocations({ actions }, observed({}), id)).toEqual([{ shardId: 2, from: 'a', to: 'b' }]);
    expect(finishedRelocations({ actions }, undefined, id)).toEqual([{ shardId: 2, from: 'a', to: 'b' }]);
  });
});

describe('RelocationFinished Event', () => {
  it('names the target and the bytes moved', () => {
    const events: string[] = [];
    const recorder: EventRecorder = { record: (_o, _t, reason, message) => void events.push(`${reason}: ${message}`) };
    const index: QuidditchIndex = { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'i', namespace: 'ns' }, spec: { shards: 1, replicas: 1 }, status: { state: 'ACTIVE', health: 'green' } };
    const plan = { allocations: [], actions: [finish(0, 'a', 'b')], unassigned: [], lost: [], stuck: [], throttled: 0, inFlight: 0 };
    recordTransitions(recorder, index, 'ACTIVE', { plan, drift: { allocations: [], lost: [], adopted: 0 } }, [], [], [{ shardId: 0, from: 'a', to: 'b', bytes: 700 }]);
    expect(events).toEqual(['RelocationFinished: Shard 0 has moved off a to b (700 bytes): its new copy serves, the old one is deleted.']);
  });
});
