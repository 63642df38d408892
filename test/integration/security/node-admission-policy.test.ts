/**
 * Issue 15, item 1 against the real API server: with the synthesized k8s-mode objects applied, a
 * data node's Pod-bound token can register and heartbeat its own QuidditchNode and nothing else;
 * every refusal names the policy and the rule. The operator's token is not restricted.
 */
import { NODE_RULES } from '../../../lib/cdk8s/node-admission-policy';
import { CLUSTER_LABEL } from '../../../lib/model/labels';
import { CoreV1Api } from '@kubernetes/client-node';
import { NodeRegistration } from '../../../lib/datanode-sim/registration';
import { KubernetesNodeZones } from '../../../lib/operator/kube/node-zones';
import type { QuidditchNode } from '../../../lib/api/v1';
import { testKubeConfig } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import { customObjects, DeployedCluster, deployCluster, mergePatch, nodeBody, nodeCoords, refusal, waitUntilEnforced } from './node-identity';

const admin = testKubeConfig();
const X = 'search-data-0';
const Y = 'search-data-1';
let cluster: DeployedCluster;

const asNode = (pod: string) => customObjects(cluster.dataNodes[pod]);
const registration = (pod: string, asPod = pod, address = cluster.ownAddress(pod), kubernetesNode = cluster.kubernetesNodes[pod]) =>
  new NodeRegistration(asNode(asPod), cluster.namespace, pod, { nodeType: 'DATA', tier: 'hot', maxShards: 10, address, kubernetesNode });
const stored = async (name: string) =>
  (await customObjects(admin).getNamespacedCustomObject({ ...nodeCoords(cluster.namespace), name })) as QuidditchNode;
const patchSpec = (as: ReturnType<typeof asNode>, name: string, spec: object) =>
  as.patchNamespacedCustomObject({ ...nodeCoords(cluster.namespace), name, body: { spec } }, mergePatch());
const patchStatus = (as: ReturnType<typeof asNode>, name: string, status: object) =>
  as.patchNamespacedCustomObjectStatus({ ...nodeCoords(cluster.namespace), name, body: { status } }, mergePatch());

/** A refusal by this cluster's policy, for the named rule. */
function expectRefusedBy(r: { code: number; message: string }, rule: string): void {
  expect(r.code).toBe(403);
  expect(r.message).toContain(`ValidatingAdmissionPolicy '${cluster.policyName}'`);
  expect(r.message).toContain(`rule ${rule}:`);
}

beforeAll(async () => {
  cluster = await deployCluster(admin, 'node-policy', 2);
  await waitUntilEnforced(cluster, X);
});

afterAll(async () => {
  await cluster?.cleanUp();
});

describe('a data node with a token bound to its pod', () => {
  it('registers its own QuidditchNode and heartbeats through its status', async () => {
    for (const pod of [X, Y]) await registration(pod).register();
    await registration(X).heartbeat({ allocatedShards: 3, resources: { diskUsedBytes: 1 } }, new Date('2026-01-01T00:00:00Z'));
    const x = await stored(X);
    expect(x.spec.address).toBe(cluster.ownAddress(X));
    // The Kubernetes node its pod runs on, as the token names it: the operator reads that Node's zone.
    expect(x.spec.kubernetesNode).toBe(cluster.kubernetesNodes[X]);
    expect(x.status).toEqual(expect.objectContaining({ lastHeartbeat: '2026-01-01T00:00:00.000Z', allocatedShards: 3 }));
  });

  it('is refused another node\'s spec, naming the rule', async () => {
    expectRefusedBy(await refusal(patchSpec(asNode(X), Y, { zone: 'elsewhere' })), NODE_RULES.ownNode);
    expect((await stored(Y)).spec.zone).toBeUndefined();
  });

  it('is refused another node\'s status (a heartbeat in its name)', async () => {
    const r = await refusal(patchStatus(asNode(X), Y, { lastHeartbeat: '2030-01-01T00:00:00Z' }));
    expectRefusedBy(r, NODE_RULES.ownNode);
    expect(r.message).toContain(`data node ${X} may write only the QuidditchNode named after its own pod, not "${Y}"`);
    expect((await stored(Y)).status?.lastHeartbeat).toBeUndefined();
  });

  it('is refused another node\'s address, and any address but its own pod\'s', async () => {
    expectRefusedBy(await refusal(patchSpec(asNode(X), Y, { address: 'attacker.example:9303' })), NODE_RULES.ownNode);
    for (const address of ['attacker.example:9303', cluster.ownAddress(Y), `${cluster.ownAddress(X).replace(/:\d+$/, '')}.attacker.example:9303`]) {
      const r = await refusal(patchSpec(asNode(X), X, { address }));
      expectRefusedBy(r, NODE_RULES.ownAddress);
      expect(r.message).toContain(`not "${address}"`);
    }
    expect((await stored(X)).spec.address).toBe(cluster.ownAddress(X));
    expect((await stored(Y)).spec.address).toBe(cluster.ownAddress(Y));
  });

  it('cannot create a node named after another pod, nor with a foreign address', async () => {
    expectRefusedBy(await refusal(customObjects(cluster.dataNodes[Y]).createNamespacedCustomObject({
      ...nodeCoords(cluster.namespace), body: nodeBody(cluster.namespace, 'search-data-7', cluster.ownAddress('search-data-7')),
    })), NODE_RULES.ownNode);
    await customObjects(admin).deleteNamespacedCustomObject({ ...nodeCoords(cluster.namespace), name: Y });
    expectRefusedBy(await refusal(asNode(Y).createNamespacedCustomObject({
      ...nodeCoords(cluster.namespace), body: nodeBody(cluster.namespace, Y, 'attacker.example:9303'),
    })), NODE_RULES.ownAddress);
    await registration(Y).register();
    expect((await stored(Y)).spec.address).toBe(cluster.ownAddress(Y));
  });

  it('may label its node with its own cluster only', async () => {
    const patchLabels = (name: string, labels: Record<string, string>) =>
      asNode(X).patchNamespacedCustomObject({ ...nodeCoords(cluster.namespace), name, body: { metadata: { labels } } }, mergePatch());
    expectRefusedBy(await refusal(patchLabels(X, { [CLUSTER_LABEL]: 'other' })), NODE_RULES.ownCluster);
    await new NodeRegistration(asNode(X), cluster.namespace, X, { nodeType: 'DATA', tier: 'hot', maxShards: 10, address: cluster.ownAddress(X), kubernetesNode: cluster.kubernetesNodes[X] }, 'search').register(); // the cluster deployCluster synthesizes
    expect((await stored(X)).metadata.labels?.[CLUSTER_LABEL]).toBe('search');
  });

  it('cannot set the state or zone the operator owns, even on its own node', async () => {
    expectRefusedBy(await refusal(patchStatus(asNode(X), X, { state: 'DRAINING' })), NODE_RULES.operatorState);
    expectRefusedBy(await refusal(patchStatus(asNode(X), X, { zone: 'zone-elsewhere' })), NODE_RULES.operatorState);
    expect((await stored(X)).status?.zone).toBeUndefined();
  });

  it('may name only the Kubernetes node its pod runs on, so it cannot borrow another zone', async () => {
    const other = cluster.kubernetesNodes[Y];
    const r = await refusal(patchSpec(asNode(X), X, { kubernetesNode: other }));
    expectRefusedBy(r, NODE_RULES.ownKubernetesNode);
    expect(r.message).toContain(`(${cluster.kubernetesNodes[X]}) in spec.kubernetesNode, not "${other}"`);
    expect((await stored(X)).spec.kubernetesNode).toBe(cluster.kubernetesNodes[X]);
    // Dropping it is allowed (a node outside Kubernetes names none), and naming its own again.
    await patchSpec(asNode(X), X, { kubernetesNode: null });
    await registration(X).register();
    expect((await stored(X)).spec.kubernetesNode).toBe(cluster.kubernetesNodes[X]);
  });
});

describe('other credentials', () => {
  it('lets the operator read the zone of a data node\'s Kubernetes node by name, and list neither nodes nor pods', async () => {
    const zones = new KubernetesNodeZones(cluster.operator);
    expect(await zones.lookup(cluster.kubernetesNodes[X])).toEqual({ kind: 'found', node: cluster.kubernetesNodes[X], zone: 'zone-0' });
    expect(await zones.lookup(`${cluster.namespace}-no-such-node`)).toEqual({ kind: 'missing', node: `${cluster.namespace}-no-such-node` });
    const core = cluster.operator.makeApiClient(CoreV1Api);
    expect((await refusal(core.listNode())).code).toBe(403);
    expect((await refusal(core.listNamespacedPod({ namespace: cluster.namespace }))).code).toBe(403);
    // A data node's token reads no Node at all: the zone is the operator's to resolve.
    expect(await new KubernetesNodeZones(cluster.dataNodes[X]).lookup(cluster.kubernetesNodes[X])).toMatchObject({ kind: 'failed', code: 403 });
  });

  it('lets the operator watch its own leader Lease (a standby learns of a release) and list the namespace\'s Leases (another cluster\'s operator), and delete none', async () => {
    const leases = `/apis/coordination.k8s.io/v1/namespaces/${cluster.namespace}/leases`;
    const named = await rawRequest(cluster.operator, { method: 'GET', path: `${leases}?watch=1&fieldSelector=metadata.name%3Dsearch-operator&timeoutSeconds=1` });
    expect(named.status).toBe(200);
    expect((await rawRequest(cluster.operator, { method: 'GET', path: leases })).status).toBe(200);
    expect((await rawRequest(cluster.operator, { method: 'DELETE', path: `${leases}/search-operator` })).status).toBe(403);
    // Leases of other namespaces stay out of reach: the Role is namespaced.
    expect((await rawRequest(cluster.operator, { method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases' })).status).toBe(403);
  });

  it('refuses an unbound data-node token (kubectl create token) even for a pod\'s own name', async () => {
    const r = await refusal(patchStatus(customObjects(cluster.unboundDataNode), X, { lastHeartbeat: '2030-01-01T00:00:00Z' }));
    expectRefusedBy(r, NODE_RULES.boundToken);
  });

  it('leaves the operator free to write any node\'s spec and status', async () => {
    const operator = customObjects(cluster.operator);
    await patchSpec(operator, Y, { zone: 'zone-b' });
    await patchStatus(operator, Y, { state: 'DRAINING', zone: 'zone-b' });
    const y = await stored(Y);
    expect([y.spec.zone, y.status?.state, y.status?.zone]).toEqual(['zone-b', 'DRAINING', 'zone-b']);
  });
});
