import { DEFAULT_MAX_SHARDS_PER_NODE } from '../../api/v1';
import type { QuidditchIndex, QuidditchNode } from '../../api/v1';
import type { CandidateNode } from './types';

/**
 * Copies per node over every index, counted from the indices' status.shardAllocations (the
 * operator's own record, which is ahead of the nodes' reported allocatedShards).
 */
export function nodeLoads(indices: readonly Pick<QuidditchIndex, 'status'>[]): Map<string, number> {
  const loads = new Map<string, number>();
  for (const index of indices) {
    for (const a of index.status?.shardAllocations ?? []) loads.set(a.nodeId, (loads.get(a.nodeId) ?? 0) + 1);
  }
  return loads;
}

/**
 * The allocator's view of the cluster: every DATA node (healthy or not, so that copies on
 * missing nodes can be told apart from copies on known ones), with its load over all indices.
 */
export function candidateNodes(
  nodes: readonly Pick<QuidditchNode, 'metadata' | 'spec' | 'status'>[],
  indices: readonly Pick<QuidditchIndex, 'status'>[],
): CandidateNode[] {
  const loads = nodeLoads(indices);
  return nodes
    .filter((n) => n.spec.nodeType === 'DATA' && n.metadata.name !== undefined)
    .map((n) => {
      const name = n.metadata.name as string;
      return {
        name,
        state: n.status?.state,
        maxShards: n.spec.maxShards ?? DEFAULT_MAX_SHARDS_PER_NODE,
        // spec.zone wins; status.zone is what the operator resolved (the same value, or the Kubernetes Node's zone).
        zone: n.spec.zone || n.status?.zone || undefined,
        load: loads.get(name) ?? 0,
      };
    });
}
