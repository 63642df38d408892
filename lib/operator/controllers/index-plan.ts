import type { QuidditchIndex, QuidditchNode, ShardAllocationStatus } from '../../api/v1';
import { candidateNodes, planAllocation, RelocationPlan } from '../allocation';
import type { ObjectStore } from '../runtime/source';
import { acceptedDataLoss } from './accept-data-loss';
import type { AllocationLedger } from './allocation-ledger';
import type { IndexApi } from './index-api';
import { compareWithNodes, Drift } from './index-drift';
import type { ObservedCopies } from '../datanode/observed-copies';
import { allocationsKey } from './index-status';
import { writeStatus } from './status-writer';
import { copyIdentityOf } from './copy-identity';
import { withRelocations, RelocationThrottle } from './index-relocate';

export interface PlanDeps {
  readonly indices: IndexApi;
  readonly nodeCache: ObjectStore<QuidditchNode>;
  readonly ledger: AllocationLedger;
  readonly now: () => Date;
  /** How long a started replica of a node that left waits for it before it is replaced. @default 0 */
  readonly nodeLeftDelayMs?: number;
  /** What the nodes report holding; without it the record is trusted as written. */
  readonly observed?: ObservedCopies;
  /** Relocation throttles. @default 2 per node, 8 per namespace */
  readonly relocation?: RelocationThrottle;
}

/** A plan as persisted in status.shardAllocations, and the index as written (or as read when nothing changed). */
export interface PersistedPlan {
  readonly index: QuidditchIndex;
  readonly plan: RelocationPlan;
  /** The persisted allocations (the plan's). */
  readonly allocations: readonly ShardAllocationStatus[];
  /** How the record differed from what the nodes report, before planning. */
  readonly drift: Drift;
}

/**
 * Step 3: plan (pure allocator) and PERSIST the plan in status before any side effect, so after a
 * crash the next leader finds every copy this run may create. Runs through the one status write path:
 * on 409 it re-reads and plans again from the fresh object. Returns undefined when the index is gone.
 *
 * @throws PlanValidationError when the spec can never be planned (the caller makes it terminal).
 */
export async function planAndPersist(index: QuidditchIndex, deps: PlanDeps): Promise<PersistedPlan | undefined> {
  const namespace = index.metadata.namespace ?? 'default';
  const name = index.metadata.name ?? '';
  let planned: { plan: RelocationPlan; allocations: ShardAllocationStatus[]; drift: Drift } | undefined;
  const nodes = new Map(deps.nodeCache.list(namespace).map((n) => [n.metadata.name ?? '', n]));
  const available = (node: string) => nodes.has(node) && nodes.get(node)?.status?.state !== 'UNHEALTHY';
  const written = await writeStatus(
    deps.indices,
    index,
    (current) => {
      // From reading the loads to reserving the plan in the ledger (the `hold` below) there is no await:
      // JavaScript runs it as one step, so reconciles of other indices plan against this reservation and
      // no lock is held across the status write (a lock there capped a namespace at one plan per round trip).
      deps.ledger.set(namespace, name, current.metadata.resourceVersion, current.status?.shardAllocations);
      const loads = deps.ledger.loads(namespace);
      const counted = candidateNodes(deps.nodeCache.list(namespace), []).map((c) => ({ ...c, load: loads.get(c.name) ?? 0 }));
      // Bytes: what each node's shard stream reports its copies take (all indices), for choosing among
      // moves. Summed only when a move may start (a node drains, or copy counts are two or more apart):
      // a balanced cluster, the common case, costs no pass over every node's copies per plan.
      const healthyLoads = counted.filter((c) => c.state === 'HEALTHY').map((c) => c.load);
      const mayMove = counted.some((c) => c.state === 'DRAINING') || (deps.relocation?.rebalance === true && Math.max(...healthyLoads) - Math.min(...healthyLoads) >= 2);
      const bytes = (node: string) => deps.observed?.copiesOn(node)?.reduce((sum, c) => sum + c.sizeBytes, 0);
      const candidates = mayMove ? counted.map((c) => ({ ...c, bytes: bytes(c.name) })) : counted;
      // The record, corrected by what the nodes report: started, failed, gone, or back.
      const identity = copyIdentityOf(current);
      const drift = compareWithNodes(current.status?.shardAllocations ?? [], deps.observed, identity, available, deps.now());
      const base = planAllocation(
        { namespace, name, shards: current.spec.shards, replicas: current.spec.replicas ?? 1 },
        drift.allocations,
        candidates,
        { now: deps.now().getTime(), nodeLeftDelayMs: deps.nodeLeftDelayMs ?? 0, acceptDataLoss: acceptedDataLoss(current) },
      );
      const plan = withRelocations(base, candidates, identity, deps);
      // A promoted replica keeps its state (as Elasticsearch's promoted primary stays STARTED): it holds
      // the data, and the record must say so if its node leaves before the promotion reaches it — an
      // INITIALIZING copy on a lost node is dropped as one that never held data, and the shard would
      // then get an EMPTY primary. A promotion its node has not applied is re-sent (index-execute.ts).
      const allocations = [...plan.allocations];
      planned = { plan, allocations, drift };
      const same = allocationsKey(current.status?.shardAllocations ?? []) === allocationsKey(allocations);
      if (same && current.status?.state) return undefined;
      return { ...(current.status ?? {}), state: current.status?.state ?? 'CREATING', shardAllocations: allocations };
    },
    { hold: (next) => deps.ledger.reserve(namespace, name, next?.shardAllocations ?? []) },
  );
  if (!written || !planned) return undefined;
  deps.ledger.set(namespace, name, written.metadata.resourceVersion, planned.allocations);
  return { index: written, ...planned };
}
