import type { NodeState, QuidditchNode } from '../../api/v1';

export interface NodeVerdict {
  /** The state the node should be in now. */
  readonly state: NodeState;
  /** Why, as a CamelCase reason for the Ready condition and the event. */
  readonly reason: 'HeartbeatFresh' | 'HeartbeatExpired' | 'NoHeartbeatYet' | 'NeverSentHeartbeat' | 'Draining';
  readonly message: string;
  /** When the verdict changes by itself (a fresh heartbeat expiring), in ms from now; undefined if only a new event can change it. */
  readonly recheckAfterMs: number | undefined;
}

/**
 * Pure: whether a node is alive, from its last heartbeat and the timeout. A node that has never sent a
 * heartbeat gets one timeout from its creation to send the first, so a starting node is not UNHEALTHY
 * the moment it registers. DRAINING is set by people (or a future drain controller) and is kept while
 * the node is alive; a dead draining node is UNHEALTHY like any other.
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
  if (node.status?.state === 'DRAINING') {
    return { state: 'DRAINING', reason: 'Draining', message: 'The node is being drained; no new shard copies are placed on it.', recheckAfterMs };
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
