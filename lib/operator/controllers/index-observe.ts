import type { QuidditchIndex } from '../../api/v1';
import type { PlanValidationError } from '../allocation';
import type { EventRecorder } from '../kube/event-recorder';
import type { AllocationLedger } from './allocation-ledger';
import { setCondition } from './conditions';
import type { IndexApi } from './index-api';
import type { Execution } from './index-execute';
import type { PersistedPlan } from './index-plan';
import { allocationsKey, computeIndexStatus, indexTotals, statusUnchanged } from './index-status';
import type { IndexObservation } from './index-status';
import type { ObservedCopies } from '../datanode/observed-copies';
import { writeStatus } from './status-writer';
import { copyIdentityOf } from './copy-identity';

export interface ObserveDeps {
  /** What the nodes report: documents and bytes per copy for the index's totals. */
  readonly observed?: ObservedCopies;
  readonly indices: IndexApi;
  readonly ledger: AllocationLedger;
  readonly events: EventRecorder;
  readonly now: () => Date;
}

/**
 * Step 5: writes what the data nodes answered (states, health, conditions) through the one status
 * write path: skipped when nothing changed, optimistic lock, recomputed from a fresh read on 409.
 * Returns the index as written, or undefined when it is gone.
 */
export async function writeObserved(persisted: PersistedPlan, execution: Execution, deps: ObserveDeps, settings?: IndexObservation['settings']): Promise<QuidditchIndex | undefined> {
  const planned = allocationsKey(persisted.allocations);
  const { plan } = persisted;
  const index = persisted.index;
  const identity = copyIdentityOf(index);
  // What the streams report, and for copies created just now that no stream has reported yet, what their nodes answered.
  const streamed = deps.observed?.copiesOf(identity.namespace, identity.name) ?? [];
  const seen = new Set(streamed.map((c) => `${c.shardId}@${c.node}`));
  const reported = [...streamed, ...(execution.created ?? []).filter((c) => !seen.has(`${c.shardId}@${c.node}`))];
  const totals = deps.observed ? indexTotals(execution.allocations, reported, identity.uid) : undefined;
  const written = await writeStatus(
    deps.indices,
    persisted.index,
    // Someone (another leader after a failover) re-planned meanwhile: their plan wins; we run again.
    (cur) =>
      allocationsKey(cur.status?.shardAllocations ?? []) !== planned
        ? undefined
        : computeIndexStatus(cur, { allocations: execution.allocations, unassigned: plan.unassigned, failures: execution.failures, totals, settings, stuck: plan.stuck }, deps.now()),
    { unchanged: (current, next) => statusUnchanged(current, next ?? {}) },
  );
  if (written) deps.ledger.set(written.metadata.namespace ?? 'default', written.metadata.name ?? '', written.metadata.resourceVersion, written.status?.shardAllocations);
  return written;
}

/**
 * A spec the allocator can never plan (the API server's schema normally stops it first): Ready=False
 * with reason InvalidSpec and the allocator's message, and a Warning Event, so the person who wrote
 * it sees what to fix. Nothing else in status changes; the next edit of the spec brings the index back.
 */
export async function writeInvalidSpec(index: QuidditchIndex, err: PlanValidationError, deps: ObserveDeps): Promise<void> {
  const written = await writeStatus(deps.indices, index, (cur) => ({
    ...(cur.status ?? {}),
    state: cur.status?.state ?? 'CREATING',
    conditions: setCondition(cur.status?.conditions, { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: err.message, observedGeneration: cur.metadata.generation }, deps.now()),
  }));
  if (written) deps.events.record(written, 'Warning', 'InvalidSpec', err.message);
}
