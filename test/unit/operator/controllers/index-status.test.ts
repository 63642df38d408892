import { computeIndexStatus, indexTotals, statusUnchanged } from '../../../../lib/operator/controllers/index-status';
import { findCondition } from '../../../../lib/operator/controllers/conditions';
import type { QuidditchIndex, ShardAllocationStatus } from '../../../../lib/api/v1';

const now = new Date('2026-01-01T00:00:00Z');
const index = (status?: QuidditchIndex['status'], replicas = 1): QuidditchIndex => ({
  apiVersion: 'quidditch.io/v1',
  kind: 'QuidditchIndex',
  metadata: { name: 'products', namespace: 'ns', generation: 3 },
  spec: { shards: 2, replicas },
  status,
});
const copy = (shardId: number, nodeId: string, primary: boolean, state: ShardAllocationStatus['state'] = 'STARTED'): ShardAllocationStatus => ({ shardId, nodeId, primary, state });
const full = [copy(0, 'a', true), copy(0, 'b', false), copy(1, 'b', true), copy(1, 'a', false)];

describe('computeIndexStatus', () => {
  it('is ACTIVE, green, Ready and not Progressing once every copy started', () => {
    const s = computeIndexStatus(index(), { allocations: full, unassigned: [], failures: [] }, now);
    expect(s).toMatchObject({ state: 'ACTIVE', health: 'green', observedGeneration: 3 });
    expect(findCondition(s.conditions, 'Ready')).toMatchObject({ status: 'True', observedGeneration: 3 });
    expect(findCondition(s.conditions, 'Progressing')).toMatchObject({ status: 'False', reason: 'AllocationComplete' });
    expect(findCondition(s.conditions, 'Degraded')).toMatchObject({ status: 'False' });
  });

  it('stays CREATING with reason NoHealthyNodes and advice when no node can take the primaries', () => {
    const s = computeIndexStatus(index(), {
      allocations: [],
      unassigned: [{ shardId: 0, primary: true, reason: 'NoHealthyNodes' }, { shardId: 1, primary: true, reason: 'NoHealthyNodes' }],
      failures: [],
    }, now);
    expect(s).toMatchObject({ state: 'CREATING', health: 'red' });
    expect(findCondition(s.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'NoHealthyNodes' });
    expect(findCondition(s.conditions, 'Ready')?.message).toMatch(/Start data nodes/);
  });

  it('reports an unreachable node as Degraded with its name and keeps the index CREATING', () => {
    const s = computeIndexStatus(index(), {
      allocations: [copy(0, 'a', true), copy(0, 'b', false, 'INITIALIZING'), copy(1, 'b', true, 'INITIALIZING'), copy(1, 'a', false)],
      unassigned: [],
      failures: [{ node: 'b', message: 'UNAVAILABLE: connect ECONNREFUSED' }],
    }, now);
    expect(s.state).toBe('CREATING');
    expect(findCondition(s.conditions, 'Degraded')).toMatchObject({ status: 'True', reason: 'NodeUnreachable' });
    expect(findCondition(s.conditions, 'Degraded')?.message).toContain('b: UNAVAILABLE');
  });

  it('never moves an ACTIVE index back to CREATING; a lost replica shows as yellow and Degraded', () => {
    const s = computeIndexStatus(index({ state: 'ACTIVE' }), {
      allocations: [copy(0, 'a', true), copy(1, 'a', true)],
      unassigned: [{ shardId: 0, primary: false, reason: 'TooFewNodes' }, { shardId: 1, primary: false, reason: 'TooFewNodes' }],
      failures: [],
    }, now);
    expect(s).toMatchObject({ state: 'ACTIVE', health: 'yellow' });
    expect(findCondition(s.conditions, 'Degraded')).toMatchObject({ status: 'True', reason: 'TooFewNodes' });
  });

  it('computes a status that a second run leaves unchanged (idempotent writes)', () => {
    const first = computeIndexStatus(index(), { allocations: full, unassigned: [], failures: [] }, now);
    const second = computeIndexStatus(index(first), { allocations: full, unassigned: [], failures: [] }, new Date(now.getTime() + 5000));
    expect(statusUnchanged(first, second)).toBe(true);
    expect(statusUnchanged(first, { ...second, health: 'yellow' })).toBe(false);
  });
});

describe('indexTotals', () => {
  const reports = [
    { node: 'a', indexUid: 'u', shardId: 0, docsCount: 10, sizeBytes: 100 },
    { node: 'b', indexUid: 'u', shardId: 0, docsCount: 10, sizeBytes: 90 },
    { node: 'b', indexUid: 'u', shardId: 1, docsCount: 5, sizeBytes: 50 },
    { node: 'a', indexUid: 'u', shardId: 1, docsCount: 5, sizeBytes: 40 },
  ];
  it('counts documents in primaries and bytes of every copy', () => {
    expect(indexTotals(full, reports, 'u')).toEqual({ docsCount: 15, sizeBytes: 280 });
  });
  it('is unknown while a serving copy has no report (a partial sum would be wrong)', () => {
    expect(indexTotals(full, reports.slice(1), 'u')).toBeUndefined();
    expect(indexTotals(full, reports, 'other')).toBeUndefined();
  });
  it('writes the totals into status', () => {
    const s = computeIndexStatus(index(), { allocations: full, unassigned: [], failures: [], totals: { docsCount: 15, sizeBytes: 280 } }, now);
    expect(s).toMatchObject({ docsCount: 15, sizeBytes: 280 });
  });
});
