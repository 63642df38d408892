/**
 * Server-side proof of what the constructs synthesize: every object of both modes is accepted by
 * a real API server in a namespace that enforces the `restricted` Pod Security Standard, with zero
 * warnings (PodSecurity admission only *warns* for workload templates, so warnings are the signal),
 * and re-applying the same output changes nothing.
 */
import { QuidditchClusterProps } from '../../../lib/model/props';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import { TEST_FIELD_MANAGER } from '../../support/crds';
import { createTestNamespace, deleteNamespace, testKubeConfig } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import { AppliedObject, describeObject, ManifestObject, ServerSideApplier } from '../../support/server-side-apply';

const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};

const kc = testKubeConfig();
const applier = new ServerSideApplier(kc, { fieldManager: TEST_FIELD_MANAGER, force: true });
const namespaces: string[] = [];
const clusterScoped: ManifestObject[] = [];

const warningsOf = (applied: readonly AppliedObject[]) =>
  Object.fromEntries(applied.filter((a) => a.warnings.length > 0).map((a) => [describeObject(a.object), a.warnings]));
const resourceVersions = (applied: readonly AppliedObject[]) =>
  Object.fromEntries(applied.map((a) => [describeObject(a.object), a.object.metadata.resourceVersion]));

afterAll(async () => {
  // Namespaces never finish deleting without a controller-manager, but their cluster-scoped RBAC
  // would otherwise linger on the shared server.
  for (const obj of clusterScoped.filter((o) => o.kind !== 'CustomResourceDefinition')) {
    const path = await applier.objectPath(obj);
    await rawRequest(kc, { method: 'DELETE', path });
  }
  for (const ns of namespaces) await deleteNamespace(ns);
});

describe.each([
  ['k8s', { mode: 'k8s' }],
  ['raft', { mode: 'raft' }],
] as const)('the synthesized %s-mode cluster on a real API server', (mode, props: QuidditchClusterProps) => {
  let ns: string;
  let objects: ManifestObject[];
  let first: AppliedObject[];

  beforeAll(async () => {
    ns = await createTestNamespace(`manifests-${mode}`, RESTRICTED);
    namespaces.push(ns);
    objects = synthesizeClusterManifests({ ...props, namespace: ns }) as ManifestObject[];
    clusterScoped.push(...objects.filter((o) => !o.metadata.namespace));
  });

  it('synthesizes workloads and places every namespaced object in the target namespace', () => {
    expect(objects.some((o) => o.kind === 'StatefulSet')).toBe(true);
    const namespaced = objects.filter((o) => o.metadata.namespace !== undefined);
    expect(namespaced.length).toBeGreaterThan(0);
    expect(namespaced.filter((o) => o.metadata.namespace !== ns).map(describeObject)).toEqual([]);
  });

  it('is accepted object by object with server-side apply, with zero warnings under restricted Pod Security', async () => {
    first = await applier.applyAll(objects);
    expect(first).toHaveLength(objects.length);
    expect(warningsOf(first)).toEqual({});
  });

  it('re-applies as a no-op: no resourceVersion changes', async () => {
    expect(first).toBeDefined();
    const second = await applier.applyAll(objects);
    expect(warningsOf(second)).toEqual({});
    expect(resourceVersions(second)).toEqual(resourceVersions(first));
  });
});

describe('the synthesized CRDs and the committed crds/ the test setup installs', () => {
  it('agree on the schema: applying the synthesized CRDs over them does not change their spec', async () => {
    const crds = (synthesizeClusterManifests({ mode: 'k8s', namespace: 'default' }) as ManifestObject[]).filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds).toHaveLength(3);
    // The global setup applied crds/ with the same field manager; metadata.generation only moves
    // when the spec changes (labels may differ: the constructs add the recommended labels).
    const before = await Promise.all(crds.map(async (crd) => JSON.parse((await rawRequest(kc, { method: 'GET', path: await applier.objectPath(crd) })).body)));
    const applied = await applier.applyAll(crds);
    expect(warningsOf(applied)).toEqual({});
    expect(applied.map((a) => [a.object.metadata.name, (a.object.metadata as { generation?: number }).generation])).toEqual(
      before.map((b: { metadata: { name: string; generation: number } }) => [b.metadata.name, b.metadata.generation]),
    );
  });
});
