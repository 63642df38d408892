import type { IndexHealth, IndexState, ShardAllocationStatus } from '../../api/v1';

/**
 * A copy serves once STARTED; a RELOCATING copy still serves from its source node while it
 * moves (as in Elasticsearch), so it counts as active too.
 */
export function isActive(copy: Pick<ShardAllocationStatus, 'state'>): boolean {
  return copy.state === 'STARTED' || copy.state === 'RELOCATING';
}

/**
 * green: every shard has an active primary and `replicas` active replicas;
 * yellow: every primary is active but some replica is missing or not active yet;
 * red: some shard has no active primary.
 */
export function indexHealth(
  allocations: readonly ShardAllocationStatus[],
  shards: number,
  replicas: number,
): IndexHealth {
  const primaries = new Set<number>();
  const activeReplicas = new Map<number, number>();
  for (const a of allocations) {
    if (!isActive(a)) continue;
    if (a.primary) primaries.add(a.shardId);
    else activeReplicas.set(a.shardId, (activeReplicas.get(a.shardId) ?? 0) + 1);
  }
  let health: IndexHealth = 'green';
  for (let shard = 0; shard < shards; shard++) {
    if (!primaries.has(shard)) return 'red';
    if ((activeReplicas.get(shard) ?? 0) < replicas) health = 'yellow';
  }
  return health;
}

/** What `indexState` decides from. */
export interface IndexStateInput {
  /** status.state before this reconcile. */
  readonly previous: IndexState | undefined;
  /** metadata.deletionTimestamp is set. */
  readonly deleting: boolean;
  /** The planned status.shardAllocations. */
  readonly allocations: readonly ShardAllocationStatus[];
  /** spec.shards. */
  readonly shards: number;
}

/**
 * DELETING once deletion started; ACTIVE once every shard has an active primary and every
 * allocated copy is active (replicas that fit on no node do not hold the index back: it serves
 * yellow), and ACTIVE stays ACTIVE when copies are later lost (health tells that); CREATING
 * otherwise.
 */
export function indexState(input: IndexStateInput): IndexState {
  if (input.deleting) return 'DELETING';
  if (input.previous === 'ACTIVE') return 'ACTIVE';
  const primaries = new Set(input.allocations.filter((a) => a.primary && isActive(a)).map((a) => a.shardId));
  const allPrimaries = primaries.size >= input.shards && [...Array(input.shards).keys()].every((s) => primaries.has(s));
  return allPrimaries && input.allocations.every(isActive) ? 'ACTIVE' : 'CREATING';
}
