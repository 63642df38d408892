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

/** An index's settings and mappings as a data node receives them (see the data-node contract). */
export interface IndexDefinition {
  /** spec.settings as JSON ("" for none). */
  readonly settingsJson: string;
  /** spec.mappings as JSON ("" for none). */
  readonly mappingsJson: string;
  /** metadata.generation they come from. */
  readonly generation: number;
}

export interface CreateOptions {
  readonly definition?: IndexDefinition;
  /** The node holding the shard's current primary, for a replica or a relocation target. */
  readonly recoverFrom?: NodeTarget;
}

/** A data node's answer to new settings: applied, or refused for good with its reason. */
export interface SettingsOutcome {
  readonly applied: boolean;
  readonly refusedReason?: string;
}

/**
 * The shard operations the reconcilers need from data nodes. Every call is idempotent: creating a
 * copy that exists returns it, promoting a primary returns it, deleting a missing copy succeeds.
 * That is what makes a reconcile safe to repeat after any crash.
 */
export interface ShardOperations {
  /**
   * Creates the copy; with `options.definition`, with the index's settings and mappings; with
   * `options.recoverFrom`, recovering its data from the shard's primary on that node.
   */
  createShard(node: NodeTarget, copy: CopyRef, options?: CreateOptions): Promise<{ state: ShardState }>;
  /** Pushes the index's current settings and mappings to an existing copy (optional: older fakes lack it). */
  updateShardSettings?(node: NodeTarget, copy: CopyRef, definition: IndexDefinition): Promise<SettingsOutcome>;
  /** Makes the node's replica of the shard its primary; undefined when the node holds neither. */
  promoteShard(node: NodeTarget, copy: CopyRef): Promise<{ state: ShardState } | undefined>;
  deleteShard(node: NodeTarget, copy: CopyRef): Promise<void>;
  listShards(node: NodeTarget): Promise<HeldCopy[]>;
}
