/**
 * The operator keeps its hands off an index that `import` is still restoring (annotation
 * quidditch.io/restoring): no finalizer, no plan, no copy — until the annotation goes, after which it
 * reconciles it like any other. Proof that the operator has looked at the marked index: an index
 * created after it reaches the work queue after it, and is already ACTIVE.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { RESTORING_ANNOTATION } from '../../../lib/api/v1';
import { createTestNamespace } from '../../support/kube';
import { Cluster } from '../operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../operator/harness';

let cluster: Cluster;
let sims: SimProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('state-guard'));
  sims = await Promise.all(['data-0', 'data-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  await OperatorProcess.start({ namespace: cluster.namespace });
}, 120_000);

afterAll(async () => {
  await stopAll();
});

const createCalls = async () => {
  let n = 0;
  for (const sim of sims) n += (await sim.stats()).stats.createCalls;
  return n;
};

describe('an index being restored', () => {
  it('is left alone while marked, and reconciled once the mark is removed', async () => {
    await cluster.indices.create(cluster.namespace, {
      apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex',
      metadata: { name: 'restoring', namespace: cluster.namespace, annotations: { [RESTORING_ANNOTATION]: 'true' } },
      spec: { shards: 2, replicas: 1 },
    });
    await cluster.createIndex('later', 1, 0);
    await cluster.waitForActive('later');
    const marked = await cluster.index('restoring');
    expect({ finalizers: marked.metadata.finalizers, status: marked.status }).toEqual({ finalizers: undefined, status: undefined });
    expect(await createCalls()).toBe(1); // the one copy of "later"

    await cluster.kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
      { group: 'quidditch.io', version: 'v1', namespace: cluster.namespace, plural: 'quidditchindices', name: 'restoring', body: { metadata: { annotations: { [RESTORING_ANNOTATION]: null } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const reconciled = await cluster.waitForActive('restoring');
    expect(reconciled.metadata.finalizers).toContain('quidditch.io/index-protection');
    expect(await createCalls()).toBe(5);
  }, 180_000);
});
