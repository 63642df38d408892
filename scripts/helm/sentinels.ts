/**
 * Sentinel values: the chart's values with every prop-driven leaf replaced by a unique marker
 * value (a token) that still passes the model's validation. Rendering the constructs with them
 * shows where each value lands in which object; templatize.ts then puts the matching Helm
 * expression there. Each sentinel says how its value is written back:
 *
 *   full      a string leaf equal to the token      → {{ expr | quote }}
 *   number    a number leaf equal to the token      → {{ expr }} (and inside strings, like `sub`)
 *   sub       the token inside a longer string      → …{{ expr }}…
 *   optional  a key whose value is the token        → the key only when the value is set
 *   map       a map key equal to the token          → the user's map merged in (or the key only when set)
 *   list      a list item containing the token      → the user's items appended (or the key only when set)
 *   flag      a list item starting with the token   → the item only when the value is true
 *   object    the value under `key` containing it   → the user's value under the key, only when set
 *   replace   the value under `key` containing it   → the user's value, else `fallback` (the constructs' own)
 *   when      the value under `key` containing it   → the key and its value (templated) only when `expr` is true
 *   item      an item of list `listKey` containing it → one line, `- {{ expr }}` (a helper printing JSON)
 */
import { dashboardUid } from '../../lib/cdk8s/monitoring/dashboard';
import { zoneSpread } from '../../lib/cdk8s/pod';
import { masterEndpoints, raftPeers, raftQuorum } from '../../lib/cdk8s/raft-masters';
import { DATANODE_ENV } from '../../lib/model/datanode-env';
import { CLUSTER_LABEL, selectorLabels } from '../../lib/model/labels';
import { resolveCluster } from '../../lib/model/resolve';
import { defaultValues } from './default-values';
import { HelmValues, valuesToProps } from './values-to-props';

export type SentinelKind = 'full' | 'number' | 'sub' | 'optional' | 'map' | 'list' | 'flag' | 'object' | 'replace' | 'when' | 'item';

export interface Sentinel {
  readonly kind: SentinelKind;
  readonly token: string | number;
  /** The Helm expression (no braces) that yields the value. */
  readonly expr: string;
  /** `list`, `item`: the key of the list the token's items sit in. */
  readonly listKey?: string;
  /** `list`: how one user item renders, when not `toYaml` (imagePullSecrets are names, rendered as `{name}`). */
  readonly itemTemplate?: string;
  /** `optional`: numbers render without quotes. */
  readonly numeric?: boolean;
  /** `object`, `replace`: the key whose whole value the user's replaces; `when`: the key that exists only when `expr` is true; `full`: the only key the token is looked for under. */
  readonly key?: string;
  /** `replace`: what the constructs render when the value is unset. */
  readonly fallback?: unknown;
}

export const RELEASE_TOKEN = { name: 'zzqrel', namespace: 'zzqns' } as const;
export const NAME_EXPR = 'include "quidditch.name" .';
export const MODE_EXPR = 'include "quidditch.mode" .';

type Component = 'dataNodes' | 'operator' | 'raft';
const VALUES_PATH: Record<Component, string> = { dataNodes: '.Values.dataNodes', operator: '.Values.controlPlane.k8s.operator', raft: '.Values.controlPlane.raft' };
const SHORT: Record<Component, string> = { dataNodes: 'dn', operator: 'op', raft: 'ms' };
/** Numeric tokens per component, far from every number the constructs write themselves (checked by the generator). */
const BASE: Record<Component, number> = { dataNodes: 40100, operator: 40200, raft: 40300 };
const API_SERVER_CIDR_TOKEN = '203.0.113.77/32';
const API_SERVER_PORT_TOKEN = 40601;
const CERT_VALIDITY_TOKEN = 40500;
/** The cert-manager issuer of the `issuerRef` alternative (chart-templates.ts CHOICES); `ClusterIssuer` is the non-default kind. */
export const ISSUER_TOKENS = { name: 'zzq-issuer', kind: 'ClusterIssuer', group: 'zzq-group.invalid' } as const;
/** Raft replicas build one host per replica into two env values, so this token stays small. */
const RAFT_REPLICAS_TOKEN = 91;
/** One value of each enum per component: `IfNotPresent` is the default, so the token is another. */
const PULL_POLICY_TOKEN: Record<Component, string> = { dataNodes: 'Always', operator: 'Never', raft: 'Never' };

/** Affinity: each of its parts a token of its own; the anti-affinity terms add to the constructs' (pod.ts mergeAffinity). */
function affinity(c: Component): { values: object; sentinels: Sentinel[] } {
  const s = SHORT[c];
  const a = `(${VALUES_PATH[c]}.affinity | default dict)`;
  const anti = 'podAntiAffinity';
  return {
    values: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: `zzq-nodeaff-${s}`, operator: 'Exists' }] }] } },
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: `zzq-podaff-${s}` } }] },
      [anti]: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: `zzq-antireq-${s}` }],
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: `zzq-antipref-${s}` } }],
      },
    },
    sentinels: [
      { kind: 'object', key: 'nodeAffinity', token: `zzq-nodeaff-${s}`, expr: `dig "nodeAffinity" "" ${a}` },
      { kind: 'object', key: 'podAffinity', token: `zzq-podaff-${s}`, expr: `dig "podAffinity" "" ${a}` },
      { kind: 'object', key: 'requiredDuringSchedulingIgnoredDuringExecution', token: `zzq-antireq-${s}`, expr: `dig "${anti}" "requiredDuringSchedulingIgnoredDuringExecution" "" ${a}` },
      { kind: 'list', listKey: 'preferredDuringSchedulingIgnoredDuringExecution', token: `zzq-antipref-${s}`, expr: `dig "${anti}" "preferredDuringSchedulingIgnoredDuringExecution" "" ${a}` },
    ],
  };
}

/** Topology spread: the data nodes' and masters' replaces the constructs' zone spread; the operator has none of its own. */
function spread(c: Component, clusterName: string): { values: object[]; sentinels: Sentinel[] } {
  const token = `zzq-tsc-${SHORT[c]}`;
  const expr = `${VALUES_PATH[c]}.topologySpreadConstraints`;
  const own = c === 'operator' ? undefined : zoneSpread(selectorLabels(clusterName, c === 'dataNodes' ? 'data' : 'master'));
  return {
    values: [{ maxSkew: 1, topologyKey: token, whenUnsatisfiable: 'DoNotSchedule' }],
    sentinels: [own ? { kind: 'replace', key: 'topologySpreadConstraints', token, expr, fallback: own } : { kind: 'object', key: 'topologySpreadConstraints', token, expr }],
  };
}

/** The sentinel values of one component and the sentinels that find them in the output. */
function workload(c: Component, serviceAccount: boolean): { values: Record<string, unknown>; sentinels: Sentinel[] } {
  const p = VALUES_PATH[c];
  const s = SHORT[c];
  const n = BASE[c];
  const replicas = c === 'raft' ? RAFT_REPLICAS_TOKEN : n + 1;
  const aff = affinity(c);
  const tsc = spread(c, RELEASE_TOKEN.name);
  const values: Record<string, unknown> = {
    replicas,
    image: `zzq.invalid/zzq-img-${s}:t`,
    imagePullPolicy: PULL_POLICY_TOKEN[c],
    resources: { requests: { cpu: `${n + 2}m`, memory: `${n + 3}Mi` }, limits: { cpu: `${n + 4}m`, memory: `${n + 5}Mi` } },
    nodeSelector: { [`zzq-nodesel-${s}`]: 'v' },
    tolerations: [{ key: `zzq-tol-${s}`, operator: 'Exists' }],
    affinity: aff.values,
    topologySpreadConstraints: tsc.values,
    priorityClassName: `zzq-prio-${s}`,
    imagePullSecrets: [`zzq-pull-${s}`],
    podAnnotations: { [`zzq-podann-${s}`]: 'v' },
    podLabels: { [`zzq-podlabels-${s}`]: 'v' },
    ...(serviceAccount ? { serviceAccountAnnotations: { [`zzq-saann-${s}`]: 'v' } } : {}),
    env: [{ name: `ZZQ_ENV_${s.toUpperCase()}`, value: 'v' }],
    volumes: [{ name: `zzq-vol-${s}`, emptyDir: {} }],
    volumeMounts: [{ name: `zzq-vol-${s}`, mountPath: `/zzq-mnt-${s}` }],
    terminationGracePeriodSeconds: n + 6,
  };
  const r = `${p}.resources`;
  const sentinels: Sentinel[] = [
    { kind: 'number', token: replicas, expr: `${p}.replicas | int` },
    { kind: 'full', token: values.image as string, expr: `${p}.image` },
    { kind: 'full', key: 'imagePullPolicy', token: PULL_POLICY_TOKEN[c], expr: `${p}.imagePullPolicy` },
    { kind: 'full', token: `${n + 2}m`, expr: `${r}.requests.cpu` },
    { kind: 'full', token: `${n + 3}Mi`, expr: `${r}.requests.memory` },
    { kind: 'optional', token: `${n + 4}m`, expr: `${r}.limits.cpu` },
    { kind: 'full', token: `${n + 5}Mi`, expr: `(${r}.limits.memory | default ${r}.requests.memory)` },
    { kind: 'map', token: `zzq-nodesel-${s}`, expr: `${p}.nodeSelector` },
    { kind: 'list', token: `zzq-tol-${s}`, listKey: 'tolerations', expr: `${p}.tolerations` },
    { kind: 'optional', token: `zzq-prio-${s}`, expr: `${p}.priorityClassName` },
    { kind: 'list', token: `zzq-pull-${s}`, listKey: 'imagePullSecrets', expr: `${p}.imagePullSecrets`, itemTemplate: '- name: {{ . | quote }}' },
    { kind: 'map', token: `zzq-podann-${s}`, expr: `${p}.podAnnotations` },
    { kind: 'map', token: `zzq-podlabels-${s}`, expr: `${p}.podLabels` },
    { kind: 'map', token: `zzq-saann-${s}`, expr: `${p}.serviceAccountAnnotations` },
    { kind: 'list', token: `ZZQ_ENV_${s.toUpperCase()}`, listKey: 'env', expr: `${p}.env` },
    { kind: 'list', token: `zzq-vol-${s}`, listKey: 'volumes', expr: `${p}.volumes` },
    { kind: 'list', token: `/zzq-mnt-${s}`, listKey: 'volumeMounts', expr: `${p}.volumeMounts` },
    { kind: 'optional', token: n + 6, expr: `${p}.terminationGracePeriodSeconds`, numeric: true },
    ...aff.sentinels,
    ...tsc.sentinels,
  ];
  return { values, sentinels };
}

function storage(c: 'dataNodes' | 'raft'): { values: object; sentinels: Sentinel[] } {
  const p = `${VALUES_PATH[c]}.storage`;
  const n = BASE[c] + 10;
  return {
    values: { size: `${n}Gi`, storageClassName: `zzq-sc-${SHORT[c]}` },
    sentinels: [
      { kind: 'full', token: `${n}Gi`, expr: `${p}.size` },
      { kind: 'optional', token: `zzq-sc-${SHORT[c]}`, expr: `${p}.storageClassName` },
    ],
  };
}

export interface SentinelSet {
  readonly values: HelmValues;
  readonly sentinels: readonly Sentinel[];
}

/**
 * Sentinel values for one control-plane mode, with `overrides` (a variant) laid over them.
 * Returns the values and every sentinel, most specific first (full strings before substrings).
 */
export function sentinelSet(mode: 'k8s' | 'raft', overrides: (v: HelmValues) => void = () => {}): SentinelSet {
  const v = defaultValues() as HelmValues;
  const dn = workload('dataNodes', true);
  const op = workload('operator', true);
  const ms = workload('raft', false);
  const dnStorage = storage('dataNodes');
  const msStorage = storage('raft');
  const o = '.Values.controlPlane.k8s.operator';
  const np = '.Values.security.networkPolicies';
  v.name = RELEASE_TOKEN.name;
  v.labels = { 'zzq-labels': 'v' };
  v.controlPlane = {
    mode,
    raft: { ...v.controlPlane!.raft, ...ms.values, storage: msStorage.values },
    k8s: {
      enabled: true,
      operator: {
        ...v.controlPlane!.k8s!.operator, ...op.values,
        leaderElection: { leaseDurationSeconds: 40253, renewDeadlineSeconds: 40252, retryPeriodSeconds: 30001 },
        heartbeatTimeoutSeconds: 40260,
        logLevel: 'trace',
        shardAllocationMirror: true,
        ownIndicesOnly: true,
        finalizerAdmissionPolicy: 'v1beta1',
      },
    },
  };
  v.dataNodes = { ...v.dataNodes, ...dn.values, storage: dnStorage.values, tier: 'cold', maxShards: 40120, command: ['zzq-cmd'] };
  v.monitoring = { ...v.monitoring, enabled: mode === 'k8s', labels: { 'zzq-monlabels': 'v' }, runbookBaseUrl: 'https://zzq-runbook.invalid/x' };
  v.security = {
    ...v.security,
    networkPolicies: {
      ...v.security!.networkPolicies,
      routingClients: { namespaceLabels: { 'zzq-rc-ns': 'v' }, podLabels: { 'zzq-rc-pod': 'v' } },
      metricsScrapers: { namespaceLabels: { 'zzq-ms-ns': 'v' }, podLabels: { 'zzq-ms-pod': 'v' } },
      apiServer: { cidrs: [API_SERVER_CIDR_TOKEN], ports: [API_SERVER_PORT_TOKEN] },
    },
    certificateValiditySeconds: CERT_VALIDITY_TOKEN,
  };
  overrides(v);

  const props = valuesToProps(v, RELEASE_TOKEN);
  const cluster = resolveCluster(props.name!, props);
  const derived: Sentinel[] = [
    { kind: 'full', token: raftPeers(cluster).join(','), expr: 'include "quidditch.raftPeers" .' },
    { kind: 'full', token: masterEndpoints(cluster).join(','), expr: 'include "quidditch.masterEndpoints" .' },
    { kind: 'number', token: raftQuorum(RAFT_REPLICAS_TOKEN), expr: `add (div (int .Values.controlPlane.raft.replicas) 2) 1` },
    // The dashboard's uid hashes "<namespace>/<name>" (monitoring/dashboard.ts).
    { kind: 'sub', token: dashboardUid(cluster), expr: `printf "quidditch-%s" (printf "%s/%s" .Release.Namespace (${NAME_EXPR}) | sha256sum | trunc 16)` },
    // The data nodes heartbeat four times per operator timeout (resolve.ts: max(1, floor(timeout / 4))).
    { kind: 'number', token: Math.max(1, Math.floor(40260 / 4)), expr: `max 1 (floor (divf ${o}.heartbeatTimeoutSeconds 4)) | int` },
  ];
  const sentinels: Sentinel[] = [
    ...derived,
    ...dn.sentinels, ...op.sentinels, ...ms.sentinels, ...dnStorage.sentinels, ...msStorage.sentinels,
    { kind: 'full', token: 'cold', expr: '.Values.dataNodes.tier' },
    { kind: 'number', token: 40120, expr: '.Values.dataNodes.maxShards | int' },
    { kind: 'list', token: 'zzq-cmd', listKey: 'command', expr: '.Values.dataNodes.command' },
    { kind: 'number', token: 40253, expr: `${o}.leaderElection.leaseDurationSeconds | int` },
    { kind: 'number', token: 40252, expr: `${o}.leaderElection.renewDeadlineSeconds` },
    { kind: 'number', token: 30001, expr: `${o}.leaderElection.retryPeriodSeconds` },
    { kind: 'number', token: 40260, expr: `${o}.heartbeatTimeoutSeconds` },
    { kind: 'flag', token: '--shard-allocation-mirror=', expr: `${o}.shardAllocationMirror` },
    { kind: 'flag', token: '--cluster-name=', expr: `${o}.ownIndicesOnly` },
    { kind: 'flag', token: DATANODE_ENV.cluster, expr: `${o}.ownIndicesOnly` },
    // The index-finalizer policy's binding matches only the cluster's own indices with ownIndicesOnly.
    { kind: 'when', key: 'objectSelector', token: CLUSTER_LABEL, expr: `${o}.ownIndicesOnly` },
    // Its API version is the value (the policy exists only when it is set: a variant in chart-templates.ts).
    { kind: 'full', key: 'apiVersion', token: 'admissionregistration.k8s.io/v1beta1', expr: `printf "admissionregistration.k8s.io/%s" ${o}.finalizerAdmissionPolicy` },
    { kind: 'sub', token: '--log-level=trace', expr: `printf "--log-level=%s" ${o}.logLevel` },
    { kind: 'item', listKey: 'from', token: 'zzq-rc-ns', expr: 'include "quidditch.routingClients" .' },
    { kind: 'item', listKey: 'from', token: 'zzq-ms-ns', expr: 'include "quidditch.metricsScrapers" .' },
    { kind: 'list', listKey: 'to', token: API_SERVER_CIDR_TOKEN, expr: `${np}.apiServer.cidrs`, itemTemplate: '- ipBlock: { cidr: {{ . | quote }} }' },
    { kind: 'list', listKey: 'ports', token: API_SERVER_PORT_TOKEN, expr: `${np}.apiServer.ports`, itemTemplate: '- { port: {{ . | int }}, protocol: TCP }' },
    { kind: 'number', token: CERT_VALIDITY_TOKEN, expr: '.Values.security.certificateValiditySeconds | int' },
    // cert-manager renews after two thirds of the lifetime (grpc-tls.ts: renewBefore = floor(validity / 3)).
    { kind: 'number', token: Math.floor(CERT_VALIDITY_TOKEN / 3), expr: 'div (int .Values.security.certificateValiditySeconds) 3' },
    { kind: 'full', token: ISSUER_TOKENS.name, expr: '.Values.security.certManager.issuerRef.name' },
    { kind: 'full', key: 'kind', token: ISSUER_TOKENS.kind, expr: '.Values.security.certManager.issuerRef.kind' },
    { kind: 'full', token: ISSUER_TOKENS.group, expr: '.Values.security.certManager.issuerRef.group' },
    { kind: 'map', token: 'zzq-labels', expr: '.Values.labels' },
    { kind: 'map', token: 'zzq-monlabels', expr: '.Values.monitoring.labels' },
    { kind: 'sub', token: 'https://zzq-runbook.invalid/x', expr: '.Values.monitoring.runbookBaseUrl' },
    { kind: 'sub', token: RELEASE_TOKEN.name, expr: NAME_EXPR },
    { kind: 'sub', token: RELEASE_TOKEN.namespace, expr: '.Release.Namespace' },
  ];
  return { values: v, sentinels };
}
