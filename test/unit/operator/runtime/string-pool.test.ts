import { StringPool } from '../../../../lib/operator/runtime/string-pool';

const parsed = (name: string) => JSON.parse(JSON.stringify({
  apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, finalizers: ['quidditch.io/index-protection'], labels: { team: 'search' } },
  spec: { shards: 1 },
  status: { state: 'ACTIVE', conditions: [{ type: 'Ready', status: 'True', reason: 'PrimariesStarted', message: 'Every primary shard is started.', lastTransitionTime: `t-${name}` }], shardAllocations: [{ shardId: 0, nodeId: 'data-1', primary: true, state: 'STARTED' }] },
})) as { metadata: { name: string; uid: string; finalizers: string[] }; status: { conditions: Array<Record<string, string>>; shardAllocations: Array<Record<string, unknown>> } };

describe('StringPool', () => {
  it('leaves every value equal, and pools only the values of repeated fields', () => {
    const pool = new StringPool();
    const a = parsed('a');
    const before = JSON.stringify(a);
    expect(JSON.stringify(pool.internValues(a))).toBe(before);
    pool.internValues(parsed('b'));
    // apiVersion, kind, namespace, the finalizer, ACTIVE, Ready, True, the reason, the message, data-1, STARTED: names, UIDs, times not.
    expect(pool.size).toBe(11);
  });

  it('stops adding new values at its bound and still returns them unchanged', () => {
    const pool = new StringPool(2);
    expect(['x', 'y', 'z', 'x'].map((s) => pool.intern(s))).toEqual(['x', 'y', 'z', 'x']);
    expect(pool.size).toBe(2);
  });

  it('does not pool long strings', () => {
    const pool = new StringPool();
    pool.intern('m'.repeat(300));
    expect(pool.size).toBe(0);
  });
});
