/**
 * How the operator names an index's copies to the data nodes, and when it must keep its hands off
 * an index. Both exist for restored state (lib/api/v1/cluster-state.ts): an imported index gets a new
 * metadata.uid, and may live in another namespace, but the copies on the data nodes still carry the
 * namespace and UID it was exported with.
 */
import { COPY_NAMESPACE_ANNOTATION, COPY_UID_ANNOTATION, RESTORING_ANNOTATION, QuidditchIndex } from '../../api/v1';

/** What a data node knows a copy by, apart from its shard and primary flag. */
export interface CopyIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/**
 * The UID the index's copies carry on the data nodes: the exported one for a restored index, else its
 * own. Using metadata.uid for a restored index would make every copy it owns look like an orphan.
 */
export function copyUidOf(index: Pick<QuidditchIndex, 'metadata'>): string {
  return index.metadata.annotations?.[COPY_UID_ANNOTATION] || (index.metadata.uid ?? '');
}

/** The namespace the index's copies carry on the data nodes: the exported one for an index imported elsewhere, else its own. */
export function copyNamespaceOf(index: Pick<QuidditchIndex, 'metadata'>): string {
  return index.metadata.annotations?.[COPY_NAMESPACE_ANNOTATION] || (index.metadata.namespace ?? 'default');
}

/** Namespace, name and UID the index's copies are known by: use it wherever the operator names or recognises a copy. */
export function copyIdentityOf(index: Pick<QuidditchIndex, 'metadata'>): CopyIdentity {
  return { namespace: copyNamespaceOf(index), name: index.metadata.name ?? '', uid: copyUidOf(index) };
}

/** Whether a copy a node reports belongs to the index with this identity (any shard). */
export function isCopyOf(copy: { readonly namespace: string; readonly index: string; readonly indexUid: string }, id: CopyIdentity): boolean {
  return copy.namespace === id.namespace && copy.index === id.name && copy.indexUid === id.uid;
}

/** What a data node reports of one copy: enough to recognise it (the copy's index identity and shard). */
export interface ReportedCopyKey {
  readonly namespace: string;
  readonly index: string;
  readonly indexUid: string;
  readonly shardId: number;
}

/**
 * The copy of shard `shardId` of the index `id` among what one node reports holding (`held`, its
 * stream's view): the copy, null when the node reports none, undefined while its report is unknown
 * (no synced stream: unknown is not empty). A node holds at most one copy of a shard.
 */
export function reportedCopy<C extends ReportedCopyKey>(held: readonly C[] | undefined, id: CopyIdentity, shardId: number): C | null | undefined {
  if (held === undefined) return undefined;
  return held.find((c) => isCopyOf(c, id) && c.shardId === shardId) ?? null;
}

/** Import has created the index but not yet written its allocations: planning now would place fresh copies. */
export function isRestoring(index: Pick<QuidditchIndex, 'metadata'>): boolean {
  return index.metadata.annotations?.[RESTORING_ANNOTATION] !== undefined;
}
