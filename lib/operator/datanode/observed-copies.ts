/**
 * What data nodes report holding, as the operator sees it through each node's WatchShards stream
 * (see shard-watcher.ts). The index controller reads it to decide a copy's state instead of
 * polling GetShardInfo; it is a read-only view, kept current by the watcher.
 */

/** One copy a data node reports, in the terms the index controller uses. */
export interface ObservedCopy {
  readonly namespace: string;
  readonly index: string;
  readonly indexUid: string;
  readonly shardId: number;
  readonly primary: boolean;
  readonly state: 'INITIALIZING' | 'STARTED' | 'FAILED';
  /** Why the copy FAILED (from the node); absent otherwise. */
  readonly reason?: string;
  readonly docsCount: number;
  readonly sizeBytes: number;
  /** The settings generation the copy has applied (CreateShard / UpdateShardSettings), when the node reports one. */
  readonly settingsGeneration?: number;
}

/** What data nodes report holding. A node is "synced" once its first snapshot has arrived on the current stream. */
export interface ObservedCopies {
  /** The copies `node` holds, or undefined while no stream to it is synced (unknown ≠ empty). */
  copiesOn(node: string): readonly ObservedCopy[] | undefined;
  /**
   * The copies `node` holds that are named `namespace/index` (as the node names them), or undefined
   * while no stream to it is synced, like copiesOn. O(copies of that index): an index reconcile asks
   * this for each of its copies, and listing every copy of the node there made a burst of creates
   * quadratic (a node holds copies of thousands of indices).
   */
  indexCopiesOn(node: string, namespace: string, index: string): readonly ObservedCopy[] | undefined;
  /** Every reported copy of one index, with the node holding it. */
  copiesOf(namespace: string, index: string): readonly (ObservedCopy & { readonly node: string })[];
}
