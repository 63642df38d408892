/**
 * Two clusters in one namespace: an operator started with --cluster-name serves only the indices
 * labelled for its cluster, leaves the other cluster's alone, and marks an index naming no
 * cluster with Ready=False/ClusterNotNamed.
 */
import type { QuidditchIndex } from '../../../lib/api/v1';
import { CLUSTER_LABEL } from '../../../lib/model/labels';
import { clusterNotNamedMessage } from '../../../lib/operator/controllers/unnamed-index-reconciler';
import { createTestNamespace } from '../../support/kube';
import { Cluster } from './fixtures';
import { OperatorProcess, stopAll } from './harness';

let cluster: Cluster;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('op-cluster-name'));
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--cluster-name=a'] });
}, 60_000);

afterAll(async () => {
  await stopAll();
});

function create(name: string, clusterName?: string): Promise<QuidditchIndex> {
  return cluster.indices.create(cluster.namespace, {
    apiVersion: 'quidditch.io/v1',
    kind: 'QuidditchIndex',
    metadata: { name, namespace: cluster.namespace, ...(clusterName ? { labels: { [CLUSTER_LABEL]: clusterName } } : {}) },
    spec: { shards: 1, replicas: 0 },
  });
}

describe('an operator with --cluster-name', () => {
  it('serves its own indices, ignores the other cluster\'s, and flags indices that name none', async () => {
    await create('for-b', 'b');
    await create('unnamed');
    await create('for-a', 'a');
    const unnamed = await cluster.waitForIndex('unnamed', (i) => i.status?.conditions?.some((c) => c.reason === 'ClusterNotNamed') ?? false, 'Ready=False/ClusterNotNamed');
    expect(unnamed.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False', reason: 'ClusterNotNamed', message: clusterNotNamedMessage(cluster.namespace, 'unnamed'),
    });
    expect(unnamed.metadata.finalizers ?? []).toEqual([]);
    // for-a is this operator's: it gets the finalizer and a plan (no data nodes here, so it waits).
    await cluster.waitForIndex('for-a', (i) => (i.metadata.finalizers ?? []).includes('quidditch.io/index-protection') && i.status?.state !== undefined, 'finalizer and state');
    // for-b was created before both and belongs to cluster b: untouched.
    const forB = await cluster.index('for-b');
    expect([forB.metadata.finalizers ?? [], forB.status]).toEqual([[], undefined]);
  });
});
