/**
 * The shape of QuidditchClusterProps as a JSON Schema (draft 2020-12 subset): which props exist,
 * their types, and an example of each object. One source for the runtime shape check that
 * JavaScript and config-file callers get (shape.ts), for the README/API docs, and for a Helm
 * `values.schema.json` later. The TypeScript interfaces in props.ts are checked against it at
 * compile time (test/unit/model/props-schema.test.ts), so the two cannot drift.
 *
 * Value rules (quantities, DNS names, odd Raft counts…) stay in resolve.ts: they need the
 * resolved model and produce the same messages for every caller.
 */
export interface PropSchema {
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  readonly description?: string;
  /** Object props: the known keys. */
  readonly properties?: Readonly<Record<string, PropSchema>>;
  /** Object props: the schema of every value of a map (labels, annotations), or false for closed objects. */
  readonly additionalProperties?: PropSchema | boolean;
  /** Array props: the schema of each item. */
  readonly items?: PropSchema;
  /** Shown in the error when the type is wrong: "must be an object like { size: "200Gi" }". */
  readonly examples?: readonly unknown[];
}

const str = (description: string, example?: string): PropSchema => ({ type: 'string', description, ...(example ? { examples: [example] } : {}) });
const int = (description: string): PropSchema => ({ type: 'integer', description });
const num = (description: string): PropSchema => ({ type: 'number', description });
const bool = (description: string): PropSchema => ({ type: 'boolean', description });
const obj = (description: string, example: unknown, properties: Record<string, PropSchema>): PropSchema =>
  ({ type: 'object', description, properties, additionalProperties: false, examples: [example] });
const map = (description: string, example: Record<string, string>): PropSchema =>
  ({ type: 'object', description, additionalProperties: { type: 'string' }, examples: [example] });
/** A Kubernetes object passed through as written (its fields are the API's, checked by the API server). */
const kube = (description: string, example: unknown): PropSchema => ({ type: 'object', description, examples: [example] });
const list = (description: string, items: PropSchema, example: unknown): PropSchema => ({ type: 'array', description, items, examples: [example] });

const resources = obj('Compute resources of the container.', { cpuRequest: '2', memoryRequest: '8Gi' }, {
  cpuRequest: str('CPU request.', '500m'),
  memoryRequest: str('Memory request.', '1Gi'),
  cpuLimit: str('CPU limit.', '2'),
  memoryLimit: str('Memory limit.', '8Gi'),
});
const storage = obj('Persistent volume of each pod.', { size: '200Gi' }, {
  size: str('Size of each volume.', '200Gi'),
  storageClassName: str('StorageClass of the volume claims.', 'fast-ssd'),
});

/** Pod settings every component accepts (PodSettings in props.ts). */
function podSettings(serviceAccount: boolean): Record<string, PropSchema> {
  return {
    nodeSelector: map('Node labels the pods must run on.', { 'node-pool': 'search' }),
    tolerations: list('Taints the pods tolerate.', kube('A toleration.', { key: 'dedicated', operator: 'Equal', value: 'search', effect: 'NoSchedule' }),
      [{ key: 'dedicated', operator: 'Equal', value: 'search', effect: 'NoSchedule' }]),
    affinity: kube('Affinity, merged with the constructs\' own anti-affinity.', { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }),
    topologySpreadConstraints: list('Replaces the constructs\' zone spread.', kube('A topology spread constraint.', { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }),
      [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }]),
    priorityClassName: str('PriorityClass of the pods.', 'high-priority'),
    imagePullSecrets: list('Names of Secrets to pull the image with.', { type: 'string' }, ['registry-credentials']),
    podAnnotations: map('Extra pod annotations.', { 'prometheus.io/scrape': 'true' }),
    podLabels: map('Extra pod labels.', { team: 'search' }),
    ...(serviceAccount ? { serviceAccountAnnotations: map('ServiceAccount annotations (IRSA, Workload Identity).', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/search' }) } : {}),
    env: list('Extra environment variables.', kube('An environment variable.', { name: 'JAVA_OPTS', value: '-Xmx4g' }), [{ name: 'JAVA_OPTS', value: '-Xmx4g' }]),
    volumes: list('Extra volumes.', kube('A volume.', { name: 'certs', secret: { secretName: 'search-tls' } }), [{ name: 'certs', secret: { secretName: 'search-tls' } }]),
    volumeMounts: list('Extra volume mounts of the main container.', kube('A volume mount.', { name: 'certs', mountPath: '/etc/certs', readOnly: true }), [{ name: 'certs', mountPath: '/etc/certs', readOnly: true }]),
    terminationGracePeriodSeconds: int('Seconds a pod gets to stop after SIGTERM.'),
  };
}

const workload = (replicas: string) => ({
  replicas: int(replicas),
  image: str('Image with a tag or digest.', 'registry.example.com/quidditch:1.2.3'),
  imagePullPolicy: str('Always, IfNotPresent or Never.', 'IfNotPresent'),
  resources,
});

const peer = (description: string, example: unknown) => obj(description, example, {
  namespaceLabels: map('Labels of the namespaces ({} = every namespace).', { 'kubernetes.io/metadata.name': 'monitoring' }),
  podLabels: map('Labels of the pods.', { 'quidditch.io/routing-client': 'true' }),
});
const security = obj('Admission policy, NetworkPolicies and gRPC TLS.', { networkPolicies: { enabled: false } }, {
  nodeAdmissionPolicy: bool('Emit the policy that lets a data node write only its own QuidditchNode (Kubernetes 1.30+).'),
  networkPolicies: obj('NetworkPolicies of every component.', { enabled: true, routingClients: { podLabels: { 'quidditch.io/routing-client': 'true' } } }, {
    enabled: bool('Emit NetworkPolicies.'),
    routingClients: peer('Who may call the routing API.', { podLabels: { 'quidditch.io/routing-client': 'true' } }),
    metricsScrapers: peer('Who may scrape metrics.', { namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }),
    restrictEgress: bool('Limit the operator\'s (masters\') egress.'),
    apiServer: obj('API server addresses for the egress rule.', { cidrs: ['10.0.0.1/32'], ports: [443, 6443] }, {
      cidrs: list('Address ranges.', { type: 'string' }, ['10.0.0.1/32']),
      ports: list('TCP ports.', { type: 'integer' }, [443, 6443]),
    }),
  }),
  insecurePlaintextGrpc: bool('DEVELOPMENT ONLY: shard RPCs in plaintext, unauthenticated.'),
  certManager: obj('gRPC certificates from cert-manager.', { issuerRef: { name: 'search-ca', kind: 'Issuer' } }, {
    issuerRef: obj('The issuer of the certificates.', { name: 'search-ca', kind: 'ClusterIssuer' }, {
      name: str('Issuer name.', 'search-ca'),
      kind: str('Issuer or ClusterIssuer.', 'Issuer'),
      group: str('API group of the issuer.', 'cert-manager.io'),
    }),
  }),
  certificateValiditySeconds: int('Lifetime of each gRPC certificate in seconds.'),
});

export const QUIDDITCH_CLUSTER_PROPS_SCHEMA = obj('Props of QuidditchCluster.', { mode: 'k8s', namespace: 'search', dataNodes: { replicas: 3 } }, {
  mode: str('k8s, raft or auto.', 'k8s'),
  namespace: str('Namespace of every namespaced object.', 'search'),
  name: str('Base of every object name.', 'search'),
  crds: bool('Emit the CRDs.'),
  labels: map('Extra labels on every object.', { team: 'search' }),
  migration: str('A step of the k8s → raft migration: add-masters, read-only, export, switch-data-nodes or complete.', 'add-masters'),
  dataNodes: obj('The data nodes.', { replicas: 3, storage: { size: '200Gi' } }, {
    ...workload('Number of data nodes.'),
    storage,
    tier: str('hot, warm or cold.', 'hot'),
    maxShards: int('Most shard copies per node.'),
    command: list('Container command.', { type: 'string' }, ['/nodejs/bin/node', '/app/datanode-sim.js']),
    ...podSettings(true),
  }),
  operator: obj('The operator (k8s mode).', { replicas: 2, leaderElection: { leaseDurationSeconds: 15 } }, {
    ...workload('Operator replicas.'),
    leaderElection: obj('Lease timing.', { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 }, {
      leaseDurationSeconds: int('Lease validity in seconds.'),
      renewDeadlineSeconds: num('Renew deadline in seconds.'),
      retryPeriodSeconds: num('Retry period in seconds.'),
    }),
    heartbeatTimeoutSeconds: num('Seconds without a heartbeat before a node is UNHEALTHY.'),
    logLevel: str('trace, debug, info, warn or error.', 'info'),
    shardAllocationMirror: bool('Keep one ShardAllocation per shard copy.'),
    ownIndicesOnly: bool('Reconcile only indices labelled for this cluster.'),
    finalizerAdmissionPolicy: str('API version (v1 or v1beta1) of the MutatingAdmissionPolicy that adds the index finalizer at creation.', 'v1'),
    ...podSettings(true),
  }),
  monitoring: obj('PodMonitor, PrometheusRule and Grafana dashboard for the operator.', { enabled: true, labels: { release: 'kube-prometheus-stack' } }, {
    enabled: bool('Render the monitoring objects.'),
    podMonitor: bool('Render the PodMonitor.'),
    prometheusRule: bool('Render the PrometheusRule.'),
    dashboard: bool('Render the Grafana dashboard ConfigMap.'),
    labels: map('Extra labels on the monitoring objects.', { release: 'kube-prometheus-stack' }),
    runbookBaseUrl: str('Base URL of the alert runbooks.', 'https://wiki.example.com/quidditch'),
  }),
  raft: obj('The Raft masters (raft mode).', { replicas: 3, storage: { size: '50Gi' } }, {
    ...workload('Master replicas (odd).'),
    storage,
    ...podSettings(false),
  }),
  security,
});
