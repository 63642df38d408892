import { conditionsSchema, Condition, ObjectMeta, ResourceDefinition, API_GROUP_VERSION } from './schema';

export const NODE_TYPES = ['DATA', 'INGEST', 'COORDINATING'] as const;
export type NodeType = (typeof NODE_TYPES)[number];
export const NODE_TIERS = ['hot', 'warm', 'cold'] as const;
export type NodeTier = (typeof NODE_TIERS)[number];
export const NODE_STATES = ['HEALTHY', 'UNHEALTHY', 'DRAINING'] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** host:port, where host is a DNS name, IPv4 address or bracketed IPv6 address. */
export const ADDRESS_PATTERN = '^([a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?|\\[[0-9a-fA-F:.]+\\]):[0-9]{1,5}$';
export const DEFAULT_MAX_SHARDS_PER_NODE = 1000;
/**
 * `kubectl annotate qnode X quidditch.io/drain=true` drains node X: the operator moves every copy it
 * holds to other nodes (create-before-delete) and places nothing new on it. Remove the annotation to undo.
 */
export const DRAIN_ANNOTATION = 'quidditch.io/drain';
/** The well-known label of a Kubernetes Node naming its failure zone. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** A Kubernetes Node name: a DNS subdomain (RFC 1123), as the API server validates it. */
export const KUBERNETES_NODE_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A label value, as `topology.kubernetes.io/zone` holds it (empty is not a zone). */
export const ZONE_PATTERN = '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';

export interface QuidditchNodeSpec {
  nodeType: NodeType;
  tier?: NodeTier;
  /** @default 1000 */
  maxShards?: number;
  /** host:port the operator dials for the data-node gRPC API. */
  address: string;
  /**
   * Failure zone, set explicitly (`--zone`). Wins over the zone of the Kubernetes node; leave it unset
   * in Kubernetes so the operator resolves it from `kubernetesNode`.
   */
  zone?: string;
  /**
   * The Kubernetes Node the data node's pod runs on (the pod's spec.nodeName, passed through the
   * downward API). The operator reads that Node's topology.kubernetes.io/zone label into status.zone.
   */
  kubernetesNode?: string;
}

export interface NodeResources {
  diskUsedBytes?: number;
  diskTotalBytes?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
}

export interface QuidditchNodeStatus {
  state?: NodeState;
  lastHeartbeat?: string;
  allocatedShards?: number;
  resources?: NodeResources;
  /** Written by the node: it received SIGTERM and waits for its copies to be moved away before it exits. */
  shuttingDown?: boolean;
  /** Written by the operator while the node drains: shard copies still recorded on it. */
  copiesLeft?: number;
  /** Written by the operator: relocations in flight to and from this node. */
  relocationsIn?: number;
  relocationsOut?: number;
  /**
   * Written by the operator: the zone copies are spread by — spec.zone when set, else the
   * topology.kubernetes.io/zone label of the Kubernetes Node named in spec.kubernetesNode.
   */
  zone?: string;
  conditions?: Condition[];
}

export interface QuidditchNode {
  apiVersion: typeof API_GROUP_VERSION;
  kind: 'QuidditchNode';
  metadata: ObjectMeta;
  spec: QuidditchNodeSpec;
  status?: QuidditchNodeStatus;
}

const bytes = (what: string) => ({ type: 'integer' as const, format: 'int64', minimum: 0, description: what });

export const quidditchNodeDefinition: ResourceDefinition = {
  kind: 'QuidditchNode',
  plural: 'quidditchnodes',
  singular: 'quidditchnode',
  shortNames: ['qnode'],
  description:
    'QuidditchNode is a data node of the search cluster. Data nodes create their own QuidditchNode on start ' +
    'and prove they are alive by patching status.lastHeartbeat; the operator marks silent nodes UNHEALTHY.',
  specSchema: {
    type: 'object',
    description: 'What the node is and how to reach it.',
    required: ['nodeType', 'address'],
    properties: {
      nodeType: { type: 'string', description: 'Role of the node. Only DATA nodes hold shards.', enum: [...NODE_TYPES] },
      tier: { type: 'string', description: 'Storage tier: hot (fast, recent data), warm or cold.', enum: [...NODE_TIERS], default: 'hot' },
      maxShards: { type: 'integer', description: 'Most shard copies the operator may place on this node.', minimum: 1, maximum: 100000, default: DEFAULT_MAX_SHARDS_PER_NODE },
      address: {
        type: 'string',
        description: 'host:port of the node\'s gRPC shard API (port 9303 by convention), dialled by the operator.',
        maxLength: 261,
        pattern: ADDRESS_PATTERN,
      },
      zone: {
        type: 'string',
        description: 'Failure zone set explicitly (the data node\'s --zone); copies of one shard are spread across zones. Wins over the zone of spec.kubernetesNode; leave it unset in Kubernetes.',
        maxLength: 63,
        pattern: ZONE_PATTERN,
      },
      kubernetesNode: {
        type: 'string',
        description: 'The Kubernetes Node the data node\'s pod runs on (spec.nodeName, via the downward API). The operator reads its topology.kubernetes.io/zone label into status.zone.',
        maxLength: 253,
        pattern: KUBERNETES_NODE_NAME_PATTERN,
      },
    },
  },
  statusSchema: {
    type: 'object',
    description: 'Liveness and load, written by the node (heartbeat) and the operator (state).',
    properties: {
      state: { type: 'string', description: 'HEALTHY while heartbeats arrive, UNHEALTHY once the last one is older than the operator\'s timeout, DRAINING while its copies move away (annotation quidditch.io/drain=true, or the node is shutting down).', enum: [...NODE_STATES] },
      lastHeartbeat: { type: 'string', format: 'date-time', description: 'When the node last reported itself alive.' },
      allocatedShards: { type: 'integer', description: 'Number of shard copies the node holds.', minimum: 0 },
      resources: {
        type: 'object',
        description: 'Disk and memory use reported with the heartbeat.',
        properties: {
          diskUsedBytes: bytes('Bytes of disk in use.'),
          diskTotalBytes: bytes('Bytes of disk in all.'),
          memoryUsedBytes: bytes('Bytes of memory in use.'),
          memoryTotalBytes: bytes('Bytes of memory in all.'),
        },
      },
      shuttingDown: { type: 'boolean', description: 'Set by the node on SIGTERM: it keeps serving until the operator has moved its copies away, then exits.' },
      copiesLeft: { type: 'integer', description: 'While DRAINING: shard copies still allocated to the node.', minimum: 0 },
      relocationsIn: { type: 'integer', description: 'Copies being relocated to this node.', minimum: 0 },
      relocationsOut: { type: 'integer', description: 'Copies being relocated away from this node.', minimum: 0 },
      zone: { type: 'string', description: 'Set by the operator: the zone copies are spread by — spec.zone when set, else the topology.kubernetes.io/zone label of the Kubernetes Node spec.kubernetesNode names.', maxLength: 63 },
      conditions: conditionsSchema,
    },
  },
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.nodeType', description: 'Node role' },
    { name: 'Tier', type: 'string', jsonPath: '.spec.tier', description: 'Storage tier' },
    { name: 'State', type: 'string', jsonPath: '.status.state', description: 'HEALTHY, UNHEALTHY or DRAINING' },
    { name: 'Shards', type: 'integer', jsonPath: '.status.allocatedShards', description: 'Shard copies held' },
    { name: 'Copies-Left', type: 'integer', jsonPath: '.status.copiesLeft', description: 'While draining: copies still to move away' },
    { name: 'Zone', type: 'string', jsonPath: '.status.zone', description: 'Failure zone (spec.zone, else the Kubernetes Node\'s)' },
    { name: 'Last-Heartbeat', type: 'date', jsonPath: '.status.lastHeartbeat', description: 'Time since the last heartbeat' },
  ],
};
