/**
 * The operator's command-line flags: the one definition both the operator's parser (lib/operator/config.ts)
 * and the constructs' Deployment args use, so the two cannot drift.
 * Each flag may also be given as an environment variable (QUIDDITCH_<NAME IN UPPER SNAKE CASE>).
 */
export interface FlagDefinition {
  readonly name: string;
  readonly type: 'string' | 'number' | 'boolean';
  readonly default: string | number | boolean | undefined;
  readonly description: string;
}

export const OPERATOR_FLAGS = {
  namespace: { name: 'namespace', type: 'string', default: undefined, description: 'Namespace to watch and hold the lease in. Default: the pod\'s own namespace (POD_NAMESPACE, or the service-account namespace file), else "default".' },
  kubeconfig: { name: 'kubeconfig', type: 'string', default: undefined, description: 'Path to a kubeconfig. Default: in-cluster config, else KUBECONFIG / ~/.kube/config.' },
  leaseName: { name: 'lease-name', type: 'string', default: 'quidditch-operator', description: 'Name of the coordination.k8s.io Lease used for leader election.' },
  leaderElect: { name: 'leader-elect', type: 'boolean', default: true, description: 'Run reconcilers only while holding the Lease (disable only for a single replica).' },
  leaseDuration: { name: 'lease-duration', type: 'number', default: 15, description: 'Seconds a lease is valid without renewal.' },
  renewDeadline: { name: 'renew-deadline', type: 'number', default: 10, description: 'Seconds the leader keeps retrying renewal before it steps down.' },
  retryPeriod: { name: 'retry-period', type: 'number', default: 2, description: 'Seconds between acquire or renew attempts.' },
  heartbeatTimeout: { name: 'heartbeat-timeout', type: 'number', default: 60, description: 'Seconds without a heartbeat before a QuidditchNode is UNHEALTHY.' },
  nodeLeftDelay: { name: 'node-left-delay', type: 'number', default: 60, description: 'Seconds a started replica on a data node that left (UNHEALTHY or deleted) is kept before it is re-created elsewhere, so a node back within it keeps its copies (like index.unassigned.node_left.delayed_timeout). Promoting a surviving replica to primary is never delayed. 0 replaces at once.' },
  nodeConcurrentRelocations: { name: 'node-concurrent-relocations', type: 'number', default: 2, description: 'Most shard relocations (drain, scale-down, rebalance) in flight out of one data node, and separately into one, over all indices (like cluster.routing.allocation.node_concurrent_recoveries). Higher drains faster and loads the nodes more.' },
  rebalance: { name: 'rebalance', type: 'boolean', default: true, description: 'Move shard copies from the most loaded healthy data nodes to the least loaded (a node that joined) until every node holds within one copy of the others (among those moves, from fuller to emptier disks as the nodes report copy sizes), create-before-delete and within the relocation throttles; only shards whose every copy is started move, and only while no node drains. --rebalance=false keeps copies where they are.' },
  zoneCacheTtl: { name: 'zone-cache-ttl', type: 'number', default: 60, description: 'Seconds the zone read from a Kubernetes Node (its topology.kubernetes.io/zone label) is reused before that Node is read again: a changed label reaches the QuidditchNode\'s status.zone within this plus one heartbeat interval. Lower costs one GET per data node per period; 0 reads on every heartbeat. A failed read is retried after 10 seconds.' },
  clusterConcurrentRelocations: { name: 'cluster-concurrent-relocations', type: 'number', default: 8, description: 'Most shard relocations in flight in the namespace at once.' },
  deleteTimeout: { name: 'delete-timeout', type: 'number', default: 300, description: 'Seconds an index deletion waits for unreachable data nodes before it removes the finalizer anyway (with a Warning event).' },
  resyncPeriod: { name: 'resync-period', type: 'number', default: 300, description: 'Seconds between full re-reconciles of every cached object.' },
  concurrency: { name: 'concurrency', type: 'number', default: 16, description: 'Most reconciles run in parallel per controller (never two for one object). A reconcile mostly waits on API and data-node round trips, so more in flight raises throughput at little CPU cost; the index and node controllers run fewer while the API server\'s latency shows it queueing (see --concurrency-min).' },
  concurrencyMin: { name: 'concurrency-min', type: 'number', default: 4, description: 'Fewest reconciles run in parallel per controller when the API server\'s round trips take more than three times their baseline (the least median latency seen): the limit shrinks toward this while the server queues and grows back, by one per 50 round trips, up to --concurrency once latency is back near its baseline. Capped at --concurrency; equal to it: a fixed limit.' },
  httpPort: { name: 'http-port', type: 'number', default: 8080, description: 'Port of the routing API, /healthz and /readyz.' },
  metricsPort: { name: 'metrics-port', type: 'number', default: 9090, description: 'Port of /metrics (Prometheus).' },
  bindAddress: { name: 'bind-address', type: 'string', default: '0.0.0.0', description: 'Address the HTTP servers listen on.' },
  grpcTimeout: { name: 'grpc-timeout', type: 'number', default: 5, description: 'Seconds before a data-node gRPC call times out.' },
  shardAllocationMirror: { name: 'shard-allocation-mirror', type: 'boolean', default: false, description: 'Also keep one ShardAllocation object per shard copy (kubectl get qshard). Costs API writes per copy; off by default.' },
  clusterName: { name: 'cluster-name', type: 'string', default: undefined, description: 'Reconcile only the indices labelled quidditch.io/cluster=<this name>, and use only the data nodes labelled so or naming no cluster (needed when two clusters share a namespace). Default: every index in the namespace, except those another cluster\'s operator there would reconcile too (refused, AnotherClusterInNamespace).' },
  insecurePlaintextGrpc: { name: 'insecure-plaintext-grpc', type: 'boolean', default: false, description: 'DEVELOPMENT ONLY: call data nodes over plaintext gRPC, unauthenticated and unencrypted (they must run with --insecure-plaintext-grpc too), and serve the routing API over plain HTTP to anyone (there is no CA to issue from). Default: mutual TLS, and HTTPS with client certificates.' },
  tlsCertDir: { name: 'tls-cert-dir', type: 'string', default: undefined, description: 'Directory with tls.crt, tls.key and ca.crt of the operator\'s client certificate (e.g. a cert-manager Secret), re-read on change; the operator then manages no CA. Default: the operator manages its own CA (--tls-ca-secret).' },
  tlsCaSecret: { name: 'tls-ca-secret', type: 'string', default: 'quidditch-ca', description: 'Secret holding the CA the operator manages (created if missing) and issues its own and the data nodes\' certificates from.' },
  tlsDataNodeSecret: { name: 'tls-data-node-secret', type: 'string', default: 'quidditch-data-node-tls', description: 'kubernetes.io/tls Secret the operator keeps filled with the data nodes\' certificate (tls.crt, tls.key, ca.crt); data-node pods mount it.' },
  tlsDataNodeDnsNames: { name: 'tls-data-node-dns-names', type: 'string', default: undefined, description: 'Comma-separated DNS names written into the data-node certificate (the constructs pass the headless Service\'s names).' },
  tlsOperatorDnsNames: { name: 'tls-operator-dns-names', type: 'string', default: undefined, description: 'Comma-separated DNS names (or IP addresses) written into the operator\'s own certificate, which also serves the routing API over HTTPS (the constructs pass the operator Service\'s names).' },
  tlsRoutingClientSecret: { name: 'tls-routing-client-secret', type: 'string', default: 'quidditch-routing-client-tls', description: 'kubernetes.io/tls Secret the operator keeps filled with a routing-API client certificate (CN quidditch-routing-client; tls.crt, tls.key, ca.crt) for coordinating nodes to mount.' },
  tlsCertValidity: { name: 'tls-cert-validity', type: 'number', default: 7776000, description: 'Seconds the certificates the operator issues are valid (default 90 days); each is renewed after two thirds of it.' },
  tlsCaValidity: { name: 'tls-ca-validity', type: 'number', default: 315360000, description: 'Seconds a CA the operator creates is valid (default 10 years); after two thirds of it the operator rotates it with an overlap in which both CAs are trusted (README, Security).' },
  tlsCaPropagation: { name: 'tls-ca-propagation', type: 'number', default: 300, description: 'Seconds a CA rotation waits for a changed Secret to reach every reader (kubelet volume refresh, the data node\'s 60 s file watcher, the other operator replicas), twice: after trusting the new CA everywhere before it signs, and after reissuing every certificate before the old CA is dropped.' },
  logLevel: { name: 'log-level', type: 'string', default: 'info', description: 'trace, debug, info, warn or error.' },
} as const satisfies Record<string, FlagDefinition>;

export type OperatorFlagKey = keyof typeof OPERATOR_FLAGS;
