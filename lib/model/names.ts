/**
 * Stable object names derived from the cluster name. No hash suffixes: names are how operators,
 * data nodes and humans find each other (DNS, `--lease-name`, `kubectl get`), so they must not
 * change between synths.
 *
 * Headless Services carry a `-headless` suffix so `<name>-data` / `<name>-master` stay free for a
 * future client-facing (load-balanced) Service without renaming the StatefulSets' governing Service.
 */
export interface ClusterNames {
  /** ServiceAccount, Role, RoleBinding, Deployment, Service, PDB and Lease of the operator. */
  readonly operator: string;
  /**
   * ClusterRole + ClusterRoleBinding of the operator: `<namespace>.<name>-operator`. Cluster-scoped,
   * so the namespace is part of it; the dot cannot occur in either part, so no two clusters collide.
   */
  readonly operatorClusterRole: string;
  /** coordination.k8s.io Lease for leader election: one per cluster, so two clusters in a namespace never share it. */
  readonly lease: string;
  /** StatefulSet, ServiceAccount, Role, RoleBinding and PDB of the data nodes. */
  readonly dataNodes: string;
  /** Headless Service governing the data-node StatefulSet. */
  readonly dataNodesHeadless: string;
  /** StatefulSet and PDB of the Raft masters. */
  readonly masters: string;
  /** Headless Service governing the master StatefulSet. */
  readonly mastersHeadless: string;
  /** Secret of the operator-managed CA (certificate and key). */
  readonly caSecret: string;
  /** kubernetes.io/tls Secret of the data nodes' gRPC certificate (operator- or cert-manager-issued). */
  readonly dataNodesTls: string;
  /** kubernetes.io/tls Secret of the operator's gRPC client certificate (cert-manager only). */
  readonly operatorTls: string;
  /** kubernetes.io/tls Secret of the routing-API client certificate coordinating nodes mount (operator- or cert-manager-issued). */
  readonly routingClientTls: string;
  /** cert-manager Issuer the constructs emit when no issuerRef is given (and its self-signed bootstrap). */
  readonly certIssuer: string;
}

const SUFFIX = {
  operator: '-operator',
  dataNodes: '-data',
  dataNodesHeadless: '-data-headless',
  masters: '-master',
  mastersHeadless: '-master-headless',
} as const;

/** Service names are DNS-1035 labels (at most 63 characters). */
const SERVICE_NAME_MAX = 63;
/**
 * StatefulSet names: the controller adds `controller-revision-hash: <name>-<10-char hash>` to its
 * pods, and a label value is at most 63 characters, so the name must stay within 52.
 */
const STATEFUL_SET_NAME_MAX = 52;

/** Longest cluster name for which every derived name stays within its Kubernetes limit. */
export const MAX_CLUSTER_NAME_LENGTH = Math.min(
  SERVICE_NAME_MAX - Math.max(SUFFIX.operator.length, SUFFIX.dataNodesHeadless.length, SUFFIX.mastersHeadless.length),
  STATEFUL_SET_NAME_MAX - Math.max(SUFFIX.dataNodes.length, SUFFIX.masters.length),
);

export function clusterNames(name: string, namespace: string): ClusterNames {
  return {
    operator: name + SUFFIX.operator,
    operatorClusterRole: `${namespace}.${name}${SUFFIX.operator}`,
    lease: name + SUFFIX.operator,
    dataNodes: name + SUFFIX.dataNodes,
    dataNodesHeadless: name + SUFFIX.dataNodesHeadless,
    masters: name + SUFFIX.masters,
    mastersHeadless: name + SUFFIX.mastersHeadless,
    caSecret: `${name}-ca`,
    dataNodesTls: `${name}-data-tls`,
    operatorTls: `${name}-operator-tls`,
    routingClientTls: `${name}-routing-client-tls`,
    certIssuer: `${name}-ca`,
  };
}

/** `<service>.<namespace>.svc`: resolvable from any namespace, independent of the cluster domain. */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc`;
}

/** Stable DNS name of one StatefulSet pod through its headless Service. */
export function podHost(pod: string, headlessService: string, namespace: string): string {
  return `${pod}.${serviceHost(headlessService, namespace)}`;
}
