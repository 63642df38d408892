/**
 * The chart's default values (values.yaml), taken from the model's DEFAULTS and DEFAULT_IMAGES so
 * the chart's defaults and the constructs' cannot drift. Optional props whose default is "unset"
 * appear as empty strings, lists or maps, which valuesToProps reads as unset, so every key a user
 * may set is visible in values.yaml.
 */
import { DEFAULTS } from '../../lib/model/resolve';
import { SECURITY_DEFAULTS } from '../../lib/model/security';
import { DEFAULT_IMAGES } from '../../lib/model/version';
import type { HelmValues } from './values-to-props';

const resources = (r: { cpuRequest: string; memoryRequest: string }) => ({
  requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
  limits: { cpu: '', memory: '' },
});

/** Pod settings, all unset. */
const pod = (serviceAccount: boolean) => ({
  nodeSelector: {},
  tolerations: [],
  affinity: {},
  // Empty: the constructs' own spread (zones, ScheduleAnyway) for data nodes and masters.
  topologySpreadConstraints: [],
  priorityClassName: '',
  imagePullSecrets: [],
  podAnnotations: {},
  podLabels: {},
  ...(serviceAccount ? { serviceAccountAnnotations: {} } : {}),
  env: [],
  volumes: [],
  volumeMounts: [],
  terminationGracePeriodSeconds: null,
});

export function defaultValues(): Required<HelmValues> {
  const o = DEFAULTS.operator;
  const n = SECURITY_DEFAULTS.networkPolicies;
  return {
    name: '',
    migration: '',
    labels: {},
    controlPlane: {
      mode: DEFAULTS.mode,
      raft: {
        enabled: true,
        replicas: DEFAULTS.raft.replicas,
        image: DEFAULT_IMAGES.master,
        imagePullPolicy: DEFAULTS.imagePullPolicy,
        storage: { size: DEFAULTS.raft.storageSize, storageClassName: '' },
        resources: resources(DEFAULTS.raft.resources),
        ...pod(false),
        // The chart's guard against a direct k8s → raft switch (templates/_helpers.tpl); no construct prop.
        ignoreK8sState: false,
      },
      k8s: {
        enabled: true,
        operator: {
          replicas: o.replicas,
          image: DEFAULT_IMAGES.operator,
          imagePullPolicy: DEFAULTS.imagePullPolicy,
          resources: resources(o.resources),
          leaderElection: { ...o.leaderElection },
          heartbeatTimeoutSeconds: o.heartbeatTimeoutSeconds,
          logLevel: o.logLevel,
          shardAllocationMirror: o.shardAllocationMirror,
          ownIndicesOnly: o.ownIndicesOnly,
          finalizerAdmissionPolicy: '',
          ...pod(true),
        },
      },
    },
    dataNodes: {
      replicas: DEFAULTS.dataNodes.replicas,
      image: DEFAULT_IMAGES.dataNode,
      imagePullPolicy: DEFAULTS.imagePullPolicy,
      storage: { size: DEFAULTS.dataNodes.storageSize, storageClassName: '' },
      resources: resources(DEFAULTS.dataNodes.resources),
      tier: DEFAULTS.dataNodes.tier,
      maxShards: DEFAULTS.dataNodes.maxShards,
      command: [],
      ...pod(true),
      // The constructs' default: long enough for a SIGTERMed node to have its copies moved away.
      terminationGracePeriodSeconds: DEFAULTS.dataNodes.terminationGracePeriodSeconds,
    },
    monitoring: {
      enabled: DEFAULTS.monitoring.enabled,
      podMonitor: true,
      prometheusRule: true,
      dashboard: true,
      labels: {},
      runbookBaseUrl: DEFAULTS.monitoring.runbookBaseUrl,
    },
    security: {
      nodeAdmissionPolicy: SECURITY_DEFAULTS.nodeAdmissionPolicy,
      networkPolicies: {
        enabled: n.enabled,
        // Empty: the props' default peer (the chart's templates hold it, as the constructs do).
        routingClients: {},
        metricsScrapers: {},
        restrictEgress: n.restrictEgress,
        apiServer: { cidrs: [...n.apiServer.cidrs], ports: [...n.apiServer.ports] },
      },
      insecurePlaintextGrpc: SECURITY_DEFAULTS.insecurePlaintextGrpc,
      certManager: { enabled: false, issuerRef: { name: '', kind: 'Issuer', group: 'cert-manager.io' } },
      certificateValiditySeconds: SECURITY_DEFAULTS.certificateValiditySeconds,
    },
  };
}
