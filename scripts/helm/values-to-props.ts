/**
 * The chart's values mapped onto QuidditchClusterProps: the one translation between the Helm
 * layout (the seed's `controlPlane.*` keys, Kubernetes-style `resources.requests/limits`) and the
 * constructs' props. The chart generator renders the constructs through it, and the equality tests
 * compare `helm template` with the constructs given its result, so a value means the same in both.
 *
 * Helm conventions kept here: an empty string, list or map means "unset" (the prop's default).
 */
import type {
  ControlPlaneMode, DataNodeProps, FinalizerAdmissionPolicyVersion, MonitoringProps, OperatorProps, PeerProps, PodSettings, QuidditchClusterProps, RaftProps, ResourceProps,
  SecurityProps, ServiceAccountSettings, StorageProps,
} from '../../lib/model/props';
import type { MigrationStep } from '../../lib/model/migration';

/** Kubernetes-style resources, as the seed's values.yaml writes them. */
export interface HelmResources {
  requests?: { cpu?: string | number; memory?: string | number };
  limits?: { cpu?: string | number; memory?: string | number };
}

/** The chart's values (values.yaml); every field optional, as in a user's override file. */
export interface HelmValues {
  name?: string;
  /** A step of the k8s → raft migration ("" = none), as the `migration` prop. */
  migration?: MigrationStep | '';
  labels?: Record<string, string>;
  controlPlane?: {
    mode?: ControlPlaneMode;
    /** `ignoreK8sState`: the chart's own guard against a direct k8s → raft switch; no prop. */
    raft?: { enabled?: boolean; ignoreK8sState?: boolean } & HelmWorkload & { storage?: HelmStorage };
    /** `finalizerAdmissionPolicy`: "" = none, as in values.yaml. */
    k8s?: { enabled?: boolean; operator?: HelmWorkload & Omit<OperatorProps, keyof HelmWorkload | 'finalizerAdmissionPolicy'> & { finalizerAdmissionPolicy?: FinalizerAdmissionPolicyVersion | '' } };
  };
  dataNodes?: HelmWorkload & Omit<DataNodeProps, keyof HelmWorkload | 'command' | 'storage'> & { command?: string[]; storage?: HelmStorage };
  monitoring?: { -readonly [K in keyof MonitoringProps]: MonitoringProps[K] };
  security?: HelmSecurity;
}

/** A NetworkPolicy peer: `{}` is the prop's default; a key present (even `{}`) is used as the prop's field. */
export interface HelmPeer {
  namespaceLabels?: Record<string, string>;
  podLabels?: Record<string, string>;
}

/**
 * `security` as Helm values: the props' fields, except `certManager`, which the chart switches on
 * with `enabled` (an empty map is "unset" in Helm values, but the props' `certManager: {}` means
 * "cert-manager with the constructs' own CA issuer").
 */
export interface HelmSecurity {
  nodeAdmissionPolicy?: boolean;
  networkPolicies?: {
    enabled?: boolean;
    routingClients?: HelmPeer;
    metricsScrapers?: HelmPeer;
    restrictEgress?: boolean;
    apiServer?: { cidrs?: string[]; ports?: number[] };
  };
  insecurePlaintextGrpc?: boolean;
  certManager?: { enabled?: boolean; issuerRef?: { name?: string; kind?: 'Issuer' | 'ClusterIssuer'; group?: string } };
  certificateValiditySeconds?: number;
}

type HelmWorkload = Omit<PodSettings, 'priorityClassName' | 'terminationGracePeriodSeconds'> & ServiceAccountSettings & {
  replicas?: number;
  image?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  resources?: HelmResources;
  priorityClassName?: string;
  terminationGracePeriodSeconds?: number | null;
};

/** Where the release puts the cluster: `helm install <release> -n <namespace>`. */
export interface Release {
  readonly name: string;
  readonly namespace: string;
}

const set = <T>(v: T | undefined | null | ''): T | undefined => (v === '' || v === null ? undefined : v);
/** Quantities may be numbers in values (`cpu: 2`); the chart quotes them, the props take strings. */
const quantity = (v: string | number | undefined | null): string | undefined => (typeof v === 'number' ? String(v) : set(v));
const nonEmptyMap = <T extends object>(m: T | undefined): T | undefined => (m && Object.keys(m).length > 0 ? m : undefined);
const nonEmptyList = <T>(l: readonly T[] | undefined): T[] | undefined => (l && l.length > 0 ? [...l] : undefined);

/** Drops undefined fields so the props look like hand-written ones (and shape checks see no nulls). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function resources(r: HelmResources | undefined): ResourceProps | undefined {
  if (!r) return undefined;
  const out = compact({
    cpuRequest: quantity(r.requests?.cpu), memoryRequest: quantity(r.requests?.memory),
    cpuLimit: quantity(r.limits?.cpu), memoryLimit: quantity(r.limits?.memory),
  });
  return nonEmptyMap(out);
}

type HelmStorage = Omit<StorageProps, 'size'> & { size?: string | number };

function storage(s: HelmStorage | undefined): StorageProps | undefined {
  return s ? nonEmptyMap(compact({ size: quantity(s.size), storageClassName: set(s.storageClassName) })) : undefined;
}

/** Pod settings and the workload fields every component shares. */
function workload(w: HelmWorkload | undefined, serviceAccount: boolean): Record<string, unknown> {
  if (!w) return {};
  return compact({
    replicas: w.replicas,
    image: set(w.image),
    imagePullPolicy: set(w.imagePullPolicy),
    resources: resources(w.resources),
    nodeSelector: nonEmptyMap(w.nodeSelector),
    tolerations: nonEmptyList(w.tolerations),
    affinity: nonEmptyMap(w.affinity),
    topologySpreadConstraints: nonEmptyList(w.topologySpreadConstraints),
    priorityClassName: set(w.priorityClassName),
    imagePullSecrets: nonEmptyList(w.imagePullSecrets),
    podAnnotations: nonEmptyMap(w.podAnnotations),
    podLabels: nonEmptyMap(w.podLabels),
    env: nonEmptyList(w.env),
    volumes: nonEmptyList(w.volumes),
    volumeMounts: nonEmptyList(w.volumeMounts),
    terminationGracePeriodSeconds: set(w.terminationGracePeriodSeconds),
    ...(serviceAccount ? { serviceAccountAnnotations: nonEmptyMap(w.serviceAccountAnnotations) } : {}),
  });
}

/**
 * The props the chart renders for these values. Throws, like the chart's templates fail, when
 * the mode's control plane is disabled (`controlPlane.<mode>.enabled: false`).
 */
export function valuesToProps(v: HelmValues, release: Release): QuidditchClusterProps {
  const cp = v.controlPlane ?? {};
  const mode = cp.mode ?? 'k8s';
  const resolvedMode = mode === 'auto' ? 'k8s' : mode;
  if ((resolvedMode === 'k8s' || resolvedMode === 'raft') && cp[resolvedMode]?.enabled === false) {
    throw new Error(controlPlaneDisabledMessage(resolvedMode));
  }
  const op = cp.k8s?.operator;
  const d = v.dataNodes;
  const operator: OperatorProps = compact({
    ...workload(op, true),
    leaderElection: op?.leaderElection,
    heartbeatTimeoutSeconds: op?.heartbeatTimeoutSeconds,
    logLevel: op?.logLevel,
    shardAllocationMirror: op?.shardAllocationMirror,
    ownIndicesOnly: op?.ownIndicesOnly,
    finalizerAdmissionPolicy: set(op?.finalizerAdmissionPolicy),
  });
  const dataNodes: DataNodeProps = compact({
    ...workload(d, true),
    storage: storage(d?.storage),
    tier: d?.tier,
    maxShards: d?.maxShards,
    command: nonEmptyList(d?.command),
  });
  const raft: RaftProps = compact({ ...workload(cp.raft, false), storage: storage(cp.raft?.storage) });
  return compact({
    mode,
    name: set(v.name) ?? release.name,
    migration: set(v.migration),
    namespace: release.namespace,
    labels: nonEmptyMap(v.labels),
    dataNodes: nonEmptyMap(dataNodes),
    operator: nonEmptyMap(operator),
    raft: nonEmptyMap(raft),
    monitoring: v.monitoring ? nonEmptyMap(compact({ ...v.monitoring, labels: nonEmptyMap(v.monitoring.labels), runbookBaseUrl: set(v.monitoring.runbookBaseUrl) })) : undefined,
    security: security(v.security, set(v.name) ?? release.name),
  });
}

/** A peer as the props take it: unset when empty, else exactly the fields given. */
function peer(p: HelmPeer | undefined): PeerProps | undefined {
  if (!p || Object.keys(p).length === 0) return undefined;
  return compact({ namespaceLabels: p.namespaceLabels ?? undefined, podLabels: p.podLabels ?? undefined });
}

function security(s: HelmSecurity | undefined, name: string): SecurityProps | undefined {
  if (!s) return undefined;
  const n = s.networkPolicies;
  const cm = s.certManager;
  if (cm?.issuerRef?.name && !cm.enabled) throw new Error(issuerWithoutCertManagerMessage(name, cm.issuerRef.name));
  return nonEmptyMap(compact({
    nodeAdmissionPolicy: s.nodeAdmissionPolicy,
    networkPolicies: n ? nonEmptyMap(compact({
      enabled: n.enabled,
      routingClients: peer(n.routingClients),
      metricsScrapers: peer(n.metricsScrapers),
      restrictEgress: n.restrictEgress,
      apiServer: n.apiServer ? nonEmptyMap(compact({ cidrs: nonEmptyList(n.apiServer.cidrs), ports: nonEmptyList(n.apiServer.ports) })) : undefined,
    })) : undefined,
    insecurePlaintextGrpc: s.insecurePlaintextGrpc,
    certManager: cm?.enabled
      ? (cm.issuerRef?.name ? { issuerRef: compact({ name: cm.issuerRef.name, kind: set(cm.issuerRef.kind), group: set(cm.issuerRef.group) }) } : {})
      : undefined,
    certificateValiditySeconds: s.certificateValiditySeconds,
  }));
}

/** The same words the chart's `fail` prints (templates/_helpers.tpl). */
export function issuerWithoutCertManagerMessage(name: string, issuer: string): string {
  return `Unable to render QuidditchCluster ${name}: security.certManager.issuerRef.name = ${issuer}: needs security.certManager.enabled=true (an issuer is used only with cert-manager)`;
}

/** The same words the chart's `fail` prints (templates/_helpers.tpl). */
export function controlPlaneDisabledMessage(mode: 'k8s' | 'raft'): string {
  return `controlPlane.${mode}.enabled = false: mode ${mode} runs this control plane; set controlPlane.${mode}.enabled=true or choose the other controlPlane.mode`;
}
