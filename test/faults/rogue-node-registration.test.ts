/**
 * Fault: a rogue process holding a data node's ServiceAccount token (bound to pod X, e.g. stolen
 * from X's filesystem) tries to take over node Y by registering a QuidditchNode named Y with its
 * own address, then heartbeating in Y's name. The API server refuses every step with the node
 * admission policy's rule, and Y's object is left exactly as Y wrote it.
 */
import { NODE_RULES } from '../../lib/cdk8s/node-admission-policy';
import { NodeRegistration } from '../../lib/datanode-sim/registration';
import type { QuidditchNode } from '../../lib/api/v1';
import { testKubeConfig } from '../support/kube';
import { customObjects, DeployedCluster, deployCluster, nodeBody, nodeCoords, refusal, waitUntilEnforced } from '../integration/security/node-identity';

const admin = testKubeConfig();
const X = 'search-data-0';
const Y = 'search-data-1';
let cluster: DeployedCluster;

const stored = async (name: string) =>
  (await customObjects(admin).getNamespacedCustomObject({ ...nodeCoords(cluster.namespace), name })) as QuidditchNode;

beforeAll(async () => {
  cluster = await deployCluster(admin, 'rogue-node', 2);
  await waitUntilEnforced(cluster, X);
  const y = new NodeRegistration(customObjects(cluster.dataNodes[Y]), cluster.namespace, Y, { nodeType: 'DATA', tier: 'hot', maxShards: 10, address: cluster.ownAddress(Y) });
  await y.register();
  await y.heartbeat({ allocatedShards: 2, resources: {} });
});

afterAll(async () => {
  await cluster?.cleanUp();
});

it('refuses a rogue process with pod X\'s token that registers and heartbeats as existing node Y', async () => {
  const before = await stored(Y);
  const rogue = new NodeRegistration(customObjects(cluster.dataNodes[X]), cluster.namespace, Y, {
    nodeType: 'DATA', tier: 'hot', maxShards: 100000, address: 'rogue.attacker.example:9303',
  });
  // The reference data node's own code path: read Y, find its spec differs, patch it.
  await expect(rogue.register()).rejects.toThrow(new RegExp(`403 .*ValidatingAdmissionPolicy '${cluster.policyName.replace(/\./g, '\\.')}'.*rule ${NODE_RULES.ownNode}:`));
  await expect(rogue.heartbeat({ allocatedShards: 0, resources: {} })).rejects.toThrow(new RegExp(`rule ${NODE_RULES.ownNode}:`));
  // A plain create of the same name is refused by the policy too (not by "already exists").
  const created = await refusal(customObjects(cluster.dataNodes[X]).createNamespacedCustomObject({
    ...nodeCoords(cluster.namespace), body: nodeBody(cluster.namespace, Y, 'rogue.attacker.example:9303'),
  }));
  expect([created.code, created.message]).toEqual([403, expect.stringContaining(`rule ${NODE_RULES.ownNode}:`)]);
  const after = await stored(Y);
  expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  expect(after.spec.address).toBe(cluster.ownAddress(Y));
});
