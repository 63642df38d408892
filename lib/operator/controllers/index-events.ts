import type { QuidditchIndex } from '../../api/v1';
import type { AllocationPlan } from '../allocation';
import { primaryLostMessage } from './accept-data-loss';
import type { EventRecorder } from '../kube/event-recorder';
import { assertNever } from '../runtime/errors';
import type { NodeFailure } from './index-status';
import type { PersistedPlan } from './index-plan';
import { demotionMessage, type Demotion } from './stale-primaries';
import type { FinishedRelocation } from './relocation-bytes';

/** What a plan did, counted per kind of event a person would want to see. */
interface Tally {
  readonly lostNodes: Set<string>;
  lost: number;
  readonly promoted: { shardId: number; node: string }[];
  reduced: number;
  removedOther: number;
  added: number;
  replaced: number;
  readonly dataLossAccepted: number[];
  readonly adopting: Set<string>;
  readonly relocations: { shardId: number; primary: boolean; from: string; to: string }[];
  readonly handovers: { shardId: number; node: string; from: string }[];
  readonly relocated: { shardId: number; node: string }[];
  cancelled: number;
}

/** Pure: counts a plan's actions by what they mean to a person. A new action kind fails tsc here until it is counted. */
export function tallyActions(plan: AllocationPlan): Tally {
  const t: Tally = { lostNodes: new Set(), lost: 0, promoted: [], reduced: 0, removedOther: 0, added: 0, replaced: 0, dataLossAccepted: [], adopting: new Set(), relocations: [], handovers: [], relocated: [], cancelled: 0 };
  for (const a of plan.actions) {
    switch (a.type) {
      case 'create':
        t.added++;
        break;
      case 'promote':
        t.promoted.push({ shardId: a.shardId, node: a.node });
        break;
      case 'adopt':
        t.adopting.add(a.node);
        break;
      case 'relocate':
        t.relocations.push({ shardId: a.shardId, primary: a.primary, from: a.from, to: a.node });
        break;
      case 'handover':
        t.handovers.push({ shardId: a.shardId, node: a.node, from: a.from });
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
          case 'CopyLost':
            t.replaced++;
            break;
          case 'DataLossAccepted':
            t.dataLossAccepted.push(a.shardId);
            break;
          case 'Relocated':
            t.relocated.push({ shardId: a.shardId, node: a.node });
            break;
          case 'RelocationCancelled':
            t.cancelled++;
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
 * being created or became active, copies were lost, promoted, demoted, removed or added, copies that cannot be
 * placed, and data-node calls that failed.
 */
export function recordTransitions(events: EventRecorder, index: QuidditchIndex, before: string | undefined, persisted: Pick<PersistedPlan, 'plan' | 'drift'>, failures: readonly NodeFailure[], demoted: readonly Demotion[] = [], moved: readonly FinishedRelocation[] = []): void {
  const { plan, drift } = persisted;
  const after = index.status?.state;
  if (drift.lost.length) {
    const what = drift.lost.slice(0, 5).map((l) => `shard ${l.shardId}${l.primary ? ' (primary)' : ''} on ${l.node}: ${l.reason}`).join('; ');
    events.record(index, 'Warning', 'CopiesLost', `${drift.lost.length} started copies are no longer held by their nodes (${what}); replacing them from surviving copies, never with empty ones.`);
  }
  if (drift.adopted) events.record(index, 'Normal', 'CopiesAdopted', `${drift.adopted} copies are held again by the nodes that came back; kept as they were.`);
  const t = tallyActions(plan);
  // A new index whose primaries started within its first reconcile (the common case) gets one Event
  // saying both: Creating followed a moment later by Active told nothing more and doubled the Event
  // writes per index. An index still waiting for a node gets Creating now and Active when it arrives.
  const shape = `${index.spec.shards} shards with ${index.spec.replicas ?? 1} replicas each`;
  const becameActive = after === 'ACTIVE' && before !== 'ACTIVE';
  // A new index's notice repeats its Ready condition: under a bulk load the recorder may shed it
  // (one API write per index, the cost of a create). Everything else below is always written.
  if (!before && !becameActive) events.record(index, 'Normal', 'Creating', `Allocating ${shape}.`, { notice: true });
  if (becameActive) events.record(index, 'Normal', 'Active', `${before ? 'All primaries started' : `Allocated ${shape}; all primaries started`}; health ${index.status?.health}.`, { notice: true });
  if (plan.lost.length) {
    const nodes = [...new Set(plan.lost.map((l) => l.node))].join(', ');
    events.record(index, 'Warning', 'CopiesUnavailable', `${plan.lost.length} started copies are on unavailable nodes (${nodes}); they are kept and re-adopted if the node returns. Replicas are replaced after the node-left delay; primaries are replaced by a started replica at once, or wait for the node.`);
  }
  if (t.lost) events.record(index, 'Warning', 'CopiesLost', `${t.lost} copies were on unavailable nodes (${[...t.lostNodes].join(', ')}); re-creating them elsewhere.`);
  if (t.replaced) events.record(index, 'Warning', 'CopiesLost', `${t.replaced} copies are no longer held by their nodes; re-creating them from surviving copies.`);
  if (t.adopting.size) events.record(index, 'Normal', 'CopiesReadopting', `Nodes ${[...t.adopting].join(', ')} are back; confirming the copies they held.`);
  if (t.dataLossAccepted.length) events.record(index, 'Warning', 'DataLossAccepted', `Allocating EMPTY primaries for shards ${t.dataLossAccepted.join(', ')} as the accept-data-loss annotation asks: their previous data is given up.`);
  for (const p of t.promoted) events.record(index, 'Normal', 'ReplicaPromoted', `Replica of shard ${p.shardId} on ${p.node} promoted to primary.`);
  if (demoted.length) events.record(index, 'Normal', 'PrimaryDemoted', demotionMessage(demoted));
  for (const r of t.relocations) events.record(index, 'Normal', 'RelocationStarted', `Moving the ${r.primary ? 'primary' : 'replica'} of shard ${r.shardId} from ${r.from} to ${r.to}: the copy on ${r.to} recovers from the primary; ${r.from} serves until it has started.`);
  for (const r of t.relocated) {
    const m = moved.find((x) => x.shardId === r.shardId && x.from === r.node);
    const where = m ? ` to ${m.to}${m.bytes === undefined ? '' : ` (${m.bytes} bytes)`}` : '';
    events.record(index, 'Normal', 'RelocationFinished', `Shard ${r.shardId} has moved off ${r.node}${where}: its new copy serves, the old one is deleted.`);
  }
  if (t.cancelled) events.record(index, 'Warning', 'RelocationCancelled', `${t.cancelled} relocations were cancelled: their source stopped serving before the new copy started. The shards are re-planned from the copies that serve.`);
  if (t.reduced) events.record(index, 'Normal', 'ReplicasRemoved', `Removed ${t.reduced} replica copies.`);
  if (t.added && before) events.record(index, 'Normal', 'CopiesAdded', `Placing ${t.added} new copies.`);
  const primaryLost = plan.unassigned.filter((u) => u.reason === 'PrimaryLost');
  if (primaryLost.length) events.record(index, 'Warning', 'PrimaryLost', primaryLostMessage(primaryLost));
  const unplaced = plan.unassigned.filter((u) => u.reason !== 'PrimaryLost');
  if (unplaced.length) events.record(index, 'Warning', unplaced[0].reason, `${unplaced.length} copies cannot be placed (${unplaced[0].reason}).`);
  if (failures.length) events.record(index, 'Warning', 'ShardOperationFailed', failures.slice(0, 5).map((f) => `${f.node}: ${f.message}`).join('; '));
}

