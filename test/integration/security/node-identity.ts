/**
 * Identities of a synthesized k8s-mode cluster on the test API server, as its pods would have them:
 * a Pod object per data node (no kubelet runs it; the object is what a bound token refers to) and a
 * ServiceAccount token bound to that Pod through the TokenRequest API, exactly the kind of token
 * the kubelet projects into the pod (its user info carries authentication.kubernetes.io/pod-name).
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, V1Pod } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, quidditchNodeDefinition } from '../../../lib/api/v1';
import type { QuidditchNode } from '../../../lib/api/v1';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import { nodeAdmissionPolicyName } from '../../../lib/cdk8s/node-admission-policy';
import { NON_ROOT_ID } from '../../../lib/cdk8s/pod';
import { DATANODE_GRPC_PORT } from '../../../lib/model/datanode-env';
import { selectorLabels } from '../../../lib/model/labels';
import { podHost } from '../../../lib/model/names';
import { resolveCluster } from '../../../lib/model/resolve';
import { TEST_FIELD_MANAGER } from '../../support/crds';
import { createTestNamespace, deleteNamespace, waitFor } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import { ManifestObject, ServerSideApplier } from '../../support/server-side-apply';

/** A minimal pod under the restricted Pod Security Standard, running as `serviceAccount` (on `nodeName`, as if scheduled there). */
export function podObject(name: string, serviceAccount: string, labels: Record<string, string> = {}, nodeName?: string): V1Pod {
  return {
    metadata: { name, labels },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      serviceAccountName: serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: NON_ROOT_ID, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'main',
        image: 'registry.invalid/quidditch-test:1',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      }],
    },
  };
}

/** Creates the Pod object and returns it as stored (with its uid). */
export async function createPod(kc: KubeConfig, namespace: string, pod: V1Pod): Promise<V1Pod> {
  return kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace, body: pod });
}

/** A token of `serviceAccount`, bound to `pod` when given (TokenRequest boundObjectRef kind Pod). */
export async function serviceAccountToken(kc: KubeConfig, namespace: string, serviceAccount: string, pod?: V1Pod): Promise<string> {
  const res = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: {
      spec: {
        audiences: [],
        expirationSeconds: 3600,
        ...(pod ? { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid! } } : {}),
      },
    },
  });
  const token = res.status?.token;
  if (!token) throw new Error(`Unable to mint a token for ServiceAccount ${namespace}/${serviceAccount}: the TokenRequest returned none.`);
  return token;
}

/** The admin kubeconfig's server and CA with `token` as the only credential. */
export function kubeConfigWithToken(admin: KubeConfig, token: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('Unable to build a token kubeconfig: the test kubeconfig has no current cluster.');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'token', token }],
    contexts: [{ name: 'token', cluster: cluster.name, user: 'token' }],
    currentContext: 'token',
  });
  return kc;
}

export const customObjects = (kc: KubeConfig) => kc.makeApiClient(CustomObjectsApi);

/** The QuidditchNode coordinates in a namespace. */
export const nodeCoords = (namespace: string) => ({ group: API_GROUP, version: API_VERSION, namespace, plural: quidditchNodeDefinition.plural });
export const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** HTTP status and the server's message of a refused request (throws when it was not refused). */
export async function refusal(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request;
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    let message = typeof e.body === 'string' ? e.body : e.body !== undefined ? JSON.stringify(e.body) : (err as Error).message;
    try {
      message = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the text
    }
    return { code: e.code ?? -1, message };
  }
  throw new Error('Expected the API server to refuse the request, but it succeeded.');
}

/** A synthesized k8s-mode cluster applied to the test server, with data-node Pods and their bound tokens. */
export interface DeployedCluster {
  readonly namespace: string;
  readonly policyName: string;
  /** host:port a data node's own DNS name gives it. */
  ownAddress(pod: string): string;
  /** The Kubernetes Node each data-node pod was put on (no scheduler runs: the Pod names it). */
  readonly kubernetesNodes: Record<string, string>;
  /** Client config with the token of data node `pod` (bound to its Pod object). */
  readonly dataNodes: Record<string, KubeConfig>;
  /** Client config with a token of the operator's ServiceAccount. */
  readonly operator: KubeConfig;
  /** Client config with an unbound data-node token (`kubectl create token <name>-data`). */
  readonly unboundDataNode: KubeConfig;
  cleanUp(): Promise<void>;
}

const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' };

export async function deployCluster(admin: KubeConfig, prefix: string, dataNodes: number): Promise<DeployedCluster> {
  const namespace = await createTestNamespace(prefix, RESTRICTED);
  const props = { namespace, name: 'search', dataNodes: { replicas: dataNodes } } as const;
  const resolved = resolveCluster('search', props);
  const objects = (synthesizeClusterManifests(props) as ManifestObject[]).filter((o) => o.kind !== 'CustomResourceDefinition');
  const applier = new ServerSideApplier(admin, { fieldManager: TEST_FIELD_MANAGER, force: true });
  const clusterScoped = objects.filter((o) => !o.metadata.namespace);
  await applier.applyAll(objects);
  const tokens: Record<string, KubeConfig> = {};
  const kubernetesNodes: Record<string, string> = {};
  const core = admin.makeApiClient(CoreV1Api);
  for (let i = 0; i < dataNodes; i++) {
    // Nodes are cluster-scoped: named after the namespace so parallel tests do not collide.
    const node = `${namespace}-worker-${i}`;
    await core.createNode({ body: { metadata: { name: node, labels: { 'topology.kubernetes.io/zone': `zone-${i}` } } } });
    const podName = `${resolved.names.dataNodes}-${i}`;
    kubernetesNodes[podName] = node;
    const pod = await createPod(admin, namespace, podObject(podName, resolved.names.dataNodes, selectorLabels('search', 'data'), node));
    tokens[pod.metadata!.name!] = kubeConfigWithToken(admin, await serviceAccountToken(admin, namespace, resolved.names.dataNodes, pod));
  }
  const policyName = nodeAdmissionPolicyName(resolved);
  return {
    namespace,
    policyName,
    ownAddress: (pod) => `${podHost(pod, resolved.names.dataNodesHeadless, namespace)}:${DATANODE_GRPC_PORT}`,
    dataNodes: tokens,
    kubernetesNodes,
    operator: kubeConfigWithToken(admin, await serviceAccountToken(admin, namespace, resolved.names.operator)),
    unboundDataNode: kubeConfigWithToken(admin, await serviceAccountToken(admin, namespace, resolved.names.dataNodes)),
    cleanUp: async () => {
      for (const obj of clusterScoped) await rawRequest(admin, { method: 'DELETE', path: await applier.objectPath(obj) });
      for (const node of Object.values(kubernetesNodes)) await core.deleteNode({ name: node }).catch(() => undefined);
      await deleteNamespace(namespace);
    },
  };
}

export function nodeBody(namespace: string, name: string, address: string): QuidditchNode {
  return { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'QuidditchNode', metadata: { name, namespace }, spec: { nodeType: 'DATA', tier: 'hot', maxShards: 10, address } };
}

/**
 * The API server loads a new policy asynchronously. Waits until it refuses a dry-run create of a
 * node that is not the caller's own (nothing is stored either way).
 */
export async function waitUntilEnforced(cluster: DeployedCluster, asPod: string): Promise<void> {
  const api = customObjects(cluster.dataNodes[asPod]);
  await waitFor(async () => {
    const body = nodeBody(cluster.namespace, `${asPod}-probe`, cluster.ownAddress(asPod));
    try {
      await api.createNamespacedCustomObject({ ...nodeCoords(cluster.namespace), body, dryRun: 'All' });
      return false;
    } catch (err) {
      return (err as { code?: number }).code === 403 && String((err as { body?: unknown }).body).includes(cluster.policyName);
    }
  }, { description: `ValidatingAdmissionPolicy ${cluster.policyName} to refuse a data node writing another node`, timeoutMs: 60_000, intervalMs: 250 });
}
