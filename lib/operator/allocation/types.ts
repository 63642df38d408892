import type { NodeState, ShardAllocationStatus } from '../../api/v1';

/** The index being allocated: only what placement depends on. */
export interface IndexShape {
  /** Namespace of the QuidditchIndex (used in messages only). */
  readonly namespace: string;
  /** Name of the QuidditchIndex (used in messages only). */
  readonly name: string;
  /** Primary shard count (spec.shards). */
  readonly shards: number;
  /** Replicas of every primary (spec.replicas). */
  readonly replicas: number;
}

/**
 * A data node the allocator may place copies on.
 *
 * Pass EVERY data node of the namespace, healthy or not: a copy whose node is absent from the
 * list is treated as lost (its node was deleted) and re-created elsewhere.
 */
export interface CandidateNode {
  /** QuidditchNode name (the `nodeId` of allocations). */
  readonly name: string;
  /**
   * status.state. Only HEALTHY nodes receive new copies. Copies on UNHEALTHY nodes are dropped;
   * copies on DRAINING nodes or nodes with no state yet are kept (they still serve).
   */
  readonly state: NodeState | undefined;
  /** spec.maxShards: most copies (over all indices) the node may hold. */
  readonly maxShards: number;
  /** spec.zone, else status.zone (the Kubernetes Node's zone); nodes without a zone count as one shared zone. */
  readonly zone?: string;
  /**
   * Copies the node holds over ALL indices, INCLUDING the current allocations of the index being
   * planned (see `nodeLoads`).
   */
  readonly load: number;
  /**
   * Bytes the node reports its copies take (over all indices), where it reports sizes: rebalancing
   * prefers moves from fuller to emptier disks among the moves copy counts allow. @default 0
   */
  readonly bytes?: number;
}

/** Why a copy could not be placed. */
export type UnassignedReason =
  /** No node is HEALTHY. */
  | 'NoHealthyNodes'
  /** Healthy nodes exist but every one without a copy of this shard is at maxShards. */
  | 'InsufficientCapacity'
  /** Every healthy node already holds a copy of this shard: more nodes are needed for this many replicas. */
  | 'TooFewNodes'
  /**
   * The shard's primary held data and no copy that holds it serves: every copy was on nodes that are
   * unavailable or lost it. Nothing is placed until a node holding it returns, or until the shard is
   * named in the accept-data-loss annotation (then an EMPTY primary is allocated).
   */
  | 'PrimaryLost';

/** A copy of a shard that is wanted but could not be placed. */
export interface UnassignedCopy {
  readonly shardId: number;
  readonly primary: boolean;
  readonly reason: UnassignedReason;
  /** PrimaryLost: the nodes the shard's data was last on (bring one back to recover it). */
  readonly nodes?: readonly string[];
}

/** What planning depends on besides the index, its allocations and the nodes; all optional, so the allocator stays a pure function. */
export interface PlanOptions {
  /** The current time in ms (for the node-left delay). @default 0 */
  readonly now?: number;
  /**
   * How long a STARTED replica on a node that left is kept (UNASSIGNED, not replaced) so a node that
   * returns within it keeps its copy, like index.unassigned.node_left.delayed_timeout. Primaries are
   * never delayed: a surviving replica is promoted at once. @default 0 (replace at once)
   */
  readonly nodeLeftDelayMs?: number;
  /** Shards whose lost primary may be replaced by an EMPTY one (the documented accept-data-loss annotation). @default none */
  readonly acceptDataLoss?: ReadonlySet<number> | 'all';
}

/** Why a copy is removed from the allocation list. */
export type DeleteReason =
  /** Its node is UNHEALTHY or no longer exists: the copy is lost; a DeleteShard is best effort. */
  | 'NodeUnavailable'
  /** spec.replicas went down. */
  | 'ReplicasReduced'
  /** shardId is not below spec.shards (a corrupt or stale status). */
  | 'ShardOutOfRange'
  /** A second copy of the same shard on the same node, or a second primary (a corrupt status). */
  | 'DuplicateCopy'
  /** The node is available but no longer holds the copy (or reported it failed): it is replaced from a surviving copy. */
  | 'CopyLost'
  /** The shard's lost primary is given up as the accept-data-loss annotation asks. */
  | 'DataLossAccepted'
  /** The source of a relocation, once its target has started (and, for a primary, been promoted). */
  | 'Relocated'
  /** The target of a relocation that cannot finish (its source stopped serving before it started). */
  | 'RelocationCancelled';

/**
 * One step towards the new allocation. `planAllocation` lists them in the order to carry out:
 * promotions first (so every shard has a serving primary again at once), then creations, then
 * deletions.
 */
export type AllocationAction =
  /** Create a new copy (CreateShard); it starts INITIALIZING. */
  | { readonly type: 'create'; readonly shardId: number; readonly primary: boolean; readonly node: string }
  /** Make the replica on `node` the primary of its shard (its old primary is lost). */
  | { readonly type: 'promote'; readonly shardId: number; readonly node: string }
  /**
   * `node` is available again and was recorded as holding this copy while it was away (UNASSIGNED):
   * confirm the node still holds it WITHOUT creating one (an empty primary would hide lost data).
   */
  | { readonly type: 'adopt'; readonly shardId: number; readonly primary: boolean; readonly node: string }
  /**
   * Move the copy of `from` to `node`, create-before-delete: create a replica on `node` recovering from
   * the shard's serving primary. `from` keeps serving (RELOCATING) until the copy on `node` has started.
   * `primary` is the moving copy's role.
   */
  | { readonly type: 'relocate'; readonly shardId: number; readonly primary: boolean; readonly from: string; readonly node: string }
  /**
   * The relocation target on `node` has started and takes over as primary from `from`: promote it
   * (idempotent; repeated until its node reports it primary). `from` is deleted only after that.
   */
  | { readonly type: 'handover'; readonly shardId: number; readonly node: string; readonly from: string }
  /** Remove the copy from `node` (DeleteShard, best effort when reason is NodeUnavailable). */
  | {
      readonly type: 'delete';
      readonly shardId: number;
      readonly primary: boolean;
      readonly node: string;
      readonly reason: DeleteReason;
      /** Relocated: the node the copy moved to (whose started copy replaces this one). */
      readonly to?: string;
    };

/** The result of `planAllocation`. */
export interface AllocationPlan {
  /** The new status.shardAllocations, sorted by shardId, primary first, then node name. */
  readonly allocations: ShardAllocationStatus[];
  /** What to do to get there; empty when the current allocation already satisfies the spec. */
  readonly actions: AllocationAction[];
  /** Wanted copies that have no node; empty when every copy is placed. */
  readonly unassigned: UnassignedCopy[];
  /** Copies that became UNASSIGNED in this plan (their node left), for the Event. */
  readonly lost: { readonly shardId: number; readonly primary: boolean; readonly node: string }[];
  /** When a delayed replica is due for replacement, in ms from `now`; undefined when none waits. */
  readonly recheckAfterMs?: number;
}

/**
 * The index shape or node list can never be planned as given (e.g. spec.shards below 1). Retrying
 * cannot help until the object changes: the reconciler reports it as terminal.
 */
export class PlanValidationError extends Error {
  constructor(message: string, readonly problems: readonly string[]) {
    super(message);
    this.name = 'PlanValidationError';
  }
}
