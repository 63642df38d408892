import type { ShardState } from '../../api/v1';

/** Where a data node listens. */
export interface NodeTarget {
  readonly name: string;
  readonly address: string;
}

/**
 * One copy of one shard, as the data node identifies it. The index UID tells a re-created index of
 * the same name apart; the primary flag is part of the identity (a promotion turns one into the other).
 */
export interface CopyRef {
  readonly namespace: string;
  readonly index: string;
  readonly indexUid: string;
  readonly shardId: number;
  readonly primary: boolean;
}

/** A copy a data node holds, as it reports it. */
export interface HeldCopy extends CopyRef {
  readonly state: ShardState;
  /** When the node created it (ms since epoch). */
  readonly createdAtMs: number;
}

/** What a new copy is created with: the index's settings and mappings as JSON, and the generation they come from. */
export interface IndexContent {
  readonly settingsJson: string;
  readonly mappingsJson: string;
  readonly generation: number;
}

/** Where a new copy recovers its data from (CreateShard's recovery_source): a serving copy on another node. */
export interface RecoverySourceRef {
  /** QuidditchNode name of the source. */
  readonly node: string;
  readonly address: string;
  readonly copy: CopyRef;
}

/**
 * The shard operations the reconcilers need from data nodes. Every call is idempotent: creating a
 * copy that exists returns it, promoting a primary (demoting a replica) returns it, deleting a missing copy succeeds.
 * That is what makes a reconcile safe to repeat after any crash.
 */
/** What a node answers to CreateShard. */
export interface CreatedCopy {
  readonly state: ShardState;
  readonly docsCount?: number;
  readonly sizeBytes?: number;
}

export interface ShardOperations {
  /**
   * Creates the copy; with `source`, the node recovers it from there before it reports STARTED.
   * Answers its state and, when the node says, its documents and bytes (the index's totals).
   */
  createShard(node: NodeTarget, copy: CopyRef, content?: IndexContent, source?: RecoverySourceRef): Promise<CreatedCopy>;
  /** Makes the node's replica of the shard its primary; undefined when the node holds neither. */
  promoteShard(node: NodeTarget, copy: CopyRef): Promise<{ state: ShardState } | undefined>;
  /**
   * Makes the node's superseded primary of the shard a replica that keeps its data and re-syncs from
   * `source` (the current primary); a replica already is returned. Undefined when the node holds neither.
   */
  demoteShard(node: NodeTarget, copy: CopyRef, source: RecoverySourceRef): Promise<{ state: ShardState } | undefined>;
  deleteShard(node: NodeTarget, copy: CopyRef): Promise<void>;
  /**
   * Pushes changed settings and mappings to an existing copy (idempotent per generation). A change the
   * node cannot take in place (a static setting, a re-typed field) is refused with its reason: an
   * answer, not an error.
   */
  updateSettings?(node: NodeTarget, copy: CopyRef, content: IndexContent): Promise<{ applied: boolean; reason: string }>;
  listShards(node: NodeTarget): Promise<HeldCopy[]>;
}
