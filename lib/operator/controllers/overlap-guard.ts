/**
 * The index controllers' check against another Quidditch cluster's operator in the namespace (see
 * lib/operator/peers): an index two live operators would both reconcile is reconciled by neither.
 * Each says so on the index — Ready=False, reason AnotherClusterInNamespace, the same message from
 * both (so they never flip it) — and with one Warning Event when it starts. Nothing else is written
 * and no data node is called: copies, allocations and finalizers stay as they are until one
 * operator serves the index alone again, which then reconciles it as usual (and rewrites Ready).
 */
import type { QuidditchIndex } from '../../api/v1';
import { CLUSTER_LABEL } from '../../model/labels';
import type { EventRecorder } from '../kube/event-recorder';
import { ANOTHER_CLUSTER_IN_NAMESPACE, OperatorScope, overlapIndexMessage } from '../peers/peer-leases';
import { done, retry } from '../runtime/reconciler';
import type { ReconcileResult } from '../runtime/reconciler';
import { isTransientApiError } from './index-api';
import type { IndexApi } from './index-api';
import { findCondition, setCondition } from './conditions';

/** What the controllers ask about the other operators (PeerOperators implements it). */
export interface PeerView {
  readonly self: OperatorScope;
  /** The other live operators that would reconcile an index with this cluster label (or none) too. */
  overlapFor(indexCluster: string | undefined): OperatorScope[];
  /** True when another live operator serves the indices that name no cluster. */
  unlabelledServedElsewhere(): boolean;
}

/** The other operators that would reconcile this index too ([] when it is this operator's alone, or there is no view). */
export function overlapOf(index: QuidditchIndex, peers: PeerView | undefined): OperatorScope[] {
  return peers ? peers.overlapFor(index.metadata.labels?.[CLUSTER_LABEL]) : [];
}

/** Marks the index as refused (once; a repeat finds the same condition and writes nothing). */
export async function refuseOverlap(
  index: QuidditchIndex,
  involved: readonly OperatorScope[],
  deps: { indices: IndexApi; events: EventRecorder; now: () => Date },
): Promise<ReconcileResult> {
  const namespace = index.metadata.namespace ?? '';
  const name = index.metadata.name ?? '';
  const message = overlapIndexMessage(namespace, name, involved);
  const ready = findCondition(index.status?.conditions, 'Ready');
  if (ready?.status === 'False' && ready.reason === ANOTHER_CLUSTER_IN_NAMESPACE && ready.message === message) return done();
  const conditions = setCondition(index.status?.conditions, {
    type: 'Ready', status: 'False', reason: ANOTHER_CLUSTER_IN_NAMESPACE, message, observedGeneration: index.metadata.generation,
  }, deps.now());
  try {
    // The whole status as read, with only Ready changed (IndexApi.patchStatus replaces status): the
    // recorded allocations are how the next serving operator finds every copy, so they must survive.
    const written = await deps.indices.patchStatus(namespace, name, index.metadata.resourceVersion, { ...index.status, conditions });
    deps.events.record(written, 'Warning', ANOTHER_CLUSTER_IN_NAMESPACE, message);
  } catch (err) {
    // 409: the other operator wrote the same condition first (or the index moved on); look again.
    if (isTransientApiError(err)) return retry(err);
    throw err;
  }
  return done();
}
