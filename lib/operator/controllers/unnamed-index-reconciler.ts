/**
 * With --cluster-name, the operator serves only indices labelled quidditch.io/cluster=<its name>,
 * because another cluster's operator watches the same namespace. An index that names no cluster
 * is then served by nobody; this says so on the index (Ready=False, reason ClusterNotNamed) rather
 * than leaving it silently CREATING forever. Every such operator writes the same condition, so
 * two of them never flip it back and forth.
 */
import type { QuidditchIndex } from '../../api/v1';
import { CLUSTER_LABEL } from '../../model/labels';
import type { CustomResourceClient } from '../kube/custom-resource-client';
import type { Reconciler, ReconcileResult } from '../runtime/reconciler';
import type { ObjectStore } from '../runtime/source';
import { findCondition, setCondition } from './conditions';
import type { PeerView } from './overlap-guard';

export const CLUSTER_NOT_NAMED = 'ClusterNotNamed';

export function clusterNotNamedMessage(namespace: string, name: string): string {
  return `Unable to serve QuidditchIndex ${name}: the Quidditch operators in namespace ${namespace} each serve only the indices labelled ` +
    `${CLUSTER_LABEL}=<their cluster name> (more than one cluster runs there), and this index has no such label. ` +
    `Add the label with the name of the cluster that should serve it (kubectl label qidx ${name} ${CLUSTER_LABEL}=<cluster>).`;
}

export class UnnamedIndexReconciler implements Reconciler {
  constructor(private readonly deps: {
    cache: ObjectStore<QuidditchIndex>;
    indices: CustomResourceClient<QuidditchIndex>;
    now: () => Date;
    /** Other clusters' operators here: while one of them serves every index, it serves these too. @default none */
    peers?: Pick<PeerView, 'unlabelledServedElsewhere'>;
  }) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/');
    const index = this.deps.cache.get(namespace, name);
    if (!index || index.metadata.deletionTimestamp) return { kind: 'done' };
    // Another cluster's operator runs without --cluster-name and serves this index: flagging it would fight its Ready.
    if (this.deps.peers?.unlabelledServedElsewhere()) return { kind: 'done' };
    const message = clusterNotNamedMessage(namespace, name);
    const ready = findCondition(index.status?.conditions, 'Ready');
    if (ready?.status === 'False' && ready.reason === CLUSTER_NOT_NAMED && ready.message === message) return { kind: 'done' };
    const conditions = setCondition(index.status?.conditions, {
      type: 'Ready', status: 'False', reason: CLUSTER_NOT_NAMED, message, observedGeneration: index.metadata.generation,
    }, this.deps.now());
    try {
      await this.deps.indices.patchStatus(namespace, name, index.metadata.resourceVersion, { conditions });
    } catch (error) {
      return { kind: 'retry', error };
    }
    return { kind: 'done' };
  }
}
