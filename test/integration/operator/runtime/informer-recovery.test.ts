/**
 * The informer must outlive an API-server outage: client-node's ListWatch stops for good on the
 * first connection error, ResilientInformer restarts it. This file runs its own control plane so
 * stopping kube-apiserver does not disturb other test files.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { QuidditchIndex } from '../../../../lib/api/v1';
import { createLogger } from '../../../../lib/operator/logger';
import { OperatorMetrics } from '../../../../lib/operator/metrics';
import { ResilientInformer } from '../../../../lib/operator/runtime/informer';
import { ControlPlane } from '../../../support/control-plane';
import { applyCrds } from '../../../support/crds';
import { waitFor } from '../../../support/kube';

const GROUP = { group: 'quidditch.io', version: 'v1', plural: 'quidditchindices' } as const;
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function restarts(metrics: OperatorMetrics): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'informer_restarts_total');
  return metric?.values.find((v) => v.labels.resource === GROUP.plural)?.value ?? 0;
}

describe('ResilientInformer across a kube-apiserver restart', () => {
  let cp: ControlPlane;
  let kc: KubeConfig;
  let informer: ResilientInformer<QuidditchIndex> | undefined;
  const namespace = 'recovery';

  beforeAll(async () => {
    cp = await ControlPlane.start();
    kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    await applyCrds(kc);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  }, 120_000);
  afterAll(async () => {
    await informer?.stop();
    await cp?.stop();
  });

  it('restarts with backoff while the server is down, keeps its cache, and sees new objects once it is back', async () => {
    const metrics = new OperatorMetrics();
    informer = new ResilientInformer<QuidditchIndex>({
      kubeConfig: kc, plural: GROUP.plural, namespace, log, metrics, resyncPeriodMs: 0, initialBackoffMs: 200, maxBackoffMs: 1000,
    });
    const added: string[] = [];
    informer.onAdd((o) => added.push(o.metadata.name ?? ''));
    await informer.start();
    await informer.waitForSync();
    const api = kc.makeApiClient(CustomObjectsApi);
    const body = (name: string) => ({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name }, spec: { shards: 1, replicas: 0 } });
    await api.createNamespacedCustomObject({ ...GROUP, namespace, body: body('before') });
    await waitFor(() => added.includes('before'), { description: 'add of "before"', timeoutMs: 10_000 });

    await cp.stopApiServer();
    await waitFor(async () => (await restarts(metrics)) >= 2, { description: 'at least two informer restarts during the outage', timeoutMs: 20_000 });
    expect(informer.get(namespace, 'before')).toBeDefined(); // the cache survives the outage

    await cp.startApiServer();
    await api.createNamespacedCustomObject({ ...GROUP, namespace, body: body('after') });
    await waitFor(() => added.includes('after'), { description: 'add of "after" once the server is back', timeoutMs: 30_000 });
    expect(informer.list().map((o) => o.metadata.name).sort()).toEqual(['after', 'before']);
  }, 120_000);

  it('syncs for the first time only once the server becomes reachable', async () => {
    await informer?.stop();
    await cp.stopApiServer();
    const metrics = new OperatorMetrics();
    informer = new ResilientInformer<QuidditchIndex>({ kubeConfig: kc, plural: GROUP.plural, namespace, log, metrics, resyncPeriodMs: 0, initialBackoffMs: 200, maxBackoffMs: 1000 });
    await informer.start();
    await waitFor(async () => (await restarts(metrics)) >= 1, { description: 'a failed first list', timeoutMs: 20_000 });
    expect(informer.hasSynced()).toBe(false);
    await cp.startApiServer();
    await informer.waitForSync();
    expect(informer.list().length).toBe(2);
  }, 120_000);
});
