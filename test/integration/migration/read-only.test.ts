/**
 * The migration's read-only phase on the real API server: the synthesized ValidatingAdmissionPolicy
 * and binding refuse every write to the namespace's QuidditchIndex objects with a message that says a
 * migration is in progress and how to roll back; the operator's ServiceAccount may still finish its
 * work at `read-only` but not from `export` on; node heartbeats pass; rolling back restores writes.
 * Policies reach the API server's admission chain asynchronously, so each phase waits for its effect.
 */
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import type { MigrationStep } from '../../../lib/model/migration';
import { TEST_FIELD_MANAGER } from '../../support/crds';
import { createTestNamespace, deleteNamespace, kubectl, testKubeConfig, waitFor } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import { ManifestObject, ServerSideApplier } from '../../support/server-side-apply';

const kc = testKubeConfig();
const applier = new ServerSideApplier(kc, { fieldManager: TEST_FIELD_MANAGER, force: true });
let ns: string;
let previous: ManifestObject[] = [];

const indexPath = (name = '') => `/apis/quidditch.io/v1/namespaces/${ns}/quidditchindices${name ? `/${name}` : ''}`;
const operatorUser = () => `system:serviceaccount:${ns}:search-operator`;
const key = (o: ManifestObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * Applies one migration step as `kubectl apply --prune` or `pulumi up` would: every object of the
 * step's output (the CRDs are the test setup's), and deletes what the previous step had but this one has not.
 */
async function applyStep(step?: MigrationStep): Promise<void> {
  const objects = (synthesizeClusterManifests({ name: 'search', namespace: ns, mode: step === 'complete' ? 'raft' : 'k8s', ...(step ? { migration: step } : {}) }) as ManifestObject[])
    .filter((o) => o.kind !== 'CustomResourceDefinition');
  await applier.applyAll(objects);
  const now = new Set(objects.map(key));
  for (const gone of previous.filter((o) => !now.has(key(o)))) await rawRequest(kc, { method: 'DELETE', path: await applier.objectPath(gone) });
  previous = objects;
}

const patchReplicas = (replicas: number) =>
  rawRequest(kc, { method: 'PATCH', path: indexPath('logs'), body: JSON.stringify({ spec: { replicas } }), contentType: 'application/merge-patch+json' });

/** kubectl as the operator's ServiceAccount: a status write like the operator's own. */
const operatorStatusPatch = (health: string) =>
  kubectl(['--as', operatorUser(), '-n', ns, 'patch', 'quidditchindex', 'logs', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { health } })]);

beforeAll(async () => {
  ns = await createTestNamespace('migration-ro');
  await applyStep();
  const created = await rawRequest(kc, { method: 'POST', path: indexPath(), body: JSON.stringify({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'logs' }, spec: { shards: 2, replicas: 1 } }) });
  expect(created.status).toBe(201);
  const node = await rawRequest(kc, { method: 'POST', path: `/apis/quidditch.io/v1/namespaces/${ns}/quidditchnodes`, body: JSON.stringify({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchNode', metadata: { name: 'data-0' }, spec: { nodeType: 'DATA', address: 'data-0:9303' } }) });
  expect(node.status).toBe(201);
});

afterAll(async () => {
  // The policy and binding are cluster-scoped: remove them so nothing outlives the test.
  for (const o of previous.filter((p) => !p.metadata.namespace)) await rawRequest(kc, { method: 'DELETE', path: await applier.objectPath(o) });
  await deleteNamespace(ns);
});

describe('the read-only phase of a migration', () => {
  it('accepts writes before the read-only step', async () => {
    await applyStep('add-masters');
    expect((await patchReplicas(2)).status).toBe(200);
  });

  it('rejects spec changes, creations and deletions of indices at read-only, saying a migration is in progress and how to roll back', async () => {
    await applyStep('read-only');
    const rejected = await waitFor(async () => {
      const res = await patchReplicas(3);
      return res.status !== 200 ? res : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250, description: 'the read-only policy to reject a spec change' });
    expect(rejected.status).toBe(403);
    // Until the policy took effect the probe's own patches went through; from here nothing may change.
    const specNow = async () => (JSON.parse((await rawRequest(kc, { method: 'GET', path: indexPath('logs') })).body) as { spec: { replicas: number } }).spec;
    const before = await specNow();
    const message = (JSON.parse(rejected.body) as { message: string }).message;
    expect(message).toContain(`Quidditch cluster search is migrating from k8s to raft mode (step read-only)`);
    expect(message).toContain(`in namespace ${ns} are read-only`);
    expect(message).toContain("roll back by applying the cluster with migration: 'add-masters'");

    const create = await rawRequest(kc, { method: 'POST', path: indexPath(), body: JSON.stringify({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'new' }, spec: { shards: 1 } }) });
    expect(create.status).toBe(403);
    const del = await rawRequest(kc, { method: 'DELETE', path: indexPath('logs') });
    expect(del.status).toBe(403);
    const kubectlEdit = await kubectl(['-n', ns, 'patch', 'qidx', 'logs', '--type=merge', '-p', '{"spec":{"replicas":0}}']);
    expect(kubectlEdit.code).not.toBe(0);
    expect(kubectlEdit.stderr).toContain('is migrating from k8s to raft mode');
    expect((await patchReplicas(4)).status).toBe(403);
    expect(await specNow()).toEqual(before);
    expect((await rawRequest(kc, { method: 'GET', path: indexPath('new') })).status).toBe(404);
  });

  it("lets the operator's ServiceAccount finish in-flight work at read-only, and lets node heartbeats through", async () => {
    const asOperator = await operatorStatusPatch('yellow');
    expect({ code: asOperator.code, stderr: asOperator.stderr }).toEqual({ code: 0, stderr: '' });
    const heartbeat = await rawRequest(kc, {
      method: 'PATCH', path: `/apis/quidditch.io/v1/namespaces/${ns}/quidditchnodes/data-0/status`,
      body: JSON.stringify({ status: { lastHeartbeat: new Date().toISOString() } }), contentType: 'application/merge-patch+json',
    });
    expect(heartbeat.status).toBe(200);
  });

  it('refuses the operator too from the export step on', async () => {
    await applyStep('export');
    const refused = await waitFor(async () => {
      const res = await operatorStatusPatch('red');
      return res.code !== 0 ? res : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250, description: 'the policy to refuse the operator as well' });
    expect(refused.stderr).toContain("migrating from k8s to raft mode (step export)");
    expect(refused.stderr).toContain("migration: 'read-only'");
  });

  it('accepts writes again once rolled back past the read-only step', async () => {
    for (const step of ['read-only', 'add-masters'] as const) await applyStep(step);
    const accepted = await waitFor(async () => ((await patchReplicas(1)).status === 200 ? true : undefined), {
      timeoutMs: 30_000, intervalMs: 250, description: 'writes to be accepted after the rollback',
    });
    expect(accepted).toBe(true);
  });
});
