/**
 * The one place where props become a ResolvedCluster: defaults applied, names derived, and every
 * prop validated. All problems are collected and thrown together (see validation.ts).
 */
import { NODE_TIERS, quidditchNodeDefinition } from '../api/v1/quidditch-node';
import { clusterNames, MAX_CLUSTER_NAME_LENGTH } from './names';
import { RESERVED_LABEL_KEYS } from './labels';
import { FINALIZER_ADMISSION_POLICY_VERSIONS, type ImagePullPolicy, type MonitoringProps, type QuidditchClusterProps, type ResourceProps, type StorageProps } from './props';
import { resolvePodSettings, validatePodSettings } from './pod-settings';
import { QUIDDITCH_CLUSTER_PROPS_SCHEMA } from './props-schema';
import { parseQuantity } from './quantity';
import { resolveSecurity, validateGrpcTlsProps, validateSecurity } from './security';
import { checkShape } from './shape';
import type { LogLevel, ResolvedCluster, ResolvedLeaderElection, ResolvedMode, ResolvedMonitoring, ResolvedResources, ResolvedStorage } from './resolved';
import {
  isDns1035Label, isDns1123Label, isDns1123Subdomain, isInteger, isLabelKey, isLabelValue, isOneOf,
  isPinnedImage, isPositiveNumber, isPositiveQuantity, Problems,
} from './validation';
import { DEFAULT_IMAGES, PACKAGE_VERSION } from './version';
import { MIGRATION_STEPS, migrationPlan, validateMigration } from './migration';

export const MODES = ['k8s', 'raft', 'auto'] as const;
export const IMAGE_PULL_POLICIES: readonly ImagePullPolicy[] = ['Always', 'IfNotPresent', 'Never'];
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
/** client-go's leaderelection.JitterFactor: renewDeadline must exceed retryPeriod times this. */
export const LEADER_ELECTION_JITTER = 1.2;

const maxShardsSchema = quidditchNodeDefinition.specSchema.properties?.maxShards;
/** Same bounds as QuidditchNode.spec.maxShards, so a data node never registers with a value the API server rejects. */
export const MAX_SHARDS_RANGE = { min: maxShardsSchema?.minimum ?? 1, max: maxShardsSchema?.maximum ?? 100000 } as const;

/** Every default, in one place. Images default to the package version (see version.ts). */
export const DEFAULTS = {
  mode: 'k8s',
  namespace: 'default',
  imagePullPolicy: 'IfNotPresent',
  dataNodes: {
    replicas: 3,
    storageSize: '100Gi',
    resources: { cpuRequest: '2', memoryRequest: '8Gi' },
    tier: 'hot',
    maxShards: 1000,
    /** Long enough to move a node's copies away before the pod is killed (see DataNodeProps). */
    terminationGracePeriodSeconds: 3600,
  },
  operator: {
    replicas: 2,
    resources: { cpuRequest: '1', memoryRequest: '1Gi' },
    leaderElection: { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
    heartbeatTimeoutSeconds: 60,
    logLevel: 'info',
    shardAllocationMirror: false,
    ownIndicesOnly: false,
  },
  raft: {
    replicas: 3,
    storageSize: '50Gi',
    resources: { cpuRequest: '2', memoryRequest: '4Gi' },
  },
  monitoring: {
    enabled: false,
    runbookBaseUrl: 'https://github.com/quidditch/quidditch-k8s/blob/main/README.md',
  },
} as const;

/**
 * `auto` is the seed's Helm value, meaning "k8s when running in Kubernetes". Anything deployed
 * through these constructs runs in Kubernetes, so it is always `k8s`.
 */
function resolveMode(mode: QuidditchClusterProps['mode']): ResolvedMode | undefined {
  const m = mode ?? DEFAULTS.mode;
  if (m === 'auto') return 'k8s';
  return m === 'k8s' || m === 'raft' ? m : undefined;
}

function resolveResources(props: ResourceProps | undefined, defaults: { cpuRequest: string; memoryRequest: string }): ResolvedResources {
  const memoryRequest = props?.memoryRequest ?? defaults.memoryRequest;
  return {
    cpuRequest: props?.cpuRequest ?? defaults.cpuRequest,
    memoryRequest,
    ...(props?.cpuLimit !== undefined ? { cpuLimit: props.cpuLimit } : {}),
    memoryLimit: props?.memoryLimit ?? memoryRequest,
  };
}

function resolveStorage(props: StorageProps | undefined, size: string): ResolvedStorage {
  return {
    size: props?.size ?? size,
    ...(props?.storageClassName !== undefined ? { storageClassName: props.storageClassName } : {}),
  };
}

/** Where the cluster is declared, for defaults that come from there rather than from the props. */
export interface ResolveContext {
  /** Namespace of the enclosing cdk8s Chart: the default of `namespace`. @default none ("default") */
  readonly defaultNamespace?: string;
}

/** Resolves and validates cluster props; throws a ValidationError listing every invalid prop. */
export function resolveCluster(id: string, props: QuidditchClusterProps = {}, context: ResolveContext = {}): ResolvedCluster {
  // Shape first (JavaScript and config callers): the value rules below assume the types are right.
  const shape = new Problems();
  checkShape(props, QUIDDITCH_CLUSTER_PROPS_SCHEMA, '', shape);
  const given = (props as { name?: unknown } | null)?.name;
  shape.throwIfAny('QuidditchCluster', typeof given === 'string' && given !== '' ? given : id);
  const name = props.name ?? id;
  const namespace = props.namespace ?? context.defaultNamespace ?? DEFAULTS.namespace;
  const d = props.dataNodes;
  const o = props.operator;
  const r = props.raft;
  const mode = resolveMode(props.mode);
  const heartbeatTimeoutSeconds = o?.heartbeatTimeoutSeconds ?? DEFAULTS.operator.heartbeatTimeoutSeconds;
  const resolved: ResolvedCluster = {
    name,
    namespace,
    mode: mode ?? 'k8s',
    crds: props.crds ?? true,
    version: PACKAGE_VERSION,
    names: clusterNames(name, namespace),
    labels: { ...props.labels },
    dataNodes: {
      replicas: d?.replicas ?? DEFAULTS.dataNodes.replicas,
      image: d?.image ?? DEFAULT_IMAGES.dataNode,
      imagePullPolicy: d?.imagePullPolicy ?? DEFAULTS.imagePullPolicy,
      storage: resolveStorage(d?.storage, DEFAULTS.dataNodes.storageSize),
      resources: resolveResources(d?.resources, DEFAULTS.dataNodes.resources),
      tier: d?.tier ?? DEFAULTS.dataNodes.tier,
      maxShards: d?.maxShards ?? DEFAULTS.dataNodes.maxShards,
      ...(d?.command !== undefined ? { command: [...d.command] } : {}),
      heartbeatIntervalSeconds: Math.max(1, Math.floor(heartbeatTimeoutSeconds / 4)),
      pod: { ...resolvePodSettings(d), terminationGracePeriodSeconds: d?.terminationGracePeriodSeconds ?? DEFAULTS.dataNodes.terminationGracePeriodSeconds },
    },
    operator: {
      replicas: o?.replicas ?? DEFAULTS.operator.replicas,
      image: o?.image ?? DEFAULT_IMAGES.operator,
      imagePullPolicy: o?.imagePullPolicy ?? DEFAULTS.imagePullPolicy,
      resources: resolveResources(o?.resources, DEFAULTS.operator.resources),
      leaderElection: { ...DEFAULTS.operator.leaderElection, ...o?.leaderElection },
      heartbeatTimeoutSeconds,
      logLevel: o?.logLevel ?? DEFAULTS.operator.logLevel,
      shardAllocationMirror: o?.shardAllocationMirror ?? DEFAULTS.operator.shardAllocationMirror,
      ownIndicesOnly: o?.ownIndicesOnly ?? DEFAULTS.operator.ownIndicesOnly,
      ...(o?.finalizerAdmissionPolicy !== undefined ? { finalizerAdmissionPolicy: o.finalizerAdmissionPolicy } : {}),
      pod: resolvePodSettings(o),
    },
    raft: {
      replicas: r?.replicas ?? DEFAULTS.raft.replicas,
      image: r?.image ?? DEFAULT_IMAGES.master,
      imagePullPolicy: r?.imagePullPolicy ?? DEFAULTS.imagePullPolicy,
      storage: resolveStorage(r?.storage, DEFAULTS.raft.storageSize),
      resources: resolveResources(r?.resources, DEFAULTS.raft.resources),
      pod: resolvePodSettings(r),
    },
    ...(isOneOf(MIGRATION_STEPS, props.migration) ? { migration: migrationPlan(props.migration) } : {}),
    ...(props.monitoring?.enabled ?? DEFAULTS.monitoring.enabled ? { monitoring: resolveMonitoring(props.monitoring) } : {}),
    security: resolveSecurity(props.security),
  };

  const problems = new Problems();
  problems.check(mode !== undefined, 'mode', props.mode, `must be one of ${MODES.join(', ')}`);
  validateIdentity(problems, resolved, props);
  validateCluster(problems, resolved);
  validateMigration(problems, resolved, props);
  validateMonitoring(problems, resolved, props.monitoring);
  validateSecurity(problems, resolved.security);
  validateGrpcTlsProps(problems, props.security);
  problems.throwIfAny('QuidditchCluster', typeof name === 'string' && name !== '' ? name : `(id ${id})`);
  return resolved;
}

function resolveMonitoring(m: MonitoringProps | undefined): ResolvedMonitoring {
  return {
    podMonitor: m?.podMonitor ?? true,
    prometheusRule: m?.prometheusRule ?? true,
    dashboard: m?.dashboard ?? true,
    labels: { ...m?.labels },
    runbookBaseUrl: m?.runbookBaseUrl ?? DEFAULTS.monitoring.runbookBaseUrl,
  };
}

function validateMonitoring(problems: Problems, c: ResolvedCluster, props: MonitoringProps | undefined): void {
  const m = c.monitoring;
  if (!m) return;
  // The objects watch the operator, which raft mode does not run.
  problems.check(c.mode === 'k8s', 'monitoring.enabled', true, 'needs mode k8s: the metrics, alerts and dashboard are the operator\'s; drop monitoring or use mode k8s');
  for (const key of ['podMonitor', 'prometheusRule', 'dashboard'] as const) {
    problems.check(typeof m[key] === 'boolean', `monitoring.${key}`, props?.[key], 'must be a boolean');
  }
  for (const [key, value] of Object.entries(m.labels)) {
    const path = `monitoring.labels[${JSON.stringify(key)}]`;
    if (!problems.check(isLabelKey(key), path, key, 'the key must be a label key ([prefix/]name, name at most 63 alphanumerics, \'-\', \'_\' or \'.\')')) continue;
    if (!problems.check(!RESERVED_LABEL_KEYS.includes(key), path, key, 'is set by the constructs; remove it')) continue;
    problems.check(isLabelValue(value), path, value, 'must be a label value (at most 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending alphanumeric)');
  }
  problems.check(/^https?:\/\/[^\s#]+$/.test(m.runbookBaseUrl), 'monitoring.runbookBaseUrl', m.runbookBaseUrl, 'must be an http(s) URL without a #fragment (each alert appends its own)');
}

function validateIdentity(problems: Problems, c: ResolvedCluster, props: QuidditchClusterProps): void {
  const nameRule = `must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter) of at most ${MAX_CLUSTER_NAME_LENGTH} characters, so every derived name fits${props.name === undefined ? '; it defaults to the construct id, set `name` to override' : ''}`;
  problems.check(isDns1035Label(c.name) && c.name.length <= MAX_CLUSTER_NAME_LENGTH, 'name', c.name, nameRule);
  problems.check(isDns1123Label(c.namespace), 'namespace', c.namespace, 'must be a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters)');
  problems.check(props.crds === undefined || typeof props.crds === 'boolean', 'crds', props.crds, 'must be a boolean');
  for (const [key, value] of Object.entries(c.labels)) {
    const path = `labels[${JSON.stringify(key)}]`;
    if (!problems.check(isLabelKey(key), path, key, 'the key must be a label key ([prefix/]name, name at most 63 alphanumerics, \'-\', \'_\' or \'.\')')) continue;
    if (!problems.check(!RESERVED_LABEL_KEYS.includes(key), path, key, 'is set by the constructs (selectors depend on it); remove it')) continue;
    problems.check(isLabelValue(value), path, value, 'must be a label value (at most 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending alphanumeric)');
  }
}

function validateCluster(problems: Problems, c: ResolvedCluster): void {
  const { dataNodes: d, operator: o, raft: r } = c;
  problems.check(isInteger(d.replicas) && d.replicas >= 0, 'dataNodes.replicas', d.replicas, 'must be a non-negative integer');
  problems.check(isOneOf(NODE_TIERS, d.tier), 'dataNodes.tier', d.tier, `must be one of ${NODE_TIERS.join(', ')}`);
  problems.check(
    isInteger(d.maxShards) && d.maxShards >= MAX_SHARDS_RANGE.min && d.maxShards <= MAX_SHARDS_RANGE.max,
    'dataNodes.maxShards', d.maxShards, `must be an integer from ${MAX_SHARDS_RANGE.min} to ${MAX_SHARDS_RANGE.max}`,
  );
  validateWorkload(problems, 'dataNodes', d);
  validatePodSettings(problems, 'dataNodes', 'dataNodes', d.pod);
  validateStorage(problems, 'dataNodes.storage', d.storage);
  problems.check(
    d.command === undefined || (Array.isArray(d.command) && d.command.length > 0 && d.command.every((a) => typeof a === 'string' && a.length > 0)),
    'dataNodes.command', d.command, 'must be a non-empty list of non-empty strings',
  );

  problems.check(isInteger(o.replicas) && o.replicas >= 1, 'operator.replicas', o.replicas, 'must be an integer of at least 1');
  validateWorkload(problems, 'operator', o);
  validatePodSettings(problems, 'operator', 'operator', o.pod);
  validateLeaderElection(problems, o.leaderElection);
  problems.check(isPositiveNumber(o.heartbeatTimeoutSeconds), 'operator.heartbeatTimeoutSeconds', o.heartbeatTimeoutSeconds, 'must be a number of seconds greater than 0');
  problems.check(isOneOf(LOG_LEVELS, o.logLevel), 'operator.logLevel', o.logLevel, `must be one of ${LOG_LEVELS.join(', ')}`);
  problems.check(typeof o.shardAllocationMirror === 'boolean', 'operator.shardAllocationMirror', o.shardAllocationMirror, 'must be a boolean');
  problems.check(typeof o.ownIndicesOnly === 'boolean', 'operator.ownIndicesOnly', o.ownIndicesOnly, 'must be a boolean');
  problems.check(
    o.finalizerAdmissionPolicy === undefined || isOneOf(FINALIZER_ADMISSION_POLICY_VERSIONS, o.finalizerAdmissionPolicy),
    'operator.finalizerAdmissionPolicy', o.finalizerAdmissionPolicy,
    `must be one of ${FINALIZER_ADMISSION_POLICY_VERSIONS.join(', ')} (the MutatingAdmissionPolicy API version: v1 on Kubernetes 1.36+, v1beta1 on 1.34 and 1.35), or unset`,
  );

  problems.check(isInteger(r.replicas) && r.replicas >= 1 && r.replicas % 2 === 1, 'raft.replicas', r.replicas, 'must be an odd positive integer (a Raft quorum is a majority: 1, 3, 5…)');
  validateWorkload(problems, 'raft', r);
  validatePodSettings(problems, 'raft', 'raft', r.pod);
  validateStorage(problems, 'raft.storage', r.storage);
}

function validateWorkload(problems: Problems, path: string, w: { image: string; imagePullPolicy: string; resources: ResolvedResources }): void {
  problems.check(isPinnedImage(w.image), `${path}.image`, w.image, 'must be an image reference with a tag or digest (e.g. "registry/name:1.2.3"); an untagged image means :latest');
  problems.check(isOneOf(IMAGE_PULL_POLICIES, w.imagePullPolicy), `${path}.imagePullPolicy`, w.imagePullPolicy, `must be one of ${IMAGE_PULL_POLICIES.join(', ')}`);
  validateResources(problems, `${path}.resources`, w.resources);
}

function validateResources(problems: Problems, path: string, res: ResolvedResources): void {
  const rule = 'must be a positive Kubernetes quantity (e.g. "500m", "2", "4Gi")';
  const cpu = problems.check(isPositiveQuantity(res.cpuRequest), `${path}.cpuRequest`, res.cpuRequest, rule);
  const mem = problems.check(isPositiveQuantity(res.memoryRequest), `${path}.memoryRequest`, res.memoryRequest, rule);
  if (res.cpuLimit !== undefined && problems.check(isPositiveQuantity(res.cpuLimit), `${path}.cpuLimit`, res.cpuLimit, rule) && cpu) {
    problems.check(parseQuantity(res.cpuLimit)! >= parseQuantity(res.cpuRequest)!, `${path}.cpuLimit`, res.cpuLimit, `must be at least cpuRequest (${res.cpuRequest})`);
  }
  if (problems.check(isPositiveQuantity(res.memoryLimit), `${path}.memoryLimit`, res.memoryLimit, rule) && mem) {
    problems.check(parseQuantity(res.memoryLimit)! >= parseQuantity(res.memoryRequest)!, `${path}.memoryLimit`, res.memoryLimit, `must be at least memoryRequest (${res.memoryRequest})`);
  }
}

function validateStorage(problems: Problems, path: string, s: ResolvedStorage): void {
  problems.check(isPositiveQuantity(s.size), `${path}.size`, s.size, 'must be a positive Kubernetes quantity (e.g. "100Gi")');
  if (s.storageClassName !== undefined) {
    problems.check(isDns1123Subdomain(s.storageClassName), `${path}.storageClassName`, s.storageClassName, 'must be a DNS-1123 subdomain (a StorageClass name)');
  }
}

/** client-go's rule (leaderelection.NewLeaderElector): leaseDuration > renewDeadline > retryPeriod × 1.2. */
function validateLeaderElection(problems: Problems, le: ResolvedLeaderElection): void {
  const path = 'operator.leaderElection';
  const positive = [
    problems.check(isInteger(le.leaseDurationSeconds) && le.leaseDurationSeconds > 0, `${path}.leaseDurationSeconds`, le.leaseDurationSeconds, 'must be a positive integer (Lease.spec.leaseDurationSeconds is an integer)'),
    problems.check(isPositiveNumber(le.renewDeadlineSeconds), `${path}.renewDeadlineSeconds`, le.renewDeadlineSeconds, 'must be a number of seconds greater than 0'),
    problems.check(isPositiveNumber(le.retryPeriodSeconds), `${path}.retryPeriodSeconds`, le.retryPeriodSeconds, 'must be a number of seconds greater than 0'),
  ].every(Boolean);
  if (!positive) return;
  problems.check(le.leaseDurationSeconds > le.renewDeadlineSeconds, `${path}.leaseDurationSeconds`, le.leaseDurationSeconds,
    `must be greater than renewDeadlineSeconds (${le.renewDeadlineSeconds}), or a standby could take the lease while the leader still acts`);
  problems.check(le.renewDeadlineSeconds > le.retryPeriodSeconds * LEADER_ELECTION_JITTER, `${path}.renewDeadlineSeconds`, le.renewDeadlineSeconds,
    `must be greater than retryPeriodSeconds × ${LEADER_ELECTION_JITTER} (${+(le.retryPeriodSeconds * LEADER_ELECTION_JITTER).toFixed(3)}), so the leader gets at least one jittered retry before stepping down`);
}
