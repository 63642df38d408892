/**
 * `export --configmap <name> --wait-for-lease <lease>`: the migration's export (the Job the `export`
 * step renders). It writes the state into the ConfigMap the Raft masters start from, and only once the
 * operator has stopped: while a replica holds the leader Lease it may still change what is exported.
 */
import { CoordinationV1Api, CoreV1Api, KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import { INITIAL_STATE_KEY, type ClusterState } from '../../api/v1';
import { statusCodeOf } from '../kube/custom-resource-client';


export interface LeaseView {
  readonly holderIdentity?: string | null;
  readonly renewTime?: Date | string | null;
  readonly leaseDurationSeconds?: number | null;
}

/** Pure: who still leads, or undefined when nobody can (released, or expired by `now`). */
export function activeHolder(lease: LeaseView | undefined, now: Date): string | undefined {
  if (!lease?.holderIdentity) return undefined;
  const renewed = lease.renewTime ? new Date(lease.renewTime).getTime() : 0;
  const expires = renewed + (lease.leaseDurationSeconds ?? 0) * 1000;
  return expires > now.getTime() ? lease.holderIdentity : undefined;
}

/** Throws (the Job retries) while an operator replica holds the Lease. */
export async function assertOperatorStopped(kc: KubeConfig, namespace: string, leaseName: string, now: Date = new Date()): Promise<void> {
  let lease: LeaseView | undefined;
  try {
    lease = (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: leaseName, namespace })).spec;
  } catch (err) {
    if (statusCodeOf(err) !== 404) throw err;
  }
  const holder = activeHolder(lease, now);
  if (holder) {
    throw new Error(
      `the operator ${holder} still holds Lease ${namespace}/${leaseName}, so the state may still change. ` +
        'The migration\'s export step scales the operator to 0 replicas; run this again once it has stopped (the export Job retries by itself).',
    );
  }
}

/** Creates or replaces the ConfigMap holding the document. */
export async function writeInitialState(kc: KubeConfig, namespace: string, name: string, state: ClusterState): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const body: V1ConfigMap = {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'quidditch', 'app.kubernetes.io/component': 'migration' } },
    data: { [INITIAL_STATE_KEY]: `${JSON.stringify(state, null, 2)}\n` },
  };
  try {
    await core.createNamespacedConfigMap({ namespace, body });
  } catch (err) {
    if (statusCodeOf(err) !== 409) throw err;
    await core.replaceNamespacedConfigMap({ name, namespace, body });
  }
}
