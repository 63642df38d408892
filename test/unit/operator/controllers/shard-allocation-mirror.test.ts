import { desiredMirrors, diffMirrors, mirrorName } from '../../../../lib/operator/controllers/shard-allocation-mirror';
import type { QuidditchIndex } from '../../../../lib/api/v1';
import { operatorArgs } from '../../../../lib/cdk8s/operator';
import { resolveCluster } from '../../../../lib/model/resolve';

const index: QuidditchIndex = {
  apiVersion: 'quidditch.io/v1',
  kind: 'QuidditchIndex',
  metadata: { name: 'logs', namespace: 'ns', uid: 'u1' },
  spec: { shards: 1, replicas: 1 },
  status: { shardAllocations: [{ shardId: 0, nodeId: 'a', primary: true, state: 'STARTED' }, { shardId: 0, nodeId: 'b', primary: false, state: 'INITIALIZING' }] },
};

describe('ShardAllocation mirrors', () => {
  it('mirrors every copy, owned by the index and labelled with it', () => {
    const m = desiredMirrors(index);
    expect(m.map((x) => x.name)).toEqual(['logs-0-a', 'logs-0-b']);
    expect(m[1].body.spec).toEqual({ indexName: 'logs', shardId: 0, isPrimary: false, assignedNode: 'b' });
    expect(m[1].body.status).toEqual({ state: 'INITIALIZING' });
    expect(m[0].body.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'QuidditchIndex', name: 'logs', uid: 'u1', controller: true });
    expect(m[0].body.metadata.labels?.['quidditch.io/index']).toBe('logs');
  });

  it('carries the documents and bytes a node reports for its copy, and none for a copy no node reports', () => {
    const m = desiredMirrors(index, [
      { node: 'a', indexUid: 'u1', shardId: 0, docsCount: 120, sizeBytes: 4096 },
      { node: 'b', indexUid: 'other-uid', shardId: 0, docsCount: 7, sizeBytes: 7 },
    ]);
    expect(m[0].body.status).toEqual({ state: 'STARTED', docsCount: 120, sizeBytes: 4096 });
    expect(m[1].body.status).toEqual({ state: 'INITIALIZING' });
    const existing = m.map((x) => ({ ...x.body, status: { state: x.body.status?.state } }));
    expect(diffMirrors(m, existing).updateStatus.map((x) => x.name)).toEqual(['logs-0-a']);
  });

  it('wants no mirrors for an index being deleted', () => {
    expect(desiredMirrors({ ...index, metadata: { ...index.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } })).toEqual([]);
  });

  it('creates the missing, updates a promoted copy and a changed state, and removes what is no longer allocated', () => {
    const desired = desiredMirrors(index);
    const existing = [
      { ...desired[0].body, spec: { ...desired[0].body.spec, isPrimary: false } },
      { ...desired[0].body, metadata: { ...desired[0].body.metadata, name: 'logs-0-c' } },
    ];
    const plan = diffMirrors(desired, existing);
    expect(plan.create.map((c) => c.name)).toEqual(['logs-0-b']);
    expect(plan.updateSpec.map((c) => c.name)).toEqual(['logs-0-a']);
    expect(plan.updateStatus).toEqual([]);
    expect(plan.remove).toEqual(['logs-0-c']);
  });

  it('keeps names within 253 characters and distinct', () => {
    const long = 'x'.repeat(250);
    const a = mirrorName(long, { shardId: 1, nodeId: 'node-a' });
    const b = mirrorName(long, { shardId: 1, nodeId: 'node-b' });
    expect(a.length).toBeLessThanOrEqual(253);
    expect(a).not.toBe(b);
  });
});

describe('operator.shardAllocationMirror prop', () => {
  it('is off by default and then passes no flag', () => {
    const c = resolveCluster('search', {});
    expect(c.operator.shardAllocationMirror).toBe(false);
    expect(operatorArgs(c).some((a) => a.startsWith('--shard-allocation-mirror'))).toBe(false);
  });

  it('passes --shard-allocation-mirror=true when on', () => {
    expect(operatorArgs(resolveCluster('search', { operator: { shardAllocationMirror: true } }))).toContain('--shard-allocation-mirror=true');
  });

  it('rejects a non-boolean at synth, naming the prop', () => {
    expect(() => resolveCluster('search', { operator: { shardAllocationMirror: 'yes' as unknown as boolean } })).toThrow(/operator\.shardAllocationMirror = "yes": must be a boolean/);
  });
});
