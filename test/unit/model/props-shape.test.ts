/** Props from JavaScript or a config file: one error per prop whose shape is wrong, with an example. */
import { resolveCluster } from '../../../lib/model/resolve';
import { QUIDDITCH_CLUSTER_PROPS_SCHEMA, PropSchema } from '../../../lib/model/props-schema';
import type {
  ApiServerProps, CertManagerProps, DataNodeProps, IssuerRefProps, LeaderElectionProps, MonitoringProps, NetworkPolicyProps, OperatorProps, PeerProps, PodSettings, QuidditchClusterProps, RaftProps, ResourceProps, SecurityProps, StorageProps,
} from '../../../lib/model/props';
import { checkShape, formatExample } from '../../../lib/model/shape';
import { Problems } from '../../../lib/model/validation';

function messageOf(props: unknown): string {
  try {
    resolveCluster('search', props as QuidditchClusterProps);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected resolveCluster to throw');
}

describe('the props shape check', () => {
  it('names the prop, the value and the shape with an example', () => {
    expect(messageOf({ dataNodes: { storage: 'lots' } })).toBe(
      'Unable to synthesize QuidditchCluster search: 1 invalid prop. Fix:\n  - dataNodes.storage = "lots": must be an object like { size: "200Gi" }',
    );
  });

  it('reports every wrong prop at once, one line each', () => {
    const message = messageOf({
      dataNodes: { replicas: '3', storage: { size: 200 }, command: 'node sim.js', tolerations: { key: 'x' } },
      operator: { leaderElection: 15, shardAllocationMirror: 'yes', podAnnotations: { a: 1 } },
      labels: ['team'],
      nameSpace: 'typo',
    });
    expect(message.split('\n').slice(1)).toEqual([
      '  - dataNodes.replicas = "3": must be an integer (a number, not a string)',
      '  - dataNodes.storage.size = 200: must be a string like "200Gi"',
      '  - dataNodes.command = "node sim.js": must be a list like ["/nodejs/bin/node", "/app/datanode-sim.js"]',
      '  - dataNodes.tolerations = {"key":"x"}: must be a list like [{ key: "dedicated", operator: "Equal", value: "search", effect: "NoSchedule" }]',
      '  - operator.leaderElection = 15: must be an object like { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 }',
      '  - operator.shardAllocationMirror = "yes": must be a boolean',
      '  - operator.podAnnotations.a = 1: must be a string',
      '  - labels = ["team"]: must be an object like { team: "search" }',
      `  - nameSpace = "typo": is not a prop of QuidditchCluster; the props are ${Object.keys(QUIDDITCH_CLUSTER_PROPS_SCHEMA.properties!).join(', ')}`,
    ]);
  });

  it('accepts props that are not objects only when they are absent', () => {
    expect(messageOf(null)).toContain('props = null: must be an object like');
    expect(() => resolveCluster('search', undefined)).not.toThrow();
  });

  it('formats examples as JavaScript literals', () => {
    expect(formatExample({ size: '1Gi', 'a/b': [1, true] })).toBe('{ size: "1Gi", "a/b": [1, true] }');
  });
});

/**
 * Every prop of every props interface, set. `Required<…>` makes tsc fail here when an interface
 * gains a prop; the test below fails when the schema and these keys differ.
 */
const pod: Required<PodSettings> = {
  nodeSelector: {}, tolerations: [], affinity: {}, topologySpreadConstraints: [], priorityClassName: 'p', imagePullSecrets: [],
  podAnnotations: {}, podLabels: {}, env: [], volumes: [], volumeMounts: [], terminationGracePeriodSeconds: 30,
};
const resources: Required<ResourceProps> = { cpuRequest: '1', memoryRequest: '1Gi', cpuLimit: '1', memoryLimit: '1Gi' };
const storage: Required<StorageProps> = { size: '1Gi', storageClassName: 'x' };
const leaderElection: Required<LeaderElectionProps> = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 };
const workload = { replicas: 1, image: 'a:1', imagePullPolicy: 'Always', resources } as const;
const dataNodes: Required<DataNodeProps> = { ...workload, ...pod, serviceAccountAnnotations: {}, storage, tier: 'hot', maxShards: 1, command: ['x'] };
const operator: Required<OperatorProps> = {
  ...workload, ...pod, serviceAccountAnnotations: {}, leaderElection, heartbeatTimeoutSeconds: 60, logLevel: 'info', shardAllocationMirror: false, ownIndicesOnly: false,
  finalizerAdmissionPolicy: 'v1',
};
const raft: Required<RaftProps> = { ...workload, ...pod, storage };
const monitoring: Required<MonitoringProps> = { enabled: true, podMonitor: true, prometheusRule: true, dashboard: true, labels: {}, runbookBaseUrl: 'https://x' };
const peer: Required<PeerProps> = { namespaceLabels: {}, podLabels: {} };
const apiServer: Required<ApiServerProps> = { cidrs: ['10.0.0.1/32'], ports: [443] };
const networkPolicies: Required<NetworkPolicyProps> = { enabled: true, routingClients: peer, metricsScrapers: peer, restrictEgress: true, apiServer };
const issuerRef: Required<IssuerRefProps> = { name: 'ca', kind: 'ClusterIssuer', group: 'cert-manager.io' };
const certManager: Required<CertManagerProps> = { issuerRef };
const security: Required<SecurityProps> = { nodeAdmissionPolicy: true, networkPolicies, insecurePlaintextGrpc: false, certManager, certificateValiditySeconds: 7200 };
const everything: Required<QuidditchClusterProps> = { mode: 'k8s', namespace: 'n', name: 'n', crds: true, labels: {}, migration: 'add-masters', dataNodes, operator, raft, monitoring, security };

function keysOf(value: unknown, schema: PropSchema, path = ''): string[] {
  if (schema.type !== 'object' || !schema.properties) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [`${path}${k}`, ...(schema.properties![k] ? keysOf(v, schema.properties![k], `${path}${k}.`) : [])]);
}
function schemaKeys(schema: PropSchema, path = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, s]) => [`${path}${k}`, ...(s.additionalProperties === false ? schemaKeys(s, `${path}${k}.`) : [])]);
}

describe('the props schema', () => {
  it('names exactly the props of the TypeScript interfaces', () => {
    expect(keysOf(everything, QUIDDITCH_CLUSTER_PROPS_SCHEMA).sort()).toEqual(schemaKeys(QUIDDITCH_CLUSTER_PROPS_SCHEMA).sort());
  });

  it('accepts a value for every prop', () => {
    const problems = new Problems();
    checkShape(everything, QUIDDITCH_CLUSTER_PROPS_SCHEMA, '', problems);
    expect(() => problems.throwIfAny('QuidditchCluster', 'n')).not.toThrow();
  });
});
