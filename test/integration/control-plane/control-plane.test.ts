/**
 * The test control plane itself: its own kube-apiserver restart, RBAC and PodSecurity really on,
 * and the warning collection the manifest tests rely on really sees warnings.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { ControlPlane } from '../../support/control-plane';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import { ServerSideApplier, statusMessage } from '../../support/server-side-apply';

const kc = testKubeConfig();
let ns: string;

beforeAll(async () => {
  ns = await createTestNamespace('control-plane', { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
});
afterAll(async () => {
  await deleteNamespace(ns);
});

const rootPodSpec = { containers: [{ name: 'app', image: 'busybox:1.36', securityContext: { runAsUser: 0 } }] };

describe('the shared test control plane', () => {
  it('returns PodSecurity warnings for a workload template that violates restricted', async () => {
    const applier = new ServerSideApplier(kc, { fieldManager: 'quidditch-test' });
    const { warnings } = await applier.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'root-app', namespace: ns },
      spec: { selector: { matchLabels: { app: 'root' } }, template: { metadata: { labels: { app: 'root' } }, spec: rootPodSpec } },
    });
    expect(warnings.join('\n')).toContain('would violate PodSecurity "restricted:latest"');
    expect(warnings.join('\n')).toContain('runAsNonRoot != true');
  });

  it('enforces restricted Pod Security on pods', async () => {
    const res = await rawRequest(kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/pods`,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root-pod' }, spec: rootPodSpec }),
    });
    expect(res.status).toBe(403);
    expect(statusMessage(res.body)).toContain('pods "root-pod" is forbidden: violates PodSecurity "restricted:latest"');
  });

  it('authorizes with RBAC: a service account token without bindings is forbidden', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });
    const tokenRequest = await core.createNamespacedServiceAccountToken({ name: 'nobody', namespace: ns, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const saConfig = new KubeConfig();
    saConfig.loadFromOptions({
      clusters: [kc.getCurrentCluster()!],
      users: [{ name: 'nobody', token: tokenRequest.status!.token }],
      contexts: [{ name: 'nobody', cluster: kc.getCurrentCluster()!.name, user: 'nobody' }],
      currentContext: 'nobody',
    });
    const res = await rawRequest(saConfig, { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets` });
    expect(res.status).toBe(403);
    expect(res.body).toContain(`system:serviceaccount:${ns}:nobody`);
  });
});

describe('a dedicated ControlPlane', () => {
  it('restarts kube-apiserver on the same port with the same data, and removes everything on stop', async () => {
    const cp = await ControlPlane.start();
    try {
      const own = new KubeConfig();
      own.loadFromFile(cp.kubeconfigPath);
      const core = own.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: 'survives-restart' } } });

      await cp.stopApiServer();
      await expect(core.readNamespace({ name: 'survives-restart' })).rejects.toThrow(/ECONNREFUSED/);

      await cp.startApiServer();
      const read = await waitFor(() => core.readNamespace({ name: 'survives-restart' }), { description: 'the namespace after the restart', timeoutMs: 30_000 });
      expect(read.metadata?.name).toBe('survives-restart');
    } finally {
      await cp.stop();
    }
    expect(existsSync(cp.dir)).toBe(false);
    await expect(cp.processExit('etcd')).resolves.toBeDefined();
    await expect(cp.processExit('kube-apiserver')).resolves.toBeDefined();
  });
});

describe('waitFor', () => {
  it('names what it waited for and the last failure when it times out', async () => {
    await expect(
      waitFor(() => {
        throw new Error('not yet');
      }, { description: 'the impossible', timeoutMs: 300, intervalMs: 50 }),
    ).rejects.toThrow('Timed out after 300 ms waiting for the impossible; last attempt threw not yet');
  });

  it('returns the first truthy value', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? calls : 0), { description: 'three calls', intervalMs: 10 })).resolves.toBe(3);
  });
});
