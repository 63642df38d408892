import type { QuidditchIndex } from '../../api/v1';
import { planRelocations } from '../allocation';
import type { AllocationPlan, CandidateNode, RelocationPlan, StuckCopy } from '../allocation';
import type { ObservedCopies } from '../datanode/observed-copies';
import type { EventRecorder } from '../kube/event-recorder';
import type { ObjectStore } from '../runtime/source';
import type { QuidditchNode } from '../../api/v1';
import type { AllocationLedger } from './allocation-ledger';
import type { IndexIdentity } from './index-drift';
import { isCopyOf } from './copy-identity';

/** The relocation throttles (operator flags --node-concurrent-relocations, --cluster-concurrent-relocations). */
export interface RelocationThrottle {
  /** Relocations in flight out of one node, and into one node. @default 2 */
  readonly nodeConcurrent?: number;
  /** Relocations in flight in one namespace. @default 8 */
  readonly clusterConcurrent?: number;
  /** Move copies onto less loaded nodes (--rebalance). @default false */
  readonly rebalance?: boolean;
}

export interface RelocateDeps {
  readonly ledger: AllocationLedger;
  readonly observed?: ObservedCopies;
  readonly relocation?: RelocationThrottle;
}

/**
 * Step 3b, inside the plan's status transition (no await: the ledger's counts and this plan are read
 * and reserved in one step): moves relocations in flight on and starts new ones off DRAINING nodes,
 * then (with --rebalance) onto less loaded nodes (allocation/relocate.ts). Runs before the plan is persisted, so every relocation is in status
 * before any data-node call and a crash at any point leaves a record the next reconcile finishes or
 * rolls back.
 */
export function withRelocations(plan: AllocationPlan, candidates: readonly CandidateNode[], index: IndexIdentity, deps: RelocateDeps): RelocationPlan {
  const reportsPrimary = (shardId: number, node: string): boolean | undefined => {
    const held = deps.observed?.indexCopiesOn(node, index.namespace, index.name);
    if (!held) return undefined;
    const mine = held.filter((c) => c.namespace === index.namespace && c.index === index.name && c.indexUid === index.uid && c.shardId === shardId);
    return mine.length ? mine.some((c) => c.primary) : undefined;
  };
  const mayHoldCopy = (shardId: number, node: string): boolean => {
    if (!deps.observed) return false;
    const held = deps.observed.indexCopiesOn(node, index.namespace, index.name);
    return held === undefined || held.some((c) => isCopyOf(c, index) && c.shardId === shardId);
  };
  return planRelocations(plan, candidates, {
    mayHoldCopy,
    nodeConcurrent: deps.relocation?.nodeConcurrent,
    clusterConcurrent: deps.relocation?.clusterConcurrent,
    rebalance: deps.relocation?.rebalance,
    inFlight: deps.ledger.relocations(index.namespace, index.name),
    reportsPrimary,
  });
}

/** How soon to look again at an index whose moves wait for the throttle (another index's move may end meanwhile). */
export const THROTTLED_RECHECK_MS = 1_000;

/** The message of the DrainBlocked condition and its Event: which copies cannot leave, why, and what to do. */
export function stuckMessage(stuck: readonly StuckCopy[]): string {
  const nodes = [...new Set(stuck.map((s) => s.node))].sort().join(', ');
  const tooFew = stuck.some((s) => s.reason === 'TooFewNodes');
  const what = stuck.slice(0, 5).map((s) => `shard ${s.shardId}${s.primary ? ' (primary)' : ''} on ${s.node}: ${s.reason}`).join('; ');
  const fix = tooFew
    ? 'Add data nodes or lower spec.replicas: copies of one shard need distinct nodes.'
    : 'Add data nodes, raise their maxShards, or undrain a node (remove the quidditch.io/drain annotation).';
  return `${stuck.length} copies cannot leave draining node(s) ${nodes} (${what}). They stay where they are and keep serving; none is deleted. ${fix}`;
}

/**
 * Events for a drain that cannot finish, on the index and on every draining node concerned, recorded
 * when the index's DrainBlocked condition turns True (not on every reconcile).
 */
export function recordDrainStalled(events: EventRecorder, index: QuidditchIndex, nodes: ObjectStore<QuidditchNode>, stuck: readonly StuckCopy[]): void {
  const message = stuckMessage(stuck);
  events.record(index, 'Warning', 'DrainStalled', message);
  for (const name of new Set(stuck.map((s) => s.node))) {
    const node = nodes.get(index.metadata.namespace ?? 'default', name);
    if (node) events.record(node, 'Warning', 'DrainStalled', `Index ${index.metadata.name}: ${message}`);
  }
}
