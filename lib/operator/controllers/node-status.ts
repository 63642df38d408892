import { DRAIN_ANNOTATION } from '../../api/v1';
import type { NodeState, QuidditchNode } from '../../api/v1';

export interface NodeVerdict {
  /** The state the node should be in now. */
  readonly state: NodeState;
  /** Why, as a CamelCase reason for the Ready condition and the event. */
  readonly reason: 'HeartbeatFresh' | 'HeartbeatExpired' | 'NoHeartbeatYet' | 'NeverSentHeartbeat' | 'DrainRequested' | 'ShuttingDown';
  readonly message: string;
  /** When the verdict changes by itself (a fresh heartbeat expiring), in ms from now; undefined if only a new event can change it. */
  readonly recheckAfterMs: number | undefined;
}

/**
 * Pure: whether a node is alive, from its last heartbeat and the timeout. A node that has never sent a
 * heartbeat gets one timeout from its creation to send the first, so a starting node is not UNHEALTHY
 * the moment it registers. An alive node is DRAINING while a person asks for it (annotation
 * quidditch.io/drain=true) or the node itself is shutting down (status.shuttingDown, set on SIGTERM);
 * the annotation removed, it is HEALTHY again. A dead draining node is UNHEALTHY like any other.
 */
export function judgeNode(node: QuidditchNode, now: Date, timeoutMs: number): NodeVerdict {
  const heartbeat = parseTime(node.status?.lastHeartbeat);
  const created = parseTime(node.metadata.creationTimestamp) ?? now.getTime();
  const since = heartbeat ?? created;
  const expiresAt = since + timeoutMs;
  const remaining = expiresAt - now.getTime();
  const seconds = Math.round(timeoutMs / 1000);
  if (remaining <= 0) {
    return heartbeat === undefined
      ? { state: 'UNHEALTHY', reason: 'NeverSentHeartbeat', message: `No heartbeat within ${seconds}s of registration. Check that the data node is running and can reach the API server.`, recheckAfterMs: undefined }
      : { state: 'UNHEALTHY', reason: 'HeartbeatExpired', message: `Last heartbeat at ${new Date(heartbeat).toISOString()}, more than ${seconds}s ago. Check the data node's pod and its logs.`, recheckAfterMs: undefined };
  }
  // +1 ms so the recheck lands strictly after the expiry, not on it.
  const recheckAfterMs = remaining + 1;
  if (node.metadata.annotations?.[DRAIN_ANNOTATION] === 'true') {
    return { state: 'DRAINING', reason: 'DrainRequested', message: `Drained as the ${DRAIN_ANNOTATION}=true annotation asks: its copies move to other nodes and no new copy is placed on it. Remove the annotation to undo.`, recheckAfterMs };
  }
  if (node.status?.shuttingDown === true && heartbeat !== undefined) {
    return { state: 'DRAINING', reason: 'ShuttingDown', message: 'The node is shutting down (SIGTERM): its copies move to other nodes; it exits once none is left.', recheckAfterMs };
  }
  if (heartbeat === undefined) {
    // Registered but silent so far: not yet judged dead; keep whatever the node had (none → HEALTHY so shards can be placed once it beats).
    return { state: 'HEALTHY', reason: 'NoHeartbeatYet', message: `Registered; waiting for the first heartbeat (up to ${seconds}s).`, recheckAfterMs };
  }
  return { state: 'HEALTHY', reason: 'HeartbeatFresh', message: `Heartbeat at ${new Date(heartbeat).toISOString()}.`, recheckAfterMs };
}

function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** What the operator writes about a node's copies: how many are left while it drains, and moves in flight. */
export interface DrainProgress {
  /** Copies the indices' status records on the node (whatever their state). */
  readonly copies: number;
  readonly relocationsIn: number;
  readonly relocationsOut: number;
  /** Indices some of whose copies on this node cannot leave (their DrainBlocked condition is True). */
  readonly stalledIndices: readonly string[];
}

/** Pure: the node's copies and moves, from the indices' status (the operator's record). */
export function drainProgress(node: string, indices: readonly { metadata: { name?: string }; status?: { shardAllocations?: readonly { nodeId: string; relocatingFrom?: string; relocatingTo?: string }[]; conditions?: readonly { type: string; status: string }[] } }[]): DrainProgress {
  let copies = 0;
  let relocationsIn = 0;
  let relocationsOut = 0;
  const stalled: string[] = [];
  for (const index of indices) {
    let here = 0;
    for (const a of index.status?.shardAllocations ?? []) {
      if (a.nodeId === node) here++;
      if (a.nodeId === node && a.relocatingFrom) relocationsIn++;
      if (a.relocatingFrom === node) relocationsOut++;
    }
    copies += here;
    if (here && index.status?.conditions?.some((c) => c.type === 'DrainBlocked' && c.status === 'True')) stalled.push(index.metadata.name ?? '');
  }
  return { copies, relocationsIn, relocationsOut, stalledIndices: stalled.sort() };
}
