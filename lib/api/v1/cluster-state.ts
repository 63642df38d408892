/**
 * The cluster-state snapshot: everything the k8s-mode control plane knows about one namespace, as one
 * versioned JSON document. `quidditch-operator export` writes it and `import` reads it; it is the
 * backup users keep and the input the Raft masters start from in a migration (README, "Changing modes").
 *
 * Compatibility: `apiVersion` names the format. Readers reject versions they do not know; within v1
 * fields are only ever added (readers ignore unknown fields), never renamed or given a new meaning.
 */
import type { ShardAllocationStatus, IndexHealth, IndexState, QuidditchIndexSpec } from './quidditch-index';
import type { NodeState, QuidditchNodeSpec } from './quidditch-node';

export const CLUSTER_STATE_API_VERSION = 'quidditch.io/state/v1';
export const CLUSTER_STATE_KIND = 'QuidditchClusterState';
/** Key of the document in the ConfigMap a migration's export writes and the Raft masters mount. */
export const INITIAL_STATE_KEY = 'state.json';

/**
 * The UID a restored index's shard copies are known by on the data nodes. Data nodes identify a copy
 * by namespace, index name, index UID and shard; an imported object gets a new UID from the API
 * server, so import records the exported one here and the operator uses it instead of metadata.uid.
 */
export const COPY_UID_ANNOTATION = 'quidditch.io/copy-uid';
/**
 * The namespace a restored index's shard copies are known by on the data nodes, set by import when
 * it restores into another namespace than the one exported: the copies keep the exported namespace
 * in their identity, and the operator names them by it (absent: the index's own namespace).
 */
export const COPY_NAMESPACE_ANNOTATION = 'quidditch.io/copy-namespace';
/**
 * Set by import while an index's status is being restored (create, then the status subresource):
 * the operator leaves the index alone until the annotation is gone, so it never plans fresh copies
 * for an index whose allocations are one write away.
 */
export const RESTORING_ANNOTATION = 'quidditch.io/restoring';

/** One QuidditchIndex: its identity, desired shape, and where every copy lives. */
export interface IndexSnapshot {
  readonly name: string;
  /** The UID the data nodes know its copies by (see COPY_UID_ANNOTATION). */
  readonly copyUid: string;
  /**
   * The namespace the data nodes know its copies by, when it is not the document's `namespace` (an
   * index that was itself imported from elsewhere). Absent: the document's `namespace`. Added within v1.
   */
  readonly copyNamespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** User annotations (tool bookkeeping such as kubectl's last-applied-configuration is left out). */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly spec: QuidditchIndexSpec;
  readonly status: {
    readonly state?: IndexState;
    readonly health?: IndexHealth;
    /** Every copy: shard, node, primary or replica, and its state. */
    readonly shardAllocations: readonly ShardAllocationStatus[];
  };
}

/** One data node as registered (its liveness is not state: it is re-proven by heartbeats). */
export interface NodeSnapshot {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly spec: QuidditchNodeSpec;
  readonly status: {
    /** Only DRAINING (a decision by people) is restored; HEALTHY/UNHEALTHY are judged afresh from heartbeats. */
    readonly state?: NodeState;
    readonly allocatedShards?: number;
  };
}

export interface ClusterState {
  readonly apiVersion: typeof CLUSTER_STATE_API_VERSION;
  readonly kind: typeof CLUSTER_STATE_KIND;
  /** RFC 3339 time of the export. */
  readonly exportedAt: string;
  /** Namespace the state was exported from. */
  readonly namespace: string;
  /** Sorted by name. */
  readonly indices: readonly IndexSnapshot[];
  /** Sorted by name. */
  readonly nodes: readonly NodeSnapshot[];
}

/** Thrown by parseClusterState with every problem found. */
export class ClusterStateError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Unable to read the cluster state: ${problems.length} problem${problems.length === 1 ? '' : 's'}. Fix:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ClusterStateError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v) && v.length <= 253;

/**
 * Checks a parsed JSON document against the v1 format and returns it typed. Checks structure and
 * identity; the spec itself is checked by the API server (CRD schema and CEL) when it is imported.
 */
export function parseClusterState(doc: unknown): ClusterState {
  const problems: string[] = [];
  if (!isRecord(doc)) throw new ClusterStateError(['the document must be a JSON object']);
  if (doc.apiVersion !== CLUSTER_STATE_API_VERSION) {
    problems.push(`apiVersion = ${JSON.stringify(doc.apiVersion)}: must be "${CLUSTER_STATE_API_VERSION}" (this operator reads that version only; export again with a matching operator)`);
  }
  if (doc.kind !== CLUSTER_STATE_KIND) problems.push(`kind = ${JSON.stringify(doc.kind)}: must be "${CLUSTER_STATE_KIND}"`);
  if (typeof doc.namespace !== 'string') problems.push('namespace: must be the namespace the state was exported from');
  for (const key of ['indices', 'nodes'] as const) {
    if (!Array.isArray(doc[key])) problems.push(`${key}: must be an array`);
  }
  const seen = new Set<string>();
  for (const [i, idx] of (Array.isArray(doc.indices) ? doc.indices : []).entries()) {
    const at = `indices[${i}]`;
    if (!isRecord(idx)) {
      problems.push(`${at}: must be an object`);
      continue;
    }
    if (!isName(idx.name)) problems.push(`${at}.name = ${JSON.stringify(idx.name)}: must be a DNS-1123 subdomain`);
    else if (seen.has(idx.name)) problems.push(`${at}.name = "${idx.name}": appears twice; each index once`);
    else seen.add(idx.name);
    if (typeof idx.copyUid !== 'string' || idx.copyUid === '') problems.push(`${at}.copyUid: must be the UID the data nodes know the copies by`);
    if (idx.copyNamespace !== undefined && !isName(idx.copyNamespace)) problems.push(`${at}.copyNamespace = ${JSON.stringify(idx.copyNamespace)}: must be the namespace the data nodes know the copies by (or absent)`);
    if (!isRecord(idx.spec)) problems.push(`${at}.spec: must be an object`);
    const allocations = isRecord(idx.status) ? idx.status.shardAllocations : undefined;
    if (!Array.isArray(allocations)) problems.push(`${at}.status.shardAllocations: must be an array (empty for an index with no copies yet)`);
    else {
      for (const [j, a] of allocations.entries()) {
        const ok = isRecord(a) && Number.isInteger(a.shardId) && typeof a.nodeId === 'string' && typeof a.primary === 'boolean' && typeof a.state === 'string';
        if (!ok) problems.push(`${at}.status.shardAllocations[${j}]: must have shardId (integer), nodeId (string), primary (boolean) and state`);
      }
    }
  }
  const nodes = new Set<string>();
  for (const [i, node] of (Array.isArray(doc.nodes) ? doc.nodes : []).entries()) {
    const at = `nodes[${i}]`;
    if (!isRecord(node) || !isName(node.name)) problems.push(`${at}.name: must be a DNS-1123 subdomain`);
    else if (nodes.has(node.name)) problems.push(`${at}.name = "${node.name}": appears twice; each node once`);
    else nodes.add(node.name);
    if (isRecord(node) && !isRecord(node.spec)) problems.push(`${at}.spec: must be an object`);
  }
  if (problems.length > 0) throw new ClusterStateError(problems);
  return doc as unknown as ClusterState;
}
