import { createHash } from 'node:crypto';
import { API_GROUP_VERSION } from '../../api/v1';
import type { QuidditchIndex, ShardAllocation, ShardAllocationStatus } from '../../api/v1';
import { copyUidOf } from './copy-identity';

/** A copy as its node reports it (ObservedCopies.copiesOf): where, and its documents and bytes. */
export interface ReportedCopy {
  readonly node: string;
  readonly indexUid: string;
  readonly shardId: number;
  readonly docsCount: number;
  readonly sizeBytes: number;
}

/** Label on every mirror object naming its index, so one index's mirrors are found without parsing names. */
export const MIRROR_INDEX_LABEL = 'quidditch.io/index';

/** What a mirror object should look like (spec, status, labels, owner). */
export interface MirrorObject {
  readonly name: string;
  readonly body: ShardAllocation;
}

/**
 * Pure: the ShardAllocation objects that mirror an index's status.shardAllocations, one per copy.
 * A copy is named <index>-<shard>-<node> (no two copies of a shard share a node, so the name is
 * unique); names past the 253-character limit are shortened with a hash. Each is owned by its index,
 * so Kubernetes' garbage collector removes the mirrors when the index goes.
 */
export function desiredMirrors(index: QuidditchIndex, observed: readonly ReportedCopy[] = []): MirrorObject[] {
  if (index.metadata.deletionTimestamp) return [];
  const name = index.metadata.name ?? '';
  const reported = new Map(observed.filter((c) => c.indexUid === copyUidOf(index)).map((c) => [`${c.shardId}@${c.node}`, c]));
  return (index.status?.shardAllocations ?? []).map((a) => {
    const objectName = mirrorName(name, a);
    const copy = reported.get(`${a.shardId}@${a.nodeId}`);
    // Numbers only from a node that reports the copy: an absent count is unknown, not zero.
    const numbers = copy && a.state !== 'UNASSIGNED' ? { docsCount: copy.docsCount, sizeBytes: copy.sizeBytes } : {};
    return {
      name: objectName,
      body: {
        apiVersion: API_GROUP_VERSION,
        kind: 'ShardAllocation',
        metadata: {
          name: objectName,
          namespace: index.metadata.namespace,
          labels: { [MIRROR_INDEX_LABEL]: name, 'app.kubernetes.io/managed-by': 'quidditch-operator' },
          ownerReferences: [{ apiVersion: API_GROUP_VERSION, kind: 'QuidditchIndex', name, uid: index.metadata.uid ?? '', controller: true, blockOwnerDeletion: false }],
        },
        spec: { indexName: name, shardId: a.shardId, isPrimary: a.primary, assignedNode: a.nodeId },
        status: { state: a.state, ...numbers },
      },
    };
  });
}

export function mirrorName(index: string, a: Pick<ShardAllocationStatus, 'shardId' | 'nodeId'>): string {
  const full = `${index}-${a.shardId}-${a.nodeId}`.toLowerCase();
  if (full.length <= 253) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 10);
  return `${full.slice(0, 242)}-${hash}`;
}

/** Pure: what to do to make `existing` mirrors match `desired`. */
export function diffMirrors(desired: readonly MirrorObject[], existing: readonly ShardAllocation[]): {
  create: MirrorObject[];
  updateSpec: MirrorObject[];
  updateStatus: MirrorObject[];
  remove: string[];
} {
  const have = new Map(existing.map((e) => [e.metadata.name ?? '', e]));
  const want = new Set(desired.map((d) => d.name));
  const create: MirrorObject[] = [];
  const updateSpec: MirrorObject[] = [];
  const updateStatus: MirrorObject[] = [];
  for (const d of desired) {
    const e = have.get(d.name);
    if (!e) {
      create.push(d);
      continue;
    }
    if (e.spec.isPrimary !== d.body.spec.isPrimary || e.spec.assignedNode !== d.body.spec.assignedNode || e.spec.shardId !== d.body.spec.shardId) updateSpec.push(d);
    if (e.status?.state !== d.body.status?.state || e.status?.docsCount !== d.body.status?.docsCount || e.status?.sizeBytes !== d.body.status?.sizeBytes) updateStatus.push(d);
  }
  const remove = existing.map((e) => e.metadata.name ?? '').filter((n) => !want.has(n));
  return { create, updateSpec, updateStatus, remove };
}
