/**
 * Pod settings (PodSettings in props.ts) resolved and validated per component. The renderers
 * (lib/cdk8s/pod.ts) merge them into what the constructs set themselves; the rules here keep the
 * two from colliding and keep every pod within the restricted Pod Security Standard.
 */
import type { k8s } from 'cdk8s-plus-28';
import { DATANODE_ENV } from './datanode-env';
import { RESERVED_LABEL_KEYS } from './labels';
import { MASTER_ENV } from './master-env';
import type { PodSettings, ServiceAccountSettings } from './props';
import { isDns1123Label, isDns1123Subdomain, isInteger, isLabelKey, isLabelValue, isOneOf, Problems } from './validation';

export interface ResolvedPodSettings {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly k8s.Toleration[];
  /** Undefined: the constructs' anti-affinity only. */
  readonly affinity?: k8s.Affinity;
  /** Undefined: the constructs' own spread. */
  readonly topologySpreadConstraints?: readonly k8s.TopologySpreadConstraint[];
  readonly priorityClassName?: string;
  readonly imagePullSecrets: readonly string[];
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  readonly env: readonly k8s.EnvVar[];
  readonly volumes: readonly k8s.Volume[];
  readonly volumeMounts: readonly k8s.VolumeMount[];
  readonly terminationGracePeriodSeconds?: number;
}

export type PodComponent = 'operator' | 'dataNodes' | 'raft';

/** What the constructs put in each component's pod themselves: user settings may not reuse it. */
export const OWN_POD_PARTS: Record<PodComponent, { env: readonly string[]; volumes: readonly string[]; mountPaths: readonly string[] }> = {
  operator: { env: ['POD_NAME', 'POD_NAMESPACE'], volumes: ['tmp'], mountPaths: ['/tmp'] },
  dataNodes: { env: ['POD_NAME', ...Object.values(DATANODE_ENV)], volumes: ['tmp', 'data'], mountPaths: ['/tmp', '/var/lib/quidditch'] },
  raft: { env: ['POD_NAME', ...Object.values(MASTER_ENV)], volumes: ['tmp', 'data'], mountPaths: ['/tmp', '/var/lib/quidditch'] },
};

/** Volume sources the restricted Pod Security Standard allows (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted). */
export const RESTRICTED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardApi', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'] as const;
const TOLERATION_OPERATORS = ['Exists', 'Equal'] as const;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export function resolvePodSettings(p: (PodSettings & ServiceAccountSettings) | undefined): ResolvedPodSettings {
  return {
    nodeSelector: { ...p?.nodeSelector },
    tolerations: [...(p?.tolerations ?? [])],
    ...(p?.affinity !== undefined ? { affinity: p.affinity } : {}),
    ...(p?.topologySpreadConstraints !== undefined ? { topologySpreadConstraints: [...p.topologySpreadConstraints] } : {}),
    ...(p?.priorityClassName !== undefined ? { priorityClassName: p.priorityClassName } : {}),
    imagePullSecrets: [...(p?.imagePullSecrets ?? [])],
    podAnnotations: { ...p?.podAnnotations },
    podLabels: { ...p?.podLabels },
    serviceAccountAnnotations: { ...p?.serviceAccountAnnotations },
    env: [...(p?.env ?? [])],
    volumes: [...(p?.volumes ?? [])],
    volumeMounts: [...(p?.volumeMounts ?? [])],
    ...(p?.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: p.terminationGracePeriodSeconds } : {}),
  };
}

function checkLabels(problems: Problems, path: string, labels: Readonly<Record<string, string>>, reserved: boolean): void {
  for (const [key, value] of Object.entries(labels)) {
    const at = `${path}[${JSON.stringify(key)}]`;
    if (!problems.check(isLabelKey(key), at, key, 'the key must be a label key ([prefix/]name, name at most 63 alphanumerics, \'-\', \'_\' or \'.\')')) continue;
    if (reserved && !problems.check(!RESERVED_LABEL_KEYS.includes(key), at, key, 'is set by the constructs (selectors depend on it); remove it')) continue;
    problems.check(isLabelValue(value), at, value, 'must be a label value (at most 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending alphanumeric)');
  }
}

function checkAnnotations(problems: Problems, path: string, annotations: Readonly<Record<string, string>>): void {
  for (const key of Object.keys(annotations)) {
    problems.check(isLabelKey(key), `${path}[${JSON.stringify(key)}]`, key, 'the key must be a qualified name ([prefix/]name, like a label key)');
  }
}

export function validatePodSettings(problems: Problems, path: string, component: PodComponent, s: ResolvedPodSettings): void {
  const own = OWN_POD_PARTS[component];
  checkLabels(problems, `${path}.nodeSelector`, s.nodeSelector, false);
  s.tolerations.forEach((t, i) => {
    const at = `${path}.tolerations[${i}]`;
    if (t.operator !== undefined) problems.check(isOneOf(TOLERATION_OPERATORS, t.operator), `${at}.operator`, t.operator, `must be one of ${TOLERATION_OPERATORS.join(', ')}`);
    if (t.effect !== undefined) problems.check(isOneOf(TAINT_EFFECTS, t.effect), `${at}.effect`, t.effect, `must be one of ${TAINT_EFFECTS.join(', ')} (or unset for every effect)`);
    if (t.operator === 'Exists') problems.check(t.value === undefined || t.value === '', `${at}.value`, t.value, 'must be unset when operator is Exists');
  });
  (s.topologySpreadConstraints ?? []).forEach((c, i) => {
    const at = `${path}.topologySpreadConstraints[${i}]`;
    problems.check(isInteger(c.maxSkew) && c.maxSkew > 0, `${at}.maxSkew`, c.maxSkew, 'must be a positive integer');
    problems.check(typeof c.topologyKey === 'string' && c.topologyKey !== '', `${at}.topologyKey`, c.topologyKey, 'must be a node label key, e.g. "topology.kubernetes.io/zone"');
    problems.check(isOneOf(['DoNotSchedule', 'ScheduleAnyway'], c.whenUnsatisfiable), `${at}.whenUnsatisfiable`, c.whenUnsatisfiable, 'must be DoNotSchedule or ScheduleAnyway');
  });
  if (s.priorityClassName !== undefined) {
    problems.check(isDns1123Subdomain(s.priorityClassName), `${path}.priorityClassName`, s.priorityClassName, 'must be a DNS-1123 subdomain (a PriorityClass name)');
  }
  s.imagePullSecrets.forEach((name, i) => problems.check(isDns1123Subdomain(name), `${path}.imagePullSecrets[${i}]`, name, 'must be a Secret name (a DNS-1123 subdomain)'));
  checkAnnotations(problems, `${path}.podAnnotations`, s.podAnnotations);
  checkLabels(problems, `${path}.podLabels`, s.podLabels, true);
  checkAnnotations(problems, `${path}.serviceAccountAnnotations`, s.serviceAccountAnnotations);
  const envNames = new Set<string>();
  s.env.forEach((e, i) => {
    const at = `${path}.env[${i}].name`;
    if (!problems.check(typeof e.name === 'string' && ENV_NAME.test(e.name), at, e.name, 'must be an environment variable name (letters, digits, \'_\', \'-\' and \'.\', not starting with a digit)')) return;
    problems.check(!own.env.includes(e.name), at, e.name, 'is set by the constructs (the component reads it); choose another name');
    problems.check(!envNames.has(e.name), at, e.name, 'is given twice');
    envNames.add(e.name);
  });
  const volumeNames = new Set<string>();
  s.volumes.forEach((v, i) => {
    const at = `${path}.volumes[${i}]`;
    if (problems.check(isDns1123Label(v.name), `${at}.name`, v.name, 'must be a DNS-1123 label')) {
      const ours = !problems.check(!own.volumes.includes(v.name), `${at}.name`, v.name, `is a volume of the constructs (${own.volumes.join(', ')}); choose another name`);
      problems.check(!volumeNames.has(v.name), `${at}.name`, v.name, 'is given twice');
      if (!ours) volumeNames.add(v.name);
    }
    const sources = Object.keys(v).filter((k) => k !== 'name' && (v as unknown as Record<string, unknown>)[k] !== undefined);
    const forbidden = sources.filter((k) => !(RESTRICTED_VOLUME_SOURCES as readonly string[]).includes(k));
    problems.check(sources.length === 1 && forbidden.length === 0, at, sources.join(', ') || '(no source)',
      `must have exactly one source of ${RESTRICTED_VOLUME_SOURCES.join(', ')}: the restricted Pod Security Standard forbids the others (hostPath…)`);
  });
  s.volumeMounts.forEach((m, i) => {
    const at = `${path}.volumeMounts[${i}]`;
    problems.check(volumeNames.has(m.name), `${at}.name`, m.name, `must name one of ${path}.volumes (${[...volumeNames].join(', ') || 'none given'})`);
    problems.check(typeof m.mountPath === 'string' && m.mountPath.startsWith('/') && !own.mountPaths.includes(m.mountPath.replace(/\/+$/, '')),
      `${at}.mountPath`, m.mountPath, `must be an absolute path other than ${own.mountPaths.join(' and ')} (the constructs mount those)`);
  });
  if (s.terminationGracePeriodSeconds !== undefined) {
    problems.check(isInteger(s.terminationGracePeriodSeconds) && s.terminationGracePeriodSeconds >= 0, `${path}.terminationGracePeriodSeconds`, s.terminationGracePeriodSeconds, 'must be a non-negative integer');
  }
}
