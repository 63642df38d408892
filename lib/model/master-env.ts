/**
 * Environment variables and ports of a Raft master (raft mode). One list, like DATANODE_ENV,
 * so the master StatefulSet and the master binary cannot drift.
 */
export const MASTER_ENV = {
  /** The master's name (the pod name); its Raft member id. */
  nodeName: 'QUIDDITCH_NODE_NAME',
  namespace: 'QUIDDITCH_NAMESPACE',
  /** Comma-separated `<id>=<host>:<raft port>` of every master, including this one: the initial Raft membership. */
  raftPeers: 'QUIDDITCH_RAFT_PEERS',
  /** host:port the other masters dial for Raft traffic to this master. */
  raftAdvertiseAddress: 'QUIDDITCH_RAFT_ADVERTISE_ADDRESS',
  raftPort: 'QUIDDITCH_RAFT_PORT',
  httpPort: 'QUIDDITCH_HTTP_PORT',
  /** Directory of the Raft log and snapshots (a PVC mount in the StatefulSet). */
  dataDir: 'QUIDDITCH_DATA_DIR',
  /**
   * Set only during a k8s → raft migration: path of a quidditch.io/state/v1 document (lib/api/v1/
   * cluster-state.ts). A master whose Raft log is empty waits, not ready, until the file exists, then
   * bootstraps the cluster state from it; once the log holds state the file is ignored.
   */
  initialState: 'QUIDDITCH_INITIAL_STATE',
} as const;

/**
 * `raft`: peer-to-peer log replication between masters only.
 * `http`: the masters' API (cluster state, routing, `/healthz`, `/readyz`); data nodes join through it.
 * Both follow Elasticsearch's conventions (9300 transport, 9200 HTTP).
 */
export const MASTER_PORTS = { raft: 9300, http: 9200 } as const;
