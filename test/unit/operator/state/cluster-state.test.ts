import { CLUSTER_STATE_API_VERSION, COPY_NAMESPACE_ANNOTATION, COPY_UID_ANNOTATION, parseClusterState, QuidditchIndex, QuidditchNode, RESTORING_ANNOTATION } from '../../../../lib/api/v1';
import { copyIdentityOf, copyUidOf, isRestoring } from '../../../../lib/operator/controllers/copy-identity';
import { clusterSnapshot } from '../../../../lib/operator/state/export-state';
import { importConflicts } from '../../../../lib/operator/state/import-state';
import { parseStateArgs } from '../../../../lib/operator/state/state-command';
import { activeHolder } from '../../../../lib/operator/state/initial-state';

const index = (name: string, extra: Partial<QuidditchIndex['metadata']> = {}, deleting = false): QuidditchIndex => ({
  apiVersion: 'quidditch.io/v1',
  kind: 'QuidditchIndex',
  metadata: {
    name, namespace: 'src', uid: `uid-${name}`, resourceVersion: '7', generation: 2,
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', team: 'search' },
    ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    ...extra,
  },
  spec: { shards: 2, replicas: 1 },
  status: {
    state: 'ACTIVE', health: 'green', observedGeneration: 2, conditions: [],
    shardAllocations: [
      { shardId: 0, nodeId: 'n1', primary: true, state: 'STARTED' },
      { shardId: 0, nodeId: 'n2', primary: false, state: 'STARTED' },
    ],
  },
});

const node = (name: string, state: 'HEALTHY' | 'DRAINING'): QuidditchNode => ({
  apiVersion: 'quidditch.io/v1',
  kind: 'QuidditchNode',
  metadata: { name, namespace: 'src', uid: `uid-${name}` },
  spec: { nodeType: 'DATA', address: `${name}:9303`, maxShards: 10 },
  status: { state, lastHeartbeat: '2026-01-01T00:00:00Z', allocatedShards: 3 },
});

describe('the cluster-state snapshot', () => {
  const now = new Date('2026-02-03T04:05:06Z');
  const state = clusterSnapshot('src', [index('b'), index('a'), index('gone', {}, true)], [node('n2', 'DRAINING'), node('n1', 'HEALTHY')], now);

  it('holds spec, allocations and copy identity of every index not being deleted, sorted, without tool bookkeeping', () => {
    expect(state).toMatchObject({ apiVersion: CLUSTER_STATE_API_VERSION, kind: 'QuidditchClusterState', exportedAt: '2026-02-03T04:05:06.000Z', namespace: 'src' });
    expect(state.indices.map((i) => i.name)).toEqual(['a', 'b']);
    expect(state.indices[0]).toEqual({
      name: 'a',
      copyUid: 'uid-a',
      annotations: { team: 'search' },
      spec: { shards: 2, replicas: 1 },
      status: { state: 'ACTIVE', health: 'green', shardAllocations: index('a').status!.shardAllocations },
    });
  });

  it('keeps a node\'s registration and a DRAINING decision, never its liveness', () => {
    expect(state.nodes).toEqual([
      { name: 'n1', spec: { nodeType: 'DATA', address: 'n1:9303', maxShards: 10 }, status: { allocatedShards: 3 } },
      { name: 'n2', spec: { nodeType: 'DATA', address: 'n2:9303', maxShards: 10 }, status: { state: 'DRAINING', allocatedShards: 3 } },
    ]);
  });

  it('exports a restored index under the copy UID it was restored with, so a second round trip keeps it', () => {
    const restored = index('a', { uid: 'new-uid', annotations: { [COPY_UID_ANNOTATION]: 'uid-a' } });
    expect(clusterSnapshot('dst', [restored], [], now).indices[0].copyUid).toBe('uid-a');
    expect(clusterSnapshot('dst', [restored], [], now).indices[0].annotations).toBeUndefined();
  });

  it('exports an index imported from another namespace with the namespace its copies carry, so the next import keeps it', () => {
    const imported = index('a', { namespace: 'dst', uid: 'new-uid', annotations: { [COPY_UID_ANNOTATION]: 'uid-a', [COPY_NAMESPACE_ANNOTATION]: 'src' } });
    const snapshot = clusterSnapshot('dst', [imported, index('b', { namespace: 'dst' })], [], now);
    expect(snapshot.indices.map((i) => ({ name: i.name, copyUid: i.copyUid, copyNamespace: i.copyNamespace, annotations: i.annotations }))).toEqual([
      { name: 'a', copyUid: 'uid-a', copyNamespace: 'src', annotations: undefined },
      { name: 'b', copyUid: 'uid-b', copyNamespace: undefined, annotations: { team: 'search' } },
    ]);
    expect(() => parseClusterState({ ...snapshot, indices: [{ ...snapshot.indices[0], copyNamespace: 'Not A Name' }] })).toThrow('indices[0].copyNamespace = "Not A Name": must be the namespace the data nodes know the copies by (or absent)');
  });

  it('parses back what it wrote, through JSON', () => {
    expect(parseClusterState(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it('rejects a document of another version or shape, naming every field at once', () => {
    expect(() => parseClusterState({ apiVersion: 'quidditch.io/state/v2', kind: 'X', namespace: 'a', indices: [{ name: 'A', spec: {}, status: {} }, 7], nodes: 'n' })).toThrow(
      [
        'Unable to read the cluster state: 7 problems. Fix:',
        '  - apiVersion = "quidditch.io/state/v2": must be "quidditch.io/state/v1" (this operator reads that version only; export again with a matching operator)',
        '  - kind = "X": must be "QuidditchClusterState"',
        '  - nodes: must be an array',
        '  - indices[0].name = "A": must be a DNS-1123 subdomain',
        '  - indices[0].copyUid: must be the UID the data nodes know the copies by',
        '  - indices[0].status.shardAllocations: must be an array (empty for an index with no copies yet)',
        '  - indices[1]: must be an object',
      ].join('\n'),
    );
  });
});

describe('import planning', () => {
  const state = clusterSnapshot('src', [index('a'), index('b')], [], new Date());

  it('conflicts with an index of the same name that owns other copies, not with one it restored before', () => {
    const other = index('a', { uid: 'someone-else' });
    const restoredBefore = index('b', { uid: 'x', annotations: { [COPY_UID_ANNOTATION]: 'uid-b' } });
    expect(importConflicts(state, [other, restoredBefore])).toEqual(['a (exported copy UID uid-a, found someone-else)']);
    expect(importConflicts(state, [])).toEqual([]);
  });

  it('conflicts with an index of the same name and UID whose copies carry another namespace', () => {
    const importedHere = index('a', { namespace: 'dst', uid: 'new', annotations: { [COPY_UID_ANNOTATION]: 'uid-a', [COPY_NAMESPACE_ANNOTATION]: 'src' } });
    expect(importConflicts(state, [importedHere])).toEqual([]);
    const elsewhere = index('a', { namespace: 'dst', uid: 'new', annotations: { [COPY_UID_ANNOTATION]: 'uid-a', [COPY_NAMESPACE_ANNOTATION]: 'third' } });
    expect(importConflicts(state, [elsewhere])).toEqual(['a (exported copy UID uid-a of namespace src, found uid-a of namespace third)']);
  });

  it('names the copies of an index imported into another namespace by the exported namespace and UID', () => {
    const imported = index('a', { namespace: 'dst', uid: 'new', annotations: { [COPY_UID_ANNOTATION]: 'uid-a', [COPY_NAMESPACE_ANNOTATION]: 'src' } });
    expect(copyIdentityOf(imported)).toEqual({ namespace: 'src', name: 'a', uid: 'uid-a' });
    expect(copyIdentityOf(index('c', { namespace: 'dst' }))).toEqual({ namespace: 'dst', name: 'c', uid: 'uid-c' });
  });

  it('names the copies by the restored UID and holds the operator off while restoring', () => {
    const restoring = index('a', { uid: 'new', annotations: { [COPY_UID_ANNOTATION]: 'old', [RESTORING_ANNOTATION]: 'true' } });
    expect(copyUidOf(restoring)).toBe('old');
    expect(isRestoring(restoring)).toBe(true);
    expect(copyUidOf(index('c'))).toBe('uid-c');
    expect(isRestoring(index('c'))).toBe(false);
  });
});

describe('the export/import command line', () => {
  it('takes the command, the namespace and an optional kubeconfig', () => {
    expect(parseStateArgs(['export', '--namespace', 'search'], {})).toEqual({ command: 'export', namespace: 'search' });
    expect(parseStateArgs(['import', '-n', 'search', '--kubeconfig', '/k'], {})).toEqual({ command: 'import', namespace: 'search', kubeconfig: '/k' });
    expect(parseStateArgs(['import'], { QUIDDITCH_NAMESPACE: 'env' })).toEqual({ command: 'import', namespace: 'env' });
  });

  it('requires a namespace rather than guessing one', () => {
    expect(parseStateArgs(['export'], {})).toEqual({ error: expect.stringContaining('Unable to export the cluster state: --namespace is required') });
    expect(parseStateArgs(['export', '--nope'], {})).toEqual({ error: expect.stringContaining("Unable to export the cluster state: Unknown option '--nope'") });
  });
});

describe('the migration export waits for the operator to let go of its Lease', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  it('sees a holder while the lease is fresh, and nobody once it is released or expired', () => {
    expect(activeHolder({ holderIdentity: 'op-1', renewTime: '2026-01-01T00:00:50Z', leaseDurationSeconds: 15 }, now)).toBe('op-1');
    expect(activeHolder({ holderIdentity: 'op-1', renewTime: '2026-01-01T00:00:40Z', leaseDurationSeconds: 15 }, now)).toBeUndefined();
    expect(activeHolder({ holderIdentity: '', renewTime: '2026-01-01T00:00:59Z', leaseDurationSeconds: 15 }, now)).toBeUndefined();
    expect(activeHolder(undefined, now)).toBeUndefined();
  });

  it('takes --configmap and --wait-for-lease for export only', () => {
    expect(parseStateArgs(['export', '-n', 's', '--configmap=s-initial-state', '--wait-for-lease=s-operator'], {})).toEqual({ command: 'export', namespace: 's', configmap: 's-initial-state', waitForLease: 's-operator' });
    expect(parseStateArgs(['import', '-n', 's', '--configmap=x'], {})).toEqual({ error: expect.stringContaining('Unable to import the cluster state: --configmap and --wait-for-lease are export options.') });
  });
});
