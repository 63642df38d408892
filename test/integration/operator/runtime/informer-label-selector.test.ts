/**
 * An informer with a label selector (the operator's --cluster-name) lists and watches only the
 * indices labelled for its cluster, on the real API server.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { QuidditchIndex } from '../../../../lib/api/v1';
import { CLUSTER_LABEL } from '../../../../lib/model/labels';
import { createLogger } from '../../../../lib/operator/logger';
import { OperatorMetrics } from '../../../../lib/operator/metrics';
import { ResilientInformer } from '../../../../lib/operator/runtime/informer';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../../support/kube';

const GROUP = { group: 'quidditch.io', version: 'v1', plural: 'quidditchindices' } as const;
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('ResilientInformer with a label selector', () => {
  let kc: KubeConfig;
  let namespace: string;
  let informer: ResilientInformer<QuidditchIndex> | undefined;

  beforeAll(async () => {
    kc = testKubeConfig();
    namespace = await createTestNamespace('informer-selector');
  });
  afterAll(async () => {
    await informer?.stop();
    await deleteNamespace(namespace);
  });

  const create = (name: string, cluster?: string) => kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...GROUP,
    namespace,
    body: { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name, ...(cluster ? { labels: { [CLUSTER_LABEL]: cluster } } : {}) }, spec: { shards: 1, replicas: 0 } },
  });

  it('sees only the indices labelled for its cluster, listed and watched', async () => {
    await create('a-before', 'a');
    await create('b-before', 'b');
    await create('unlabelled');
    informer = new ResilientInformer<QuidditchIndex>({
      kubeConfig: kc, plural: GROUP.plural, namespace, labelSelector: `${CLUSTER_LABEL}=a`, resyncPeriodMs: 0, log, metrics: new OperatorMetrics(),
    });
    const added: string[] = [];
    informer.onAdd((o) => added.push(o.metadata.name ?? ''));
    void informer.start();
    await informer.waitForSync();
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['a-before']);

    await create('b-after', 'b');
    await create('a-after', 'a');
    await waitFor(() => added.includes('a-after') || undefined, { description: 'the watch to deliver a-after' });
    // The watch is ordered: b-after was created first, so had it matched it would have arrived already.
    expect(informer.list().map((o) => o.metadata.name).sort()).toEqual(['a-after', 'a-before']);
    expect(added.sort()).toEqual(['a-after', 'a-before']);
  });
});
