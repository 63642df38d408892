/**
 * Environment variables the data-node StatefulSet sets and every data node (the real one and
 * apps/datanode-sim.ts) reads. One list, so the constructs and the sim cannot drift.
 */
export const DATANODE_ENV = {
  /** The node's name (the pod name); also the QuidditchNode it creates. */
  nodeName: 'QUIDDITCH_NODE_NAME',
  /**
   * The Kubernetes Node the pod runs on (spec.nodeName, downward API), written to the QuidditchNode's
   * spec.kubernetesNode so the operator can read the Node's zone label.
   */
  kubernetesNode: 'QUIDDITCH_KUBERNETES_NODE',
  /** Namespace the QuidditchNode is created in. */
  namespace: 'QUIDDITCH_NAMESPACE',
  /**
   * Name of the QuidditchCluster the node belongs to (k8s mode): its QuidditchNode carries the label
   * quidditch.io/cluster=<it>, so the operator of another cluster in the namespace (run with
   * --cluster-name) leaves the node alone. Unset: the node names no cluster (every operator there sees it).
   */
  cluster: 'QUIDDITCH_CLUSTER',
  /** `k8s` (register a QuidditchNode, heartbeat via its status) or `raft` (join the masters). */
  controlPlaneMode: 'QUIDDITCH_CONTROL_PLANE_MODE',
  /** host:port of the operator's routing API (k8s mode): HTTPS, presenting the certificate in QUIDDITCH_TLS_DIR (CN quidditch-data-node); plain HTTP with QUIDDITCH_INSECURE_PLAINTEXT_GRPC. */
  operatorAddress: 'QUIDDITCH_OPERATOR_ADDRESS',
  /** Comma-separated host:port of every Raft master (raft mode). */
  masterEndpoints: 'QUIDDITCH_MASTER_ENDPOINTS',
  /** host:port other components dial to reach this node's gRPC API. */
  advertiseAddress: 'QUIDDITCH_ADVERTISE_ADDRESS',
  /** Port the gRPC shard API listens on. */
  grpcPort: 'QUIDDITCH_GRPC_PORT',
  /** hot, warm or cold. */
  tier: 'QUIDDITCH_TIER',
  /** Most shard copies this node accepts. */
  maxShards: 'QUIDDITCH_MAX_SHARDS',
  /** Seconds between heartbeats. */
  heartbeatInterval: 'QUIDDITCH_HEARTBEAT_INTERVAL',
  /** Directory for shard data (a PVC mount in the StatefulSet). */
  dataDir: 'QUIDDITCH_DATA_DIR',
  /** Directory holding tls.crt, tls.key and ca.crt (the mounted data-node TLS Secret) for mutual TLS on gRPC. */
  tlsDir: 'QUIDDITCH_TLS_DIR',
  /** `true` serves gRPC in plaintext to anyone (development only; the StatefulSet sets it only when asked). */
  insecurePlaintextGrpc: 'QUIDDITCH_INSECURE_PLAINTEXT_GRPC',
  /**
   * `true`: on SIGTERM the node reports status.shuttingDown, keeps serving while the operator moves its
   * copies away, and exits once it holds none (the pod's terminationGracePeriodSeconds bounds the wait).
   */
  drainOnShutdown: 'QUIDDITCH_DRAIN_ON_SHUTDOWN',
} as const;

/** Where the data-node TLS Secret is mounted in data-node pods. */
export const DATANODE_TLS_DIR = '/etc/quidditch/tls';

export const DATANODE_GRPC_PORT = 9303;
