import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { QuidditchIndex } from '../../../../lib/api/v1';
import { createLogger } from '../../../../lib/operator/logger';
import { OperatorMetrics } from '../../../../lib/operator/metrics';
import { ResilientInformer } from '../../../../lib/operator/runtime/informer';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../../support/kube';

const GROUP = { group: 'quidditch.io', version: 'v1', plural: 'quidditchindices' } as const;
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A kubeconfig that records the URL of every request made with it (the server is real; nothing is answered here). */
function recordingKubeConfig(urls: string[]): KubeConfig {
  const kc = testKubeConfig();
  const apply = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = (context) => {
    urls.push(context.getUrl());
    return apply(context);
  };
  return kc;
}

describe('ResilientInformer lists in pages', () => {
  let namespace: string;
  let informer: ResilientInformer<QuidditchIndex> | undefined;

  beforeAll(async () => {
    namespace = await createTestNamespace('informer-pages');
    const api = testKubeConfig().makeApiClient(CustomObjectsApi);
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await api.createNamespacedCustomObject({ ...GROUP, namespace, body: { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name }, spec: { shards: 1, replicas: 0 } } });
    }
  });
  afterAll(async () => {
    await informer?.stop();
    await deleteNamespace(namespace);
  });

  it('follows continue tokens to the last page, caches every object, and watches on from the snapshot', async () => {
    const urls: string[] = [];
    informer = new ResilientInformer<QuidditchIndex>({ kubeConfig: recordingKubeConfig(urls), plural: GROUP.plural, namespace, listPageSize: 2, resyncPeriodMs: 0, log, metrics: new OperatorMetrics() });
    const added: string[] = [];
    informer.onAdd((o) => added.push(o.metadata.name ?? ''));
    await informer.start();
    await informer.waitForSync();
    expect(informer.list().map((o) => o.metadata.name).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(added.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    const lists = urls.filter((u) => !u.includes('watch=true'));
    expect(lists).toHaveLength(3);
    expect(lists.every((u) => u.includes('limit=2'))).toBe(true);
    expect(lists.slice(1).every((u) => u.includes('continue='))).toBe(true);

    // The watch starts at the list's resourceVersion: an object created now arrives as one add.
    await testKubeConfig().makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...GROUP, namespace, body: { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'f' }, spec: { shards: 1, replicas: 0 } } });
    await waitFor(() => informer?.get(namespace, 'f') !== undefined, { description: 'f in the cache' });
    expect(added.filter((n) => n === 'f')).toHaveLength(1);
  });
});
