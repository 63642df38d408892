import { ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, RESOURCE_DEFINITIONS } from '../../../lib/api/v1';
import { createTestNamespace, deleteNamespace, testKubeConfig } from '../../support/kube';

const kc = testKubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const ref = (plural: string, namespace: string) => ({ group: API_GROUP, version: API_VERSION, namespace, plural });
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type Obj = { metadata: { name: string; resourceVersion: string; generation: number }; spec: Record<string, unknown>; status?: Record<string, unknown> };

let ns: string;
beforeAll(async () => {
  ns = await createTestNamespace('crds');
});
afterAll(async () => {
  await deleteNamespace(ns);
});

describe('the Quidditch CRDs on a real API server', () => {
  it.each(RESOURCE_DEFINITIONS.map((d) => [`${d.plural}.${API_GROUP}`]))('%s is Established with names accepted', async (name) => {
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name });
    const conditions = Object.fromEntries((crd.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
  });

  it('accepts a valid QuidditchIndex and applies the replicas default', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...ref('quidditchindices', ns),
      body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'QuidditchIndex', metadata: { name: 'products' }, spec: { shards: 3, settings: { refresh_interval: '1s' }, mappings: { dynamic: 'strict', properties: { title: { type: 'text', analyzer: 'standard' } } } } },
    })) as Obj;
    expect(created.spec).toEqual({ shards: 3, replicas: 1, settings: { refresh_interval: '1s' }, mappings: { dynamic: 'strict', properties: { title: { type: 'text', analyzer: 'standard' } } } });
  });

  it('accepts a valid QuidditchNode and applies the tier and maxShards defaults', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...ref('quidditchnodes', ns),
      body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'QuidditchNode', metadata: { name: 'data-0' }, spec: { nodeType: 'DATA', address: 'data-0.data.search.svc:9303', zone: 'zone-a' } },
    })) as Obj;
    expect(created.spec).toEqual({ nodeType: 'DATA', address: 'data-0.data.search.svc:9303', zone: 'zone-a', tier: 'hot', maxShards: 1000 });
  });

  it('accepts a valid ShardAllocation', async () => {
    const spec = { indexName: 'products', shardId: 2, isPrimary: true, assignedNode: 'data-0' };
    const created = (await custom.createNamespacedCustomObject({
      ...ref('shardallocations', ns),
      body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'ShardAllocation', metadata: { name: 'products-2-primary' }, spec },
    })) as Obj;
    expect(created.spec).toEqual(spec);
  });

  it('drops status sent with a create, because status is a subresource', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...ref('quidditchindices', ns),
      body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'QuidditchIndex', metadata: { name: 'status-on-create' }, spec: { shards: 1 }, status: { state: 'ACTIVE', health: 'green' } },
    })) as Obj;
    expect(created.status).toBeUndefined();
  });

  it('ignores status written through the main resource', async () => {
    await custom.createNamespacedCustomObject({
      ...ref('quidditchindices', ns),
      body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'QuidditchIndex', metadata: { name: 'status-via-main' }, spec: { shards: 2 } },
    });
    const patched = (await custom.patchNamespacedCustomObject(
      { ...ref('quidditchindices', ns), name: 'status-via-main', body: { spec: { replicas: 2 }, status: { state: 'ACTIVE', health: 'green' } } },
      mergePatch,
    )) as Obj;
    expect(patched.spec.replicas).toBe(2);
    expect(patched.status).toBeUndefined();
  });

  it('stores status written through /status and ignores spec changes sent there', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...ref('quidditchindices', ns),
      body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'QuidditchIndex', metadata: { name: 'status-via-subresource' }, spec: { shards: 2 } },
    })) as Obj;
    const status = {
      state: 'ACTIVE',
      health: 'green',
      observedGeneration: created.metadata.generation,
      shardAllocations: [{ shardId: 0, nodeId: 'data-0', primary: true, state: 'STARTED' }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'AllShardsStarted', message: 'Every shard copy has started.', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    };
    const patched = (await custom.patchNamespacedCustomObjectStatus(
      { ...ref('quidditchindices', ns), name: 'status-via-subresource', body: { spec: { replicas: 4 }, status } },
      mergePatch,
    )) as Obj;
    expect(patched.status).toEqual(status);
    expect(patched.spec).toEqual({ shards: 2, replicas: 1 });
    // A status write is not a spec change: generation stays, so observedGeneration stays meaningful.
    expect(patched.metadata.generation).toBe(created.metadata.generation);
  });
});
