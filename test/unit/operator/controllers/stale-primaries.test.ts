import type { ShardAllocationStatus } from '../../../../lib/api/v1';
import { compareWithNodes } from '../../../../lib/operator/controllers/index-drift';
import { demotionMessage, heldAsPrimary, stalePrimaries } from '../../../../lib/operator/controllers/stale-primaries';
import type { ObservedCopies, ObservedCopy } from '../../../../lib/operator/datanode/observed-copies';

const id = { namespace: 'ns', name: 'logs', uid: 'u1' };
const held = (shardId: number, primary: boolean, state: ObservedCopy['state'] = 'STARTED', uid = 'u1'): ObservedCopy =>
  ({ namespace: 'ns', index: 'logs', indexUid: uid, shardId, primary, state, docsCount: 0, sizeBytes: 0 });
const alloc = (shardId: number, nodeId: string, primary: boolean, state: ShardAllocationStatus['state'] = 'STARTED', extra: Partial<ShardAllocationStatus> = {}): ShardAllocationStatus =>
  ({ shardId, nodeId, primary, state, ...extra });
const reportsOf = (byNode: Record<string, ObservedCopy[]>) => (node: string) => byNode[node];
const observedOf = (byNode: Record<string, ObservedCopy[]>): ObservedCopies => ({
  copiesOn: reportsOf(byNode),
  copiesOf: () => [],
  indexCopiesOn: (node, namespace, index) => byNode[node]?.filter((c) => c.namespace === namespace && c.index === index),
});
const up = () => true;

describe('stalePrimaries', () => {
  // Shard 0's primary was promoted on a while b was away; b is back and still holds its copy as a primary.
  const record = [alloc(0, 'a', true), alloc(0, 'b', false)];
  const reports = reportsOf({ a: [held(0, true)], b: [held(0, true)] });

  it('names a replica its node holds as a primary while the recorded primary serves on another node', () => {
    expect(stalePrimaries(record, reports, id, up)).toEqual([{ shardId: 0, node: 'b', primaryNode: 'a' }]);
    expect(heldAsPrimary(reports, id, 0, 'b')).toBe(true);
  });

  it('names none when the node holds the copy as the replica it is recorded as, or is not synced (unknown is not stale)', () => {
    expect(stalePrimaries(record, reportsOf({ a: [held(0, true)], b: [held(0, false)] }), id, up)).toEqual([]);
    expect(stalePrimaries(record, reportsOf({ a: [held(0, true)] }), id, up)).toEqual([]);
    expect(heldAsPrimary(reportsOf({}), id, 0, 'b')).toBe(false);
  });

  it("ignores another index's copy with the same name (a re-created index has another uid)", () => {
    expect(stalePrimaries(record, reportsOf({ a: [held(0, true)], b: [held(0, true, 'STARTED', 'old-uid')] }), id, up)).toEqual([]);
  });

  it('names none while no recorded primary serves elsewhere: the copy may be the best left, for the planner to promote', () => {
    expect(stalePrimaries([alloc(0, 'a', true, 'UNASSIGNED'), alloc(0, 'b', false)], reports, id, up)).toEqual([]);
    expect(stalePrimaries([alloc(0, 'a', true, 'INITIALIZING'), alloc(0, 'b', false)], reports, id, up)).toEqual([]);
    expect(stalePrimaries(record, reports, id, (n) => n !== 'a')).toEqual([]);
  });

  it('leaves UNASSIGNED records and the halves of a relocation alone (a primary that handed over is deleted by the move)', () => {
    expect(stalePrimaries([alloc(0, 'a', true), alloc(0, 'b', false, 'UNASSIGNED', { unassignedReason: 'NodeLeft' })], reports, id, up)).toEqual([]);
    expect(stalePrimaries([alloc(0, 'a', true, 'STARTED', { relocatingFrom: 'b' }), alloc(0, 'b', false, 'STARTED', { relocatingTo: 'a' })], reports, id, up)).toEqual([]);
  });

  it('says in the Event which copies are demoted, where the primary is, and that data is kept', () => {
    expect(demotionMessage([{ shardId: 1, node: 'b', primaryNode: 'a' }])).toBe(
      '1 copies were still held as primaries by nodes that returned after another copy had been promoted: shard 1 on b (primary now on a). ' +
        'Each is demoted to a replica that keeps its data and re-syncs from the current primary; the shard keeps serving from that primary meanwhile.',
    );
  });
});

describe('compareWithNodes and superseded primaries', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const observed = observedOf({ a: [held(0, true)], b: [held(0, true)] });

  it('marks a STARTED replica its node holds as a primary INITIALIZING: it does not serve as a replica until demoted and re-synced', () => {
    const drift = compareWithNodes([alloc(0, 'a', true), alloc(0, 'b', false)], observed, id, up, now);
    expect(drift.allocations).toEqual([alloc(0, 'a', true), alloc(0, 'b', false, 'INITIALIZING')]);
    expect(drift.lost).toEqual([]);
  });

  it('adopts a returning node\'s copy that it still holds as a primary as an INITIALIZING replica, not as a STARTED one', () => {
    const away = alloc(0, 'b', false, 'UNASSIGNED', { unassignedReason: 'NodeLeft', unassignedSince: '2025-12-31T23:59:00Z' });
    const drift = compareWithNodes([alloc(0, 'a', true), away], observed, id, up, now);
    expect(drift.allocations).toEqual([alloc(0, 'a', true), alloc(0, 'b', false, 'INITIALIZING')]);
    expect(drift.adopted).toBe(1);
  });

  it('changes nothing once the record says INITIALIZING, and lets the copy start when the node reports it demoted and started', () => {
    const waiting = [alloc(0, 'a', true), alloc(0, 'b', false, 'INITIALIZING')];
    expect(compareWithNodes(waiting, observed, id, up, now).allocations).toBe(waiting);
    const demoted = observedOf({ a: [held(0, true)], b: [held(0, false, 'STARTED')] });
    expect(compareWithNodes(waiting, demoted, id, up, now).allocations).toEqual([alloc(0, 'a', true), alloc(0, 'b', false)]);
  });

  it('keeps a replica held as a primary STARTED when the recorded primary does not serve (the planner promotes it)', () => {
    const record = [alloc(0, 'a', true, 'UNASSIGNED', { unassignedReason: 'NodeLeft', unassignedSince: '2025-12-31T23:59:00Z' }), alloc(0, 'b', false)];
    expect(compareWithNodes(record, observed, id, (n) => n !== 'a', now).allocations).toBe(record);
  });
});
