/**
 * How the operator names an index's copies to the data nodes, and when it must keep its hands off
 * an index. Both exist for restored state (lib/api/v1/cluster-state.ts): an imported index gets a new
 * metadata.uid, but the copies on the data nodes still carry the one it was exported with.
 */
import { COPY_UID_ANNOTATION, RESTORING_ANNOTATION, QuidditchIndex } from '../../api/v1';

/**
 * The UID the index's copies carry on the data nodes: the exported one for a restored index, else its
 * own. Using metadata.uid for a restored index would make every copy it owns look like an orphan.
 */
export function copyUidOf(index: Pick<QuidditchIndex, 'metadata'>): string {
  return index.metadata.annotations?.[COPY_UID_ANNOTATION] || (index.metadata.uid ?? '');
}

/** Import has created the index but not yet written its allocations: planning now would place fresh copies. */
export function isRestoring(index: Pick<QuidditchIndex, 'metadata'>): boolean {
  return index.metadata.annotations?.[RESTORING_ANNOTATION] !== undefined;
}
