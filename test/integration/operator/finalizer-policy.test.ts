/**
 * `operator.finalizerAdmissionPolicy`: the MutatingAdmissionPolicy the constructs emit puts the
 * index finalizer on each new index of the cluster as the API server admits it (here v1beta1, which
 * the test API server serves with the feature gate on). The operator then has no finalizer PATCH to
 * make, and still cleans the copies up when the index is deleted.
 */
import { INDEX_FINALIZER, type QuidditchIndex } from '../../../lib/api/v1';
import { Watch } from '@kubernetes/client-node';
import { CLUSTER_LABEL } from '../../../lib/model/labels';
import { installFinalizerPolicy } from '../../support/finalizer-policy';
import { createTestNamespace, testKubeConfig, waitFor } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import type { ManifestObject } from '../../support/server-side-apply';
import { describeObject, ServerSideApplier } from '../../support/server-side-apply';
import { Cluster, heldCopies } from './fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from './harness';

const installed: ManifestObject[] = [];

afterAll(async () => {
  await stopAll();
  // Cluster-scoped: removed so they outlive neither the run nor their namespaces.
  const applier = new ServerSideApplier(testKubeConfig(), { fieldManager: 'quidditch-test' });
  for (const o of installed.reverse()) {
    const res = await rawRequest(testKubeConfig(), { method: 'DELETE', path: await applier.objectPath(o) });
    if (res.status !== 200 && res.status !== 404) throw new Error(`Unable to delete ${describeObject(o)}: HTTP ${res.status}`);
  }
});

function create(cluster: Cluster, name: string, metadata: { labels?: Record<string, string>; finalizers?: string[] } = {}): Promise<QuidditchIndex> {
  return cluster.indices.create(cluster.namespace, {
    apiVersion: 'quidditch.io/v1',
    kind: 'QuidditchIndex',
    metadata: { name, namespace: cluster.namespace, ...metadata },
    spec: { shards: 2, replicas: 0 },
  });
}

describe('the index finalizer policy', () => {
  it('adds the finalizer to every index created in the cluster\'s namespace, next to the index\'s own, once, and to none elsewhere', async () => {
    const cluster = new Cluster(await createTestNamespace('fin-policy'));
    const elsewhere = new Cluster(await createTestNamespace('fin-policy-other'));
    installed.push(...(await installFinalizerPolicy(cluster.kc, { namespace: cluster.namespace, operator: { finalizerAdmissionPolicy: 'v1beta1' } })));

    expect((await create(cluster, 'plain')).metadata.finalizers).toEqual([INDEX_FINALIZER]);
    expect((await create(cluster, 'own', { finalizers: ['example.com/backup'] })).metadata.finalizers).toEqual(['example.com/backup', INDEX_FINALIZER]);
    expect((await create(cluster, 'already', { finalizers: [INDEX_FINALIZER] })).metadata.finalizers).toEqual([INDEX_FINALIZER]);
    expect((await create(elsewhere, 'plain')).metadata.finalizers).toBeUndefined();
  });

  it('with ownIndicesOnly, adds it only to the indices labelled for this cluster', async () => {
    const cluster = new Cluster(await createTestNamespace('fin-policy-own'));
    installed.push(...(await installFinalizerPolicy(cluster.kc, { name: 'search', namespace: cluster.namespace, operator: { finalizerAdmissionPolicy: 'v1beta1', ownIndicesOnly: true } })));

    expect((await create(cluster, 'mine', { labels: { [CLUSTER_LABEL]: 'search' } })).metadata.finalizers).toEqual([INDEX_FINALIZER]);
    expect((await create(cluster, 'theirs', { labels: { [CLUSTER_LABEL]: 'logs' } })).metadata.finalizers).toBeUndefined();
    expect((await create(cluster, 'unlabelled')).metadata.finalizers).toBeUndefined();
  });

  it('leaves the operator no finalizer to add: every stored version of the index carries it from the create on, and its deletion still removes its copies', async () => {
    const cluster = new Cluster(await createTestNamespace('fin-policy-op'));
    installed.push(...(await installFinalizerPolicy(cluster.kc, { namespace: cluster.namespace, operator: { finalizerAdmissionPolicy: 'v1beta1' } })));
    const sims = [await SimProcess.start({ name: 'd-0', namespace: cluster.namespace }), await SimProcess.start({ name: 'd-1', namespace: cluster.namespace })];
    await OperatorProcess.start({ namespace: cluster.namespace });

    // Every version the API server stores, from a watch opened before the create.
    const stored: QuidditchIndex[] = [];
    const watch = await new Watch(cluster.kc).watch(`/apis/quidditch.io/v1/namespaces/${cluster.namespace}/quidditchindices`, {}, (type, obj: QuidditchIndex) => {
      if (type !== 'DELETED') stored.push(obj);
    }, () => undefined);
    await create(cluster, 'logs');
    const active = await cluster.waitForActive('logs');
    expect((await heldCopies(sims, 'logs')).length).toBe(2);
    expect(active.status?.shardAllocations).toHaveLength(2);
    // The operator adds the finalizer only to an index without it, with a write of its own: a version without it.
    const live = stored.filter((i) => !i.metadata.deletionTimestamp);
    expect(live.length).toBeGreaterThan(1);
    expect(live.filter((i) => JSON.stringify(i.metadata.finalizers) !== JSON.stringify([INDEX_FINALIZER])).map((i) => i.metadata.resourceVersion)).toEqual([]);
    watch.abort();

    await cluster.indices.delete(cluster.namespace, 'logs');
    await waitFor(async () => ((await cluster.indices.get(cluster.namespace, 'logs')) === undefined ? true : undefined), { timeoutMs: 60_000, intervalMs: 200, description: `index logs deleted\n${allLogs()}` });
    expect(await heldCopies(sims, 'logs')).toEqual([]);
  });
});
