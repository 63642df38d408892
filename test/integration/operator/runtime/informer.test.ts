import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { QuidditchIndex } from '../../../../lib/api/v1';
import { createLogger } from '../../../../lib/operator/logger';
import { OperatorMetrics } from '../../../../lib/operator/metrics';
import { ResilientInformer } from '../../../../lib/operator/runtime/informer';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../../support/kube';

const GROUP = { group: 'quidditch.io', version: 'v1', plural: 'quidditchindices' } as const;
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

function indexBody(name: string, replicas = 1): QuidditchIndex {
  return { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name }, spec: { shards: 1, replicas } };
}

async function createIndex(kc: KubeConfig, namespace: string, name: string, replicas = 1): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...GROUP, namespace, body: indexBody(name, replicas) });
}

/** Records every event the informer emits, per object name. */
function recordEvents(informer: ResilientInformer<QuidditchIndex>) {
  const events: Array<{ type: 'add' | 'update' | 'delete'; name: string; replicas?: number; resourceVersion?: string }> = [];
  const push = (type: 'add' | 'update' | 'delete') => (o: QuidditchIndex) =>
    events.push({ type, name: o.metadata.name ?? '', replicas: o.spec?.replicas, resourceVersion: o.metadata.resourceVersion });
  informer.onAdd(push('add'));
  informer.onUpdate(push('update'));
  informer.onDelete(push('delete'));
  return events;
}

describe('ResilientInformer against the real API server', () => {
  let kc: KubeConfig;
  let namespace: string;
  let informer: ResilientInformer<QuidditchIndex> | undefined;

  beforeAll(async () => {
    kc = testKubeConfig();
    namespace = await createTestNamespace('informer');
  });
  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
  });
  afterAll(async () => {
    await deleteNamespace(namespace);
  });

  function make(resyncPeriodMs = 0): ResilientInformer<QuidditchIndex> {
    informer = new ResilientInformer<QuidditchIndex>({ kubeConfig: kc, plural: GROUP.plural, namespace, resyncPeriodMs, log, metrics: new OperatorMetrics() });
    return informer;
  }

  it('is not synced before start and lists existing objects once waitForSync resolves', async () => {
    await createIndex(kc, namespace, 'pre-existing');
    const inf = make();
    const events = recordEvents(inf);
    expect(inf.hasSynced()).toBe(false);
    void inf.start();
    await inf.waitForSync();
    expect(inf.hasSynced()).toBe(true);
    expect(inf.list().map((o) => o.metadata.name)).toContain('pre-existing');
    expect(inf.get(namespace, 'pre-existing')?.spec.shards).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'add', name: 'pre-existing' }));
  });

  it('sees an add, an update and a delete of a QuidditchIndex', async () => {
    const inf = make();
    const events = recordEvents(inf);
    await inf.start();
    await inf.waitForSync();
    const api = kc.makeApiClient(CustomObjectsApi);

    await createIndex(kc, namespace, 'lifecycle', 1);
    await waitFor(() => events.some((e) => e.type === 'add' && e.name === 'lifecycle'), { description: 'add event', timeoutMs: 10_000 });

    await api.patchNamespacedCustomObject({ ...GROUP, namespace, name: 'lifecycle', body: { spec: { replicas: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor(() => events.some((e) => e.type === 'update' && e.name === 'lifecycle' && e.replicas === 2), { description: 'update event with replicas 2', timeoutMs: 10_000 });
    expect(inf.get(namespace, 'lifecycle')?.spec.replicas).toBe(2);

    await api.deleteNamespacedCustomObject({ ...GROUP, namespace, name: 'lifecycle' });
    await waitFor(() => events.some((e) => e.type === 'delete' && e.name === 'lifecycle'), { description: 'delete event', timeoutMs: 10_000 });
    expect(inf.get(namespace, 'lifecycle')).toBeUndefined();
  });

  it('re-emits every cached object as an update on each resync, without any change', async () => {
    await createIndex(kc, namespace, 'resynced');
    const inf = make(300);
    const events = recordEvents(inf);
    await inf.start();
    await inf.waitForSync();
    const rv = inf.get(namespace, 'resynced')?.metadata.resourceVersion;
    const resyncs = () => events.filter((e) => e.type === 'update' && e.name === 'resynced' && e.resourceVersion === rv).length;
    await waitFor(() => resyncs() >= 3, { description: 'three resync updates of an unchanged object', timeoutMs: 10_000 });
  });

  it('stops emitting after stop()', async () => {
    const inf = make();
    const events = recordEvents(inf);
    await inf.start();
    await inf.waitForSync();
    await inf.stop();
    await createIndex(kc, namespace, 'after-stop');
    // Prove the object exists and another informer sees it, then check the stopped one did not.
    const other = make();
    await other.start();
    await other.waitForSync();
    expect(other.get(namespace, 'after-stop')).toBeDefined();
    expect(events.some((e) => e.name === 'after-stop')).toBe(false);
    await inf.stop();
  });
});
