/**
 * Installs the MutatingAdmissionPolicy the constructs emit with `operator.finalizerAdmissionPolicy`
 * (lib/cdk8s/index-finalizer-policy.ts) into the test API server, and waits until it acts.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { INDEX_FINALIZER, type QuidditchIndex } from '../../lib/api/v1';
import { synthesizeClusterManifests } from '../../lib/cdk8s/manifests';
import { CLUSTER_LABEL } from '../../lib/model/labels';
import type { QuidditchClusterProps } from '../../lib/model/props';
import { resolveCluster } from '../../lib/model/resolve';
import { waitFor } from './kube';
import { rawRequest } from './raw-request';
import { ManifestObject, ServerSideApplier, statusMessage } from './server-side-apply';

/** The policy and binding of a cluster with these props (`operator.finalizerAdmissionPolicy` set). */
export function finalizerPolicyObjects(props: QuidditchClusterProps): ManifestObject[] {
  const objects = (synthesizeClusterManifests(props) as ManifestObject[]).filter((o) => o.kind.startsWith('MutatingAdmissionPolicy'));
  if (objects.length !== 2) throw new Error(`Expected a MutatingAdmissionPolicy and its binding from these props, found ${objects.length} objects. Set operator.finalizerAdmissionPolicy.`);
  return objects;
}

/**
 * Applies the policy objects, then dry-runs a create of an index the policy applies to until the
 * answer carries the finalizer: the API server picks policies up from its informers a moment after
 * they are stored. Returns the objects applied.
 */
export async function installFinalizerPolicy(kc: KubeConfig, props: QuidditchClusterProps & { namespace: string }, timeoutMs = 15_000): Promise<ManifestObject[]> {
  const objects = finalizerPolicyObjects(props);
  await new ServerSideApplier(kc, { fieldManager: 'quidditch-test' }).applyAll(objects);
  const cluster = resolveCluster(props.name ?? 'quidditch', props);
  await waitForFinalizerPolicy(kc, props.namespace, cluster.operator.ownIndicesOnly ? { [CLUSTER_LABEL]: cluster.name } : {}, objects[0].apiVersion, timeoutMs);
  return objects;
}

/**
 * Dry-runs creates of an index with `labels` in `namespace` until the API server's answer carries
 * the index finalizer, i.e. until a stored policy acts on creates there.
 */
export async function waitForFinalizerPolicy(kc: KubeConfig, namespace: string, labels: Record<string, string>, apiVersion: string, timeoutMs = 15_000): Promise<void> {
  const probe = { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'finalizer-policy-probe', labels }, spec: { shards: 1, replicas: 0 } };
  // A create the policy does not (yet) mark throws, and waitFor reports the last such answer.
  await waitFor(async () => {
    const res = await rawRequest(kc, { method: 'POST', path: `/apis/quidditch.io/v1/namespaces/${namespace}/quidditchindices?dryRun=All`, body: JSON.stringify(probe) });
    if (res.status !== 201) throw new Error(`the dry-run create answered HTTP ${res.status}: ${statusMessage(res.body)}`);
    const finalizers = (JSON.parse(res.body) as QuidditchIndex).metadata.finalizers ?? [];
    if (!finalizers.includes(INDEX_FINALIZER)) throw new Error(`the dry-run create came back with finalizers ${JSON.stringify(finalizers)}`);
    return true;
  }, { timeoutMs, intervalMs: 200, description: `the index finalizer policy to act (does the API server serve ${apiVersion}? feature gate MutatingAdmissionPolicy)` });
}
