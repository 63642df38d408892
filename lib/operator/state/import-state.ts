/**
 * `import`: restores a quidditch.io/state/v1 document into a namespace so that an operator there
 * adopts every index as it was — same allocations, same copy identity — and creates or moves nothing.
 *
 * Order matters, and every step is safe to repeat (a crashed import is finished by running it again):
 *  1. check everything first: an existing index with the same name but other copies is a conflict,
 *     reported together with every other one before anything is written;
 *  2. nodes first, so no allocation ever points at a node the operator does not know (it would
 *     treat those copies as lost and place new ones);
 *  3. each index created with RESTORING_ANNOTATION (the operator leaves it alone), its status written
 *     through the status subresource, then the annotation removed. An index that exists without the
 *     annotation and with the same copy identity (namespace and UID) is already restored; its live status wins.
 */
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  API_GROUP, API_GROUP_VERSION, API_VERSION, COPY_NAMESPACE_ANNOTATION, COPY_UID_ANNOTATION, DRAIN_ANNOTATION, RESTORING_ANNOTATION,
  ClusterState, IndexSnapshot, NodeSnapshot, QuidditchIndex, QuidditchNode,
} from '../../api/v1';
import { copyIdentityOf, isRestoring } from '../controllers/copy-identity';
import { mapLimit } from '../controllers/map-limit';
import { CustomResourceClient, statusCodeOf } from '../kube/custom-resource-client';
import { listAll } from './export-state';

export interface ImportResult {
  readonly namespace: string;
  /** Indices created (or finished) by this run. */
  readonly indicesRestored: readonly string[];
  /** Indices already there with the same copies, left as they are. */
  readonly indicesUnchanged: readonly string[];
  readonly nodesCreated: readonly string[];
  readonly nodesUnchanged: readonly string[];
}

/** Thrown before any write when the target namespace holds indices that are not the exported ones. */
export class ImportConflictError extends Error {
  constructor(readonly namespace: string, readonly conflicts: readonly string[]) {
    super(
      `Unable to import the cluster state into namespace ${namespace}: ${conflicts.length} index${conflicts.length === 1 ? '' : 'es'} already exist with other shard copies ` +
        `(${conflicts.join(', ')}). Nothing was written. Import into a namespace without them, or delete them first if they are not needed.`,
    );
    this.name = 'ImportConflictError';
  }
}

const PARALLEL_WRITES = 16;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The namespace the data nodes know a snapshot index's copies by. */
const copyNamespaceIn = (state: ClusterState, s: IndexSnapshot) => s.copyNamespace ?? state.namespace;

/** Pure: which snapshot indices conflict with what the namespace holds (same name, other copies). */
export function importConflicts(state: ClusterState, existing: readonly QuidditchIndex[]): string[] {
  const byName = new Map(existing.map((i) => [i.metadata.name ?? '', i]));
  const conflicts: string[] = [];
  for (const s of state.indices) {
    const live = byName.get(s.name);
    if (!live) continue;
    const found = copyIdentityOf(live);
    const exportedNamespace = copyNamespaceIn(state, s);
    if (found.uid === s.copyUid && found.namespace === exportedNamespace) continue;
    conflicts.push(found.namespace === exportedNamespace
      ? `${s.name} (exported copy UID ${s.copyUid}, found ${found.uid})`
      : `${s.name} (exported copy UID ${s.copyUid} of namespace ${exportedNamespace}, found ${found.uid} of namespace ${found.namespace})`);
  }
  return conflicts;
}

function indexBody(namespace: string, state: ClusterState, s: IndexSnapshot): QuidditchIndex {
  // Restored elsewhere, the copies keep the namespace they were created in: the operator names them by it.
  const copyNamespace = copyNamespaceIn(state, s);
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'QuidditchIndex',
    metadata: {
      name: s.name,
      namespace,
      ...(s.labels ? { labels: { ...s.labels } } : {}),
      annotations: {
        ...(s.annotations ?? {}),
        [COPY_UID_ANNOTATION]: s.copyUid,
        ...(copyNamespace !== namespace ? { [COPY_NAMESPACE_ANNOTATION]: copyNamespace } : {}),
        [RESTORING_ANNOTATION]: 'true',
      },
    },
    spec: s.spec,
  };
}

function nodeBody(namespace: string, s: NodeSnapshot): QuidditchNode {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'QuidditchNode',
    // A drain decided before the export goes on: the annotation is what the operator drains by.
    metadata: { name: s.name, namespace, ...(s.labels ? { labels: { ...s.labels } } : {}), ...(s.status.state === 'DRAINING' ? { annotations: { [DRAIN_ANNOTATION]: 'true' } } : {}) },
    spec: s.spec,
  };
}

export async function importClusterState(kc: KubeConfig, namespace: string, state: ClusterState): Promise<ImportResult> {
  const indices = new CustomResourceClient<QuidditchIndex>(kc, 'quidditchindices');
  const nodes = new CustomResourceClient<QuidditchNode>(kc, 'quidditchnodes');
  const api = kc.makeApiClient(CustomObjectsApi);
  const [liveIndices, liveNodes] = await Promise.all([
    listAll<QuidditchIndex>(kc, namespace, 'quidditchindices'),
    listAll<QuidditchNode>(kc, namespace, 'quidditchnodes'),
  ]);

  // 1. Conflicts, all at once, before any write.
  const conflicts = importConflicts(state, liveIndices);
  if (conflicts.length > 0) throw new ImportConflictError(namespace, conflicts);

  // 2. Nodes. A node that exists already registered itself (or was imported): its own record wins.
  const knownNodes = new Set(liveNodes.map((n) => n.metadata.name));
  const nodesCreated: string[] = [];
  await mapLimit(state.nodes.filter((n) => !knownNodes.has(n.name)), PARALLEL_WRITES, async (s) => {
    try {
      await nodes.create(namespace, nodeBody(namespace, s));
    } catch (err) {
      if (statusCodeOf(err) !== 409) throw err; // registered meanwhile: fine
      return;
    }
    // No lastHeartbeat: the operator gives the node one heartbeat timeout from now to show it is alive.
    if (Object.keys(s.status).length > 0) await nodes.patchStatus(namespace, s.name, undefined, s.status);
    nodesCreated.push(s.name);
  });

  // 3. Indices.
  const live = new Map(liveIndices.map((i) => [i.metadata.name ?? '', i]));
  const indicesRestored: string[] = [];
  const indicesUnchanged: string[] = [];
  await mapLimit(state.indices, PARALLEL_WRITES, async (s) => {
    const found = live.get(s.name);
    if (found && !isRestoring(found)) return void indicesUnchanged.push(s.name);
    if (!found) await indices.create(namespace, indexBody(namespace, state, s));
    await indices.patchStatus(namespace, s.name, undefined, s.status);
    await api.patchNamespacedCustomObject(
      { group: API_GROUP, version: API_VERSION, namespace, plural: 'quidditchindices', name: s.name, body: { metadata: { annotations: { [RESTORING_ANNOTATION]: null } } } },
      mergePatch,
    );
    indicesRestored.push(s.name);
  });

  const sorted = (xs: string[]) => [...xs].sort();
  return {
    namespace,
    indicesRestored: sorted(indicesRestored),
    indicesUnchanged: sorted(indicesUnchanged),
    nodesCreated: sorted(nodesCreated),
    nodesUnchanged: sorted(state.nodes.filter((n) => knownNodes.has(n.name)).map((n) => n.name)),
  };
}
