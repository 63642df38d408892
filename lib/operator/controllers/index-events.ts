import type { QuidditchIndex } from '../../api/v1';
import type { AllocationPlan } from '../allocation';
import type { EventRecorder } from '../kube/event-recorder';
import { assertNever } from '../runtime/errors';
import type { NodeFailure } from './index-status';

/** What a plan did, counted per kind of event a person would want to see. */
interface Tally {
  readonly lostNodes: Set<string>;
  lost: number;
  readonly promoted: { shardId: number; node: string }[];
  reduced: number;
  removedOther: number;
  added: number;
}

/** Pure: counts a plan's actions by what they mean to a person. A new action kind fails tsc here until it is counted. */
export function tallyActions(plan: AllocationPlan): Tally {
  const t: Tally = { lostNodes: new Set(), lost: 0, promoted: [], reduced: 0, removedOther: 0, added: 0 };
  for (const a of plan.actions) {
    switch (a.type) {
      case 'create':
        t.added++;
        break;
      case 'promote':
        t.promoted.push({ shardId: a.shardId, node: a.node });
        break;
      case 'delete':
        switch (a.reason) {
          case 'NodeUnavailable':
            t.lost++;
            t.lostNodes.add(a.node);
            break;
          case 'ReplicasReduced':
            t.reduced++;
            break;
          case 'ShardOutOfRange':
          case 'DuplicateCopy':
            t.removedOther++;
            break;
          default:
            assertNever(a.reason, 'delete reason');
        }
        break;
      default:
        assertNever(a, 'allocation action');
    }
  }
  return t;
}

/**
 * Step 5b: Events for what changed in this reconcile (best effort, never throws): the index started
 * being created or became active, copies were lost, promoted, removed or added, copies that cannot be
 * placed, and data-node calls that failed.
 */
export function recordTransitions(events: EventRecorder, index: QuidditchIndex, before: string | undefined, plan: AllocationPlan, failures: readonly NodeFailure[]): void {
  const after = index.status?.state;
  const t = tallyActions(plan);
  if (!before) events.record(index, 'Normal', 'Creating', `Allocating ${index.spec.shards} shards with ${index.spec.replicas ?? 1} replicas each.`);
  if (after === 'ACTIVE' && before !== 'ACTIVE') events.record(index, 'Normal', 'Active', `All primaries started; health ${index.status?.health}.`);
  if (t.lost) events.record(index, 'Warning', 'CopiesLost', `${t.lost} copies were on unavailable nodes (${[...t.lostNodes].join(', ')}); re-creating them elsewhere.`);
  for (const p of t.promoted) events.record(index, 'Normal', 'ReplicaPromoted', `Replica of shard ${p.shardId} on ${p.node} promoted to primary.`);
  if (t.reduced) events.record(index, 'Normal', 'ReplicasRemoved', `Removed ${t.reduced} replica copies.`);
  if (t.added && before) events.record(index, 'Normal', 'CopiesAdded', `Placing ${t.added} new copies.`);
  if (plan.unassigned.length) events.record(index, 'Warning', plan.unassigned[0].reason, `${plan.unassigned.length} copies cannot be placed (${plan.unassigned[0].reason}).`);
  if (failures.length) events.record(index, 'Warning', 'ShardOperationFailed', failures.slice(0, 5).map((f) => `${f.node}: ${f.message}`).join('; '));
}
