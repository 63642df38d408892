/**
 * KubeJsonClient (the operator's write path for custom resources and Events) against the real API
 * server: answers parsed, errors carrying the HTTP status the reconcilers branch on (404, 409), and
 * the KubeConfig's credentials read once per TTL, not per request.
 */
import type { QuidditchIndex } from '../../../lib/api/v1';
import { isConflict, statusCodeOf } from '../../../lib/operator/kube/custom-resource-client';
import { CREDENTIALS_TTL_MS, KubeApiError, KubeJsonClient } from '../../../lib/operator/kube/json-client';
import { createTestNamespace } from '../../support/kube';
import { Cluster } from './fixtures';

let cluster: Cluster;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('json-client'));
}, 60_000);

describe('KubeJsonClient', () => {
  it('writes and reads custom resources, and says 404 and 409 in the error code', async () => {
    const created = await cluster.createIndex('one', 1, 0);
    expect(created.metadata.uid).toBeTruthy();
    const missing = await cluster.indices.get(cluster.namespace, 'nope');
    expect(missing).toBeUndefined();
    // A status write computed from an old resourceVersion is refused with 409.
    const first = await cluster.indices.patchStatus(cluster.namespace, 'one', created.metadata.resourceVersion, { state: 'CREATING' });
    expect(first.status?.state).toBe('CREATING');
    const stale = await cluster.indices.patchStatus(cluster.namespace, 'one', created.metadata.resourceVersion, { state: 'ACTIVE' }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(KubeApiError);
    expect(isConflict(stale)).toBe(true);
    expect((await cluster.index('one')).status?.state).toBe('CREATING');
    // A request the server refuses for its content: the code and the server's reason.
    const http = new KubeJsonClient(cluster.kc);
    const bad = await http.request('POST', `/apis/quidditch.io/v1/namespaces/${cluster.namespace}/quidditchindices`, { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'bad' }, spec: { shards: 0 } }).catch((e: unknown) => e);
    expect(statusCodeOf(bad)).toBe(422);
    expect((bad as Error).message).toContain('Invalid');
  });

  it('updateStatus writes what the equivalent merge PATCH would, leaves metadata and spec alone, and says 409 when stale', async () => {
    const created = await cluster.createIndex('put', 2, 1);
    await cluster.indices.patchFinalizers(cluster.namespace, 'put', undefined, ['quidditch.io/test']);
    const edited = await cluster.indices.patchSpec(cluster.namespace, 'put', { replicas: 0 });
    const base = await cluster.indices.patchStatus(cluster.namespace, 'put', edited.metadata.resourceVersion, {
      state: 'CREATING',
      docsCount: 5,
      sizeBytes: 10,
      conditions: [{ type: 'Ready', status: 'False', reason: 'Creating', message: '', lastTransitionTime: new Date().toISOString() }],
      shardAllocations: [{ shardId: 0, nodeId: 'a', primary: true, state: 'STARTED' }],
    });
    // Keys left out stay, null deletes, arrays replace: RFC 7386, as the server's merge PATCH.
    const next = { state: 'ACTIVE', docsCount: 7, shardAllocations: [{ shardId: 1, nodeId: 'b', primary: true, state: 'STARTED' }], conditions: null };
    const written = await cluster.indices.updateStatus(base, next);
    expect(written.status).toEqual({ state: 'ACTIVE', docsCount: 7, sizeBytes: 10, shardAllocations: [{ shardId: 1, nodeId: 'b', primary: true, state: 'STARTED' }] });
    expect(written.metadata.finalizers).toEqual(['quidditch.io/test']);
    expect(written.metadata.uid).toBe(created.metadata.uid);
    expect(written.spec).toEqual({ shards: 2, replicas: 0 });
    // Computed from the object before that write: refused, and the newer status stands.
    const stale = await cluster.indices.updateStatus(base, { state: 'FAILED' }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect((await cluster.index('put')).status?.state).toBe('ACTIVE');
  });

  it('reads the KubeConfig credentials once per TTL, and again after it', async () => {
    let reads = 0;
    const kc = cluster.kc;
    const original = kc.applyToHTTPSOptions.bind(kc);
    const counting = Object.create(kc) as typeof kc;
    counting.applyToHTTPSOptions = (opts) => (reads++, original(opts));
    let now = 1_000_000;
    const http = new KubeJsonClient(counting, () => now);
    const path = `/apis/quidditch.io/v1/namespaces/${cluster.namespace}/quidditchindices`;
    for (let i = 0; i < 3; i++) await http.request<{ items: QuidditchIndex[] }>('GET', path);
    expect(reads).toBe(1);
    now += CREDENTIALS_TTL_MS;
    const list = await http.request<{ items: QuidditchIndex[] }>('GET', path);
    expect(reads).toBe(2);
    expect(list.items.map((i) => i.metadata.name)).toContain('one');
  });
});
