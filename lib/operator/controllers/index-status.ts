import type { QuidditchIndex, QuidditchIndexStatus, ShardAllocationStatus } from '../../api/v1';
import { indexHealth, indexState, isActive } from '../allocation';
import { setCondition } from './conditions';
import { primaryLostMessage } from './accept-data-loss';
import type { StuckCopy } from '../allocation';
import { stuckMessage } from './index-relocate';

/** A shard operation that failed on a data node during this reconcile. */
export interface NodeFailure {
  readonly node: string;
  readonly message: string;
}

export interface UnplacedCopy {
  readonly shardId: number;
  readonly primary: boolean;
  readonly reason: string;
  /** PrimaryLost: where the shard's data last was. */
  readonly nodes?: readonly string[];
}

export interface IndexObservation {
  /** Allocations after this reconcile's side effects. */
  readonly allocations: readonly ShardAllocationStatus[];
  /** Wanted copies with no node. */
  readonly unassigned: readonly UnplacedCopy[];
  /** Data-node calls that failed. */
  readonly failures: readonly NodeFailure[];
  /** Documents and bytes as the nodes report them; undefined leaves the previous numbers. */
  readonly totals?: IndexTotals;
  /** Copies that must leave draining nodes but have nowhere to go (DrainBlocked condition). @default none */
  readonly stuck?: readonly StuckCopy[];
  /** Where the spec's settings stand on the copies; undefined when the nodes' reports are not followed. */
  readonly settings?: { readonly pending: number; readonly refusedMessage?: string };
}

export interface IndexTotals {
  readonly docsCount: number;
  readonly sizeBytes: number;
}

/**
 * Pure: documents in the primaries and bytes of every copy, from the nodes' reports. Undefined when
 * some serving copy has no report yet: a partial sum would show a number that is simply wrong.
 */
export function indexTotals(
  allocations: readonly ShardAllocationStatus[],
  reported: readonly { node: string; indexUid: string; shardId: number; docsCount: number; sizeBytes: number }[],
  uid: string | undefined,
): IndexTotals | undefined {
  const byCopy = new Map(reported.filter((c) => c.indexUid === uid).map((c) => [`${c.shardId}@${c.node}`, c]));
  let docsCount = 0;
  let sizeBytes = 0;
  for (const a of allocations) {
    if (a.state === 'UNASSIGNED') continue;
    const c = byCopy.get(`${a.shardId}@${a.nodeId}`);
    if (!c) return undefined;
    if (a.primary) docsCount += c.docsCount;
    sizeBytes += c.sizeBytes;
  }
  return { docsCount, sizeBytes };
}

/**
 * Pure: the status an index should have after a reconcile: state and health from the allocator's
 * rules (indexState, indexHealth), and the Ready / Progressing / Degraded conditions with reasons
 * that tell a person what to do next.
 */
export function computeIndexStatus(index: QuidditchIndex, observed: IndexObservation, now: Date): QuidditchIndexStatus {
  const previous = index.status ?? {};
  const replicas = index.spec.replicas ?? 1;
  const health = indexHealth(observed.allocations, index.spec.shards, replicas);
  const state = indexState({ previous: previous.state, deleting: false, allocations: observed.allocations, shards: index.spec.shards });
  const primariesUnplaced = observed.unassigned.filter((u) => u.primary);
  const initializing = observed.allocations.filter((a) => !isActive(a)).length;
  const generation = index.metadata.generation;

  let conditions = previous.conditions ?? [];
  const set = (type: string, status: 'True' | 'False', reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message, observedGeneration: generation }, now);
  };

  const unplacedReason = observed.unassigned[0]?.reason;
  const failureText = summarizeFailures(observed.failures);
  const primaryLost = observed.unassigned.filter((u) => u.reason === 'PrimaryLost');
  const away = observed.allocations.filter((a) => a.state === 'UNASSIGNED');
  if (health === 'red') {
    const reason = primaryLost.length ? 'PrimaryLost' : primariesUnplaced.length ? unplacedReason ?? 'PrimariesUnassigned' : observed.failures.length ? 'NodeUnreachable' : 'ShardsInitializing';
    const message = primaryLost.length
      ? primaryLostMessage(primaryLost)
      : primariesUnplaced.length
      ? `${primariesUnplaced.length} primary shard(s) have no node (${unplacedReason}). ${adviceFor(unplacedReason)}`
      : observed.failures.length
        ? `Some primaries are not started: ${failureText}`
        : `Waiting for ${initializing} shard copies to start.`;
    set('Ready', 'False', reason, message);
  } else {
    set('Ready', 'True', 'PrimariesStarted', 'Every primary shard is started; the index serves reads and writes.');
  }

  const pending = initializing > 0 || observed.unassigned.length > 0;
  if (pending) {
    set('Progressing', 'True', state === 'ACTIVE' ? 'Reallocating' : 'Allocating', `${initializing} copies initializing, ${observed.unassigned.length} unassigned.`);
  } else {
    set('Progressing', 'False', 'AllocationComplete', `All ${observed.allocations.length} copies are started.`);
  }

  if (primaryLost.length) {
    set('Degraded', 'True', 'PrimaryLost', primaryLostMessage(primaryLost));
  } else if (observed.failures.length) {
    set('Degraded', 'True', 'NodeUnreachable', `Shard operations failed: ${failureText} Check the nodes' addresses and pods; the operator retries with backoff.`);
  } else if (observed.unassigned.length) {
    set('Degraded', 'True', unplacedReason ?? 'CopiesUnassigned', `${observed.unassigned.length} copies cannot be placed (${unplacedReason}). ${adviceFor(unplacedReason)}`);
  } else if (away.length) {
    const nodes = [...new Set(away.map((a) => a.nodeId))].join(', ');
    set('Degraded', 'True', 'CopiesUnavailable', `${away.length} copies do not serve: their nodes (${nodes}) are unavailable or lost them. A node back soon keeps its copies; replicas are otherwise replaced after the node-left delay.`);
  } else if (health !== 'green' && state === 'ACTIVE') {
    set('Degraded', 'True', 'CopiesNotStarted', `Health is ${health}: ${initializing} copies are not started yet.`);
  } else {
    set('Degraded', 'False', 'AllCopiesHealthy', 'No copy is missing or failing.');
  }

  // Only indices a drain concerns carry the condition: it appears when a copy cannot leave and turns False after.
  if (observed.stuck?.length) set('DrainBlocked', 'True', 'DrainStalled', stuckMessage(observed.stuck));
  else if (conditions.some((c) => c.type === 'DrainBlocked')) set('DrainBlocked', 'False', 'NothingStuck', 'Every copy on a draining node can move (or has moved).');

  // The generation is observed once every copy has applied it; while a copy has not, or its node
  // refused it, the SettingsApplied condition says which.
  const settings = observed.settings;
  let observedGeneration = generation;
  if (settings) {
    if (settings.refusedMessage) {
      set('SettingsApplied', 'False', 'SettingsRefused', settings.refusedMessage);
      observedGeneration = previous.observedGeneration ?? 0;
    } else if (settings.pending > 0) {
      set('SettingsApplied', 'False', 'SettingsPending', `${settings.pending} copies have not applied generation ${generation} of the settings and mappings yet.`);
      observedGeneration = previous.observedGeneration ?? 0;
    } else set('SettingsApplied', 'True', 'SettingsApplied', 'Every copy runs the current settings and mappings.');
  }

  return {
    ...previous,
    state,
    health,
    shardAllocations: [...observed.allocations],
    conditions,
    observedGeneration,
    ...(observed.totals ?? {}),
  };
}

function adviceFor(reason: string | undefined): string {
  switch (reason) {
    case 'NoHealthyNodes':
      return 'Start data nodes (scale the data-node StatefulSet); the index is retried as soon as a node is healthy.';
    case 'TooFewNodes':
      return 'Add data nodes or lower spec.replicas: copies of one shard need distinct nodes.';
    case 'InsufficientCapacity':
      return 'Add data nodes or raise their maxShards.';
    default:
      return '';
  }
}

function summarizeFailures(failures: readonly NodeFailure[]): string {
  const byNode = new Map<string, string>();
  for (const f of failures) if (!byNode.has(f.node)) byNode.set(f.node, f.message);
  return [...byNode].map(([node, msg]) => `${node}: ${msg}`).join('; ') + '.';
}

/** True when writing `next` over `current` would change nothing (lastTransitionTime-insensitive is not needed: setCondition keeps it). */
export function statusUnchanged(current: QuidditchIndexStatus | undefined, next: QuidditchIndexStatus): boolean {
  return JSON.stringify(normalize(current ?? {})) === JSON.stringify(normalize(next));
}

function normalize(s: QuidditchIndexStatus): unknown {
  return {
    state: s.state,
    health: s.health,
    shardAllocations: allocationsKey(s.shardAllocations ?? []),
    conditions: (s.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime, c.observedGeneration]),
    observedGeneration: s.observedGeneration,
    docsCount: s.docsCount,
    sizeBytes: s.sizeBytes,
  };
}

/**
 * A canonical text form of an allocation list: order-insensitive and independent of JSON key order
 * (the API server returns object keys sorted, so objects read back never stringify like ours).
 */
export function allocationsKey(list: readonly ShardAllocationStatus[]): string {
  return list
    .map((a) => `${a.shardId}/${a.nodeId}/${a.primary ? 'p' : 'r'}/${a.state}${a.relocatingTo ? `>${a.relocatingTo}` : ''}${a.relocatingFrom ? `<${a.relocatingFrom}` : ''}`)
    .sort()
    .join(',');
}
