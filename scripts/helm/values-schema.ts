/**
 * values.schema.json: the chart values' JSON Schema, derived from the props' schema
 * (lib/model/props-schema.ts: types, descriptions, the shape of Kubernetes objects passed through)
 * plus the value rules resolve.ts applies, as far as JSON Schema can say them: enums, quantities,
 * DNS names, pinned images, label keys and values, ranges. `helm install/upgrade/template` check
 * it first and name the value that breaks it. Rules across values (Raft replicas odd, Lease timing
 * order, the mode's control plane enabled) are checked by templates/validate.yaml with the
 * constructs' own words, because JSON Schema can only answer "'not' failed" for them.
 */
import { NODE_TIERS } from '../../lib/api/v1/quidditch-node';
import { RESERVED_LABEL_KEYS } from '../../lib/model/labels';
import { MIGRATION_STEPS } from '../../lib/model/migration';
import { MAX_CLUSTER_NAME_LENGTH } from '../../lib/model/names';
import { FINALIZER_ADMISSION_POLICY_VERSIONS } from '../../lib/model/props';
import { PropSchema, QUIDDITCH_CLUSTER_PROPS_SCHEMA } from '../../lib/model/props-schema';
import { POSITIVE_QUANTITY } from '../../lib/model/quantity';
import { IMAGE_PULL_POLICIES, LOG_LEVELS, MAX_SHARDS_RANGE, MODES } from '../../lib/model/resolve';
import { IPV4_CIDR, IPV6_CIDR } from '../../lib/model/security';
import { PATTERNS } from '../../lib/model/validation';
import { ENV_NAME, OWN_POD_PARTS, PodComponent } from '../../lib/model/pod-settings';

type Schema = Record<string, unknown>;

const src = (re: RegExp) => re.source;
/** Helm's "unset" for optional strings is "", so optional patterns admit it. */
const orEmpty = (re: RegExp) => `^$|${re.source}`;

/** The props schema at a dotted path (e.g. "operator.resources"). */
function prop(path: string): PropSchema {
  let s: PropSchema = QUIDDITCH_CLUSTER_PROPS_SCHEMA;
  for (const key of path.split('.')) {
    const next = s.properties?.[key];
    if (!next) throw new Error(`Unable to generate values.schema.json: props-schema.ts has no ${path}`);
    s = next;
  }
  return s;
}

const described = (path: string, extra: Schema): Schema => ({ description: prop(path).description, ...extra });
const object = (description: string | undefined, properties: Record<string, Schema>): Schema =>
  ({ type: 'object', ...(description ? { description } : {}), additionalProperties: false, properties });

const labelMap = (path: string, reserved: boolean): Schema => described(path, {
  type: 'object',
  propertyNames: { pattern: src(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/), maxLength: 317, ...(reserved ? { not: { enum: RESERVED_LABEL_KEYS } } : {}) },
  additionalProperties: { type: 'string', pattern: `^$|${src(PATTERNS.labelName)}`, maxLength: 63 },
});
const annotationMap = (path: string): Schema => described(path, { type: 'object', additionalProperties: { type: 'string' } });
/** A quantity as a string ("500m", "4Gi") or, as the seed's values.yaml writes `cpu: 2`, a plain number. */
const quantity = (description: string, optional: boolean): Schema =>
  ({ type: ['string', 'number'], description, pattern: optional ? `^$|${src(POSITIVE_QUANTITY)}` : src(POSITIVE_QUANTITY), exclusiveMinimum: 0 });

function resources(path: string): Schema {
  return object(prop(path).description + ' Kubernetes quantities ("500m", "4Gi"); limits.memory defaults to requests.memory, limits.cpu to none.', {
    requests: object(undefined, { cpu: quantity('CPU request.', false), memory: quantity('Memory request.', false) }),
    limits: object(undefined, { cpu: quantity('CPU limit ("" = none).', true), memory: quantity('Memory limit ("" = the request).', true) }),
  });
}

/** Kubernetes Affinity: only its three parts (the constructs render no other field), each passed through. */
function affinity(path: string): Schema {
  const terms = (d: string): Schema => ({ type: 'array', description: d, items: { type: 'object' } });
  return described(path, {
    type: 'object',
    additionalProperties: false,
    properties: {
      nodeAffinity: { type: 'object', description: 'Used as given.' },
      podAffinity: { type: 'object', description: 'Used as given.' },
      podAntiAffinity: {
        type: 'object',
        description: 'Your terms are added to the constructs\' preferred one-replica-per-node term.',
        additionalProperties: false,
        properties: {
          requiredDuringSchedulingIgnoredDuringExecution: terms('Used as given.'),
          preferredDuringSchedulingIgnoredDuringExecution: terms('Added after the constructs\' own term.'),
        },
      },
    },
  });
}

/** pod-settings.ts validatePodSettings, per item; names given twice and mounts of unknown volumes: templates/validate.yaml. */
const TOLERATION: Schema = {
  type: 'object',
  properties: {
    operator: { type: 'string', enum: ['Exists', 'Equal'] },
    effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'], description: 'Unset: every effect.' },
  },
  // "value must be unset when operator is Exists"
  if: { properties: { operator: { const: 'Exists' } }, required: ['operator'] },
  then: { properties: { value: { const: '' } } },
};

/** Names and paths the constructs use themselves are refused by templates/validate.yaml, in the constructs' words. */
function podParts(c: PodComponent): Record<string, Schema> {
  const own = OWN_POD_PARTS[c];
  return {
    env: described(`${c}.env`, { type: 'array', items: {
      type: 'object', required: ['name'],
      properties: { name: { type: 'string', pattern: ENV_NAME.source, description: `Not one the constructs set (${own.env.join(', ')}).` } },
    } }),
    volumes: described(`${c}.volumes`, { type: 'array', items: {
      type: 'object', required: ['name'],
      properties: { name: { type: 'string', maxLength: 63, pattern: src(PATTERNS.dns1123Label), description: `Not a volume of the constructs (${own.volumes.join(', ')}).` } },
    } }),
    volumeMounts: described(`${c}.volumeMounts`, { type: 'array', items: {
      type: 'object', required: ['name', 'mountPath'],
      properties: { mountPath: { type: 'string', pattern: '^/', description: `Absolute, other than ${own.mountPaths.join(' and ')}.` } },
    } }),
  };
}

function workload(path: string, replicas: Schema, serviceAccount: boolean): Record<string, Schema> {
  return {
    replicas: described(`${path}.replicas`, replicas),
    image: described(`${path}.image`, { type: 'string', pattern: src(PATTERNS.pinnedImage) }),
    imagePullPolicy: described(`${path}.imagePullPolicy`, { type: 'string', enum: IMAGE_PULL_POLICIES }),
    resources: resources(`${path}.resources`),
    nodeSelector: labelMap(`${path}.nodeSelector`, false),
    tolerations: described(`${path}.tolerations`, { type: 'array', items: TOLERATION }),
    affinity: affinity(`${path}.affinity`),
    topologySpreadConstraints: described(`${path}.topologySpreadConstraints`, {
      type: 'array',
      items: {
        type: 'object',
        // pod-settings.ts validatePodSettings: the three fields the constructs check.
        required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
        properties: {
          maxSkew: { type: 'integer', minimum: 1, description: 'A positive integer.' },
          topologyKey: { type: 'string', minLength: 1, description: 'A node label key, e.g. "topology.kubernetes.io/zone".' },
          whenUnsatisfiable: { type: 'string', enum: ['DoNotSchedule', 'ScheduleAnyway'] },
        },
      },
    }),
    priorityClassName: described(`${path}.priorityClassName`, { type: 'string', maxLength: 253, pattern: orEmpty(PATTERNS.dns1123Subdomain) }),
    imagePullSecrets: described(`${path}.imagePullSecrets`, { type: 'array', items: { type: 'string', maxLength: 253, pattern: src(PATTERNS.dns1123Subdomain) } }),
    podAnnotations: annotationMap(`${path}.podAnnotations`),
    podLabels: labelMap(`${path}.podLabels`, true),
    ...(serviceAccount ? { serviceAccountAnnotations: annotationMap(`${path}.serviceAccountAnnotations`) } : {}),
    ...podParts(path as PodComponent),
    terminationGracePeriodSeconds: described(`${path}.terminationGracePeriodSeconds`, { type: ['integer', 'null'], minimum: 0 }),
  };
}

function storage(path: string): Schema {
  return object(prop(path).description, {
    size: quantity(prop(`${path}.size`).description!, false),
    storageClassName: described(`${path}.storageClassName`, { type: 'string', maxLength: 253, pattern: orEmpty(PATTERNS.dns1123Subdomain) }),
  });
}

/** A NetworkPolicy peer: `{}` = the default; a field given (even `{}`) replaces the whole default, as in the props. */
const peer = (name: string, dflt: string): Schema => object(`${prop(`security.networkPolicies.${name}`).description} {} = the default: ${dflt}. `
  + 'Any field given replaces the whole default: namespaceLabels ({} = every namespace; absent = the release\'s namespace), podLabels ({} or absent = every pod of those namespaces).', {
  namespaceLabels: labelMap(`security.networkPolicies.${name}.namespaceLabels`, false),
  podLabels: labelMap(`security.networkPolicies.${name}.podLabels`, false),
});

const bool = (path: string): Schema => described(path, { type: 'boolean' });
const positive = (path: string, type: 'integer' | 'number'): Schema => described(path, { type, exclusiveMinimum: 0 });

export function valuesSchema(): Schema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...object('Values of the quidditch chart: the props of QuidditchCluster (lib/model/props.ts) under the seed\'s controlPlane.* keys.', {
      name: { type: 'string', description: `Base of every object name ("" = the release name): a DNS-1035 label of at most ${MAX_CLUSTER_NAME_LENGTH} characters.`, maxLength: MAX_CLUSTER_NAME_LENGTH, pattern: orEmpty(PATTERNS.dns1035Label) },
      labels: labelMap('labels', true),
      migration: described('migration', { type: 'string', enum: ['', ...MIGRATION_STEPS] }),
      controlPlane: object('The control plane: the operator (k8s) or Raft masters (raft).', {
        mode: described('mode', { type: 'string', enum: MODES }),
        raft: object(prop('raft').description, {
          enabled: { type: 'boolean', description: 'Must be true when mode is raft (the seed\'s switch; the mode decides what runs).' },
          ...workload('raft', { type: 'integer', minimum: 1 }, false),
          storage: storage('raft.storage'),
          ignoreK8sState: {
            type: 'boolean',
            description: 'Switch to raft mode although QuidditchIndex objects (the k8s-mode state) exist in the namespace: the masters start without them. '
              + 'false: helm install/upgrade refuses that switch; migrate first (README "Changing modes").',
          },
        }),
        k8s: object('K8s-native control plane (mode k8s or auto).', {
          enabled: { type: 'boolean', description: 'Must be true when mode is k8s or auto (the seed\'s switch; the mode decides what runs).' },
          operator: object(prop('operator').description, {
            ...workload('operator', { type: 'integer', minimum: 1 }, true),
            leaderElection: object(prop('operator.leaderElection').description, {
              leaseDurationSeconds: positive('operator.leaderElection.leaseDurationSeconds', 'integer'),
              renewDeadlineSeconds: positive('operator.leaderElection.renewDeadlineSeconds', 'number'),
              retryPeriodSeconds: positive('operator.leaderElection.retryPeriodSeconds', 'number'),
            }),
            heartbeatTimeoutSeconds: positive('operator.heartbeatTimeoutSeconds', 'number'),
            logLevel: described('operator.logLevel', { type: 'string', enum: LOG_LEVELS }),
            shardAllocationMirror: bool('operator.shardAllocationMirror'),
            ownIndicesOnly: bool('operator.ownIndicesOnly'),
            finalizerAdmissionPolicy: {
              type: 'string',
              enum: ['', ...FINALIZER_ADMISSION_POLICY_VERSIONS],
              description: `${prop('operator.finalizerAdmissionPolicy').description} Empty: none (the operator adds the finalizer with a write of its own).`,
            },
          }),
        }),
      }),
      dataNodes: object(prop('dataNodes').description, {
        ...workload('dataNodes', { type: 'integer', minimum: 0 }, true),
        storage: storage('dataNodes.storage'),
        tier: described('dataNodes.tier', { type: 'string', enum: NODE_TIERS }),
        maxShards: described('dataNodes.maxShards', { type: 'integer', minimum: MAX_SHARDS_RANGE.min, maximum: MAX_SHARDS_RANGE.max }),
        command: described('dataNodes.command', { type: 'array', items: { type: 'string', minLength: 1 } }),
      }),
      monitoring: object(prop('monitoring').description, {
        enabled: bool('monitoring.enabled'),
        podMonitor: bool('monitoring.podMonitor'),
        prometheusRule: bool('monitoring.prometheusRule'),
        dashboard: bool('monitoring.dashboard'),
        labels: labelMap('monitoring.labels', true),
        runbookBaseUrl: described('monitoring.runbookBaseUrl', { type: 'string', pattern: '^https?://[^\\s#"\\\\]+$' }),
      }),
      security: object(prop('security').description, {
        nodeAdmissionPolicy: bool('security.nodeAdmissionPolicy'),
        networkPolicies: object(prop('security.networkPolicies').description, {
          enabled: bool('security.networkPolicies.enabled'),
          routingClients: peer('routingClients', 'pods labelled quidditch.io/routing-client=true in the release\'s namespace'),
          metricsScrapers: peer('metricsScrapers', 'every pod in the namespace named monitoring'),
          restrictEgress: bool('security.networkPolicies.restrictEgress'),
          apiServer: object(prop('security.networkPolicies.apiServer').description, {
            // security.ts validateSecurity: at least one of each (else set restrictEgress: false), CIDRs, TCP ports.
            cidrs: described('security.networkPolicies.apiServer.cidrs', { type: 'array', minItems: 1, items: { type: 'string', pattern: `${src(IPV4_CIDR)}|${src(IPV6_CIDR)}` } }),
            ports: described('security.networkPolicies.apiServer.ports', { type: 'array', minItems: 1, items: { type: 'integer', minimum: 1, maximum: 65535 } }),
          }),
        }),
        insecurePlaintextGrpc: bool('security.insecurePlaintextGrpc'),
        certManager: object(prop('security.certManager').description, {
          enabled: { type: 'boolean', description: 'Take the gRPC certificates from cert-manager (false: the operator manages its own CA).' },
          issuerRef: object(prop('security.certManager.issuerRef').description + ' Empty name: the constructs\' self-signed bootstrap Issuer, CA Certificate and CA Issuer.', {
            name: described('security.certManager.issuerRef.name', { type: 'string', maxLength: 253, pattern: orEmpty(PATTERNS.dns1123Subdomain) }),
            kind: described('security.certManager.issuerRef.kind', { type: 'string', enum: ['Issuer', 'ClusterIssuer'] }),
            group: described('security.certManager.issuerRef.group', { type: 'string', minLength: 1 }),
          }),
        }),
        certificateValiditySeconds: described('security.certificateValiditySeconds', { type: 'integer', minimum: 3600 }),
      }),
    }),
  };
}
