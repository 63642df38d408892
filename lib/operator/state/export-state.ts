/**
 * `export`: the namespace's cluster state as a quidditch.io/state/v1 document. The mapping from
 * objects to the snapshot is pure; only exportClusterState reads from the API server.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import {
  API_GROUP, API_VERSION, CLUSTER_STATE_API_VERSION, CLUSTER_STATE_KIND, COPY_NAMESPACE_ANNOTATION, COPY_UID_ANNOTATION, DRAIN_ANNOTATION, RESTORING_ANNOTATION,
  ClusterState, IndexSnapshot, NodeSnapshot, QuidditchIndex, QuidditchNode,
} from '../../api/v1';
import { copyNamespaceOf, copyUidOf } from '../controllers/copy-identity';

/** Annotations that describe how an object was last written, not what it is; never carried over. */
const TOOL_ANNOTATION_PREFIXES = ['kubectl.kubernetes.io/'];
const OWN_ANNOTATIONS = new Set([COPY_UID_ANNOTATION, COPY_NAMESPACE_ANNOTATION, RESTORING_ANNOTATION]);

function userAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  const kept = Object.entries(annotations ?? {}).filter(([k]) => !OWN_ANNOTATIONS.has(k) && !TOOL_ANNOTATION_PREFIXES.some((p) => k.startsWith(p)));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function indexSnapshot(index: QuidditchIndex): IndexSnapshot {
  const annotations = userAnnotations(index.metadata.annotations);
  const labels = index.metadata.labels;
  const copyNamespace = copyNamespaceOf(index);
  return {
    name: index.metadata.name ?? '',
    copyUid: copyUidOf(index),
    // Only for an index that was itself imported from elsewhere; otherwise the document's namespace says it.
    ...(copyNamespace !== (index.metadata.namespace ?? 'default') ? { copyNamespace } : {}),
    ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    ...(annotations ? { annotations } : {}),
    spec: index.spec,
    status: {
      ...(index.status?.state ? { state: index.status.state } : {}),
      ...(index.status?.health ? { health: index.status.health } : {}),
      shardAllocations: (index.status?.shardAllocations ?? []).map((a) => ({ shardId: a.shardId, nodeId: a.nodeId, primary: a.primary, state: a.state })),
    },
  };
}

export function nodeSnapshot(node: QuidditchNode): NodeSnapshot {
  const labels = node.metadata.labels;
  return {
    name: node.metadata.name ?? '',
    ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    spec: node.spec,
    status: {
      // A person's drain (the annotation), not a node's own shutdown: that one ends with the node.
      ...(node.metadata.annotations?.[DRAIN_ANNOTATION] === 'true' || (node.status?.state === 'DRAINING' && !node.status.shuttingDown) ? { state: 'DRAINING' as const } : {}),
      ...(node.status?.allocatedShards !== undefined ? { allocatedShards: node.status.allocatedShards } : {}),
    },
  };
}

/**
 * The snapshot of one namespace. Indices already being deleted are left out: restoring them would
 * bring back what someone asked to remove.
 */
export function clusterSnapshot(namespace: string, indices: readonly QuidditchIndex[], nodes: readonly QuidditchNode[], now: Date): ClusterState {
  return {
    apiVersion: CLUSTER_STATE_API_VERSION,
    kind: CLUSTER_STATE_KIND,
    exportedAt: now.toISOString(),
    namespace,
    indices: indices.filter((i) => !i.metadata.deletionTimestamp).map(indexSnapshot).sort(byName),
    nodes: nodes.map(nodeSnapshot).sort(byName),
  };
}

/** Lists every item of one kind in the namespace (all pages). */
export async function listAll<T>(kc: KubeConfig, namespace: string, plural: string): Promise<T[]> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const items: T[] = [];
  let _continue: string | undefined;
  do {
    const page = (await api.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural, limit: 500, _continue })) as { items: T[]; metadata?: { _continue?: string } };
    items.push(...page.items);
    _continue = page.metadata?._continue || undefined;
  } while (_continue);
  return items;
}

export async function exportClusterState(kc: KubeConfig, namespace: string, now: Date = new Date()): Promise<ClusterState> {
  const [indices, nodes] = await Promise.all([
    listAll<QuidditchIndex>(kc, namespace, 'quidditchindices'),
    listAll<QuidditchNode>(kc, namespace, 'quidditchnodes'),
  ]);
  return clusterSnapshot(namespace, indices, nodes, now);
}
