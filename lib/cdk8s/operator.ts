/**
 * QuidditchOperator: the K8s-native control plane (k8s mode). ServiceAccount + least-privilege
 * RBAC, an HA Deployment (one leader via a Lease, standbys serve routing), its Service and PDB.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { selectorLabels } from '../model/labels';
import { serviceHost } from '../model/names';
import type { ResolvedCluster } from '../model/resolved';
import { OPERATOR_FLAGS, OperatorFlagKey } from '../model/operator-flags';
import {
  clusterScopedMeta, fieldEnv, namespacedMeta, podSettingsSpec, podTemplateLabels, podTemplateMeta, preferredHostAntiAffinity, resourceRequirements,
  restrictedContainerSecurityContext, restrictedPodSecurityContext, serviceAccountMeta, TMP_MOUNT, TMP_VOLUME,
} from './pod';
import { operatorGrpcTlsFlags, operatorGrpcTlsRules, operatorGrpcTlsVolumes, routingApiTls } from './grpc-tls';
import { operatorClusterRoleRules, operatorRoleRules } from './rbac';
import { clusterScoped } from './scope';

export const OPERATOR_PORTS = {
  /** Routing API, /healthz and /readyz. */
  http: OPERATOR_FLAGS.httpPort.default,
  metrics: OPERATOR_FLAGS.metricsPort.default,
} as const;

/** host:port of the operator's routing API as data nodes reach it (HTTPS unless gRPC is plaintext; see routingApiTls). */
export function operatorAddress(cluster: ResolvedCluster): string {
  return `${serviceHost(cluster.names.operator, cluster.namespace)}:${OPERATOR_PORTS.http}`;
}

/** Flag values the Deployment passes, keyed by OPERATOR_FLAGS so an unknown flag cannot compile. */
export function operatorFlagValues(cluster: ResolvedCluster): Partial<Record<OperatorFlagKey, string | number | boolean>> {
  const o = cluster.operator;
  return {
    namespace: cluster.namespace,
    leaseName: cluster.names.lease,
    leaderElect: true,
    leaseDuration: o.leaderElection.leaseDurationSeconds,
    renewDeadline: o.leaderElection.renewDeadlineSeconds,
    retryPeriod: o.leaderElection.retryPeriodSeconds,
    heartbeatTimeout: o.heartbeatTimeoutSeconds,
    httpPort: OPERATOR_PORTS.http,
    metricsPort: OPERATOR_PORTS.metrics,
    logLevel: o.logLevel,
    // Only when on, so the default Deployment stays as it was.
    ...(o.shardAllocationMirror ? { shardAllocationMirror: true } : {}),
    ...(o.ownIndicesOnly ? { clusterName: cluster.name } : {}),
    ...operatorGrpcTlsFlags(cluster),
  };
}

/** Container args: `--<flag>=<value>` for every flag value, in OPERATOR_FLAGS order (stable output). */
export function operatorArgs(cluster: ResolvedCluster): string[] {
  const values = operatorFlagValues(cluster);
  return (Object.keys(OPERATOR_FLAGS) as OperatorFlagKey[])
    .filter((key) => values[key] !== undefined)
    .map((key) => `--${OPERATOR_FLAGS[key].name}=${values[key]}`);
}

export function renderOperatorDeployment(cluster: ResolvedCluster): k8s.KubeDeploymentProps {
  const o = cluster.operator;
  const selector = selectorLabels(cluster.name, 'operator');
  const tls = operatorGrpcTlsVolumes(cluster);
  // The kubelet probes HTTPS without verifying or presenting a certificate; /healthz and /readyz need none.
  const scheme = routingApiTls(cluster) ? 'HTTPS' : 'HTTP';
  return {
    metadata: namespacedMeta(cluster, 'operator', cluster.names.operator),
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: podTemplateMeta(podTemplateLabels(cluster, 'operator'), o.pod),
        spec: {
          serviceAccountName: cluster.names.operator,
          // The operator talks to the API server with its own identity.
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurityContext(),
          ...podSettingsSpec(o.pod, { affinity: preferredHostAntiAffinity(selector) }),
          volumes: [TMP_VOLUME, ...tls.volumes, ...o.pod.volumes],
          containers: [
            {
              name: 'operator',
              image: o.image,
              imagePullPolicy: o.imagePullPolicy,
              args: operatorArgs(cluster),
              env: [fieldEnv('POD_NAME', 'metadata.name'), fieldEnv('POD_NAMESPACE', 'metadata.namespace'), ...o.pod.env],
              ports: [
                { name: 'http', containerPort: OPERATOR_PORTS.http, protocol: 'TCP' },
                { name: 'metrics', containerPort: OPERATOR_PORTS.metrics, protocol: 'TCP' },
              ],
              livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http'), scheme }, periodSeconds: 10, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('http'), scheme }, periodSeconds: 5, failureThreshold: 3 },
              resources: resourceRequirements(o.resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [TMP_MOUNT, ...tls.volumeMounts, ...o.pod.volumeMounts],
            },
          ],
        },
      },
    },
  };
}

export function renderOperatorService(cluster: ResolvedCluster): k8s.KubeServiceProps {
  return {
    metadata: namespacedMeta(cluster, 'operator', cluster.names.operator),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(cluster.name, 'operator'),
      // Every replica serves routing from its own cache, so the Service spreads reads over all of them.
      ports: [
        { name: 'http', port: OPERATOR_PORTS.http, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
        { name: 'metrics', port: OPERATOR_PORTS.metrics, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' },
      ],
    },
  };
}

/** Props of QuidditchOperator. */
export interface QuidditchOperatorProps {
  /** The resolved cluster (see resolveCluster). */
  readonly cluster: ResolvedCluster;
}

/** The operator (k8s mode): ServiceAccount, least-privilege RBAC, the HA Deployment, its Service and PDB. */
export class QuidditchOperator extends Construct {
  readonly deployment: k8s.KubeDeployment;
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: QuidditchOperatorProps) {
    super(scope, id);
    const c = props.cluster;
    const meta = namespacedMeta(c, 'operator', c.names.operator);
    const subject = { kind: 'ServiceAccount', name: c.names.operator, namespace: c.namespace };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: serviceAccountMeta(meta, c.operator.pod), automountServiceAccountToken: true });
    new k8s.KubeRole(this, 'Role', { metadata: meta, rules: [...operatorRoleRules(), ...operatorGrpcTlsRules(c)] });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: c.names.operator },
      subjects: [subject],
    });
    const clusterMeta = clusterScopedMeta(c, 'operator', c.names.operatorClusterRole);
    clusterScoped(new k8s.KubeClusterRole(this, 'ClusterRole', { metadata: clusterMeta, rules: operatorClusterRoleRules() }));
    clusterScoped(new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: clusterMeta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: c.names.operatorClusterRole },
      subjects: [subject],
    }));
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', renderOperatorDeployment(c));
    this.service = new k8s.KubeService(this, 'Service', renderOperatorService(c));
    // A PDB on a single replica would block every node drain; with two or more it keeps a standby up.
    if (c.operator.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: meta,
        spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(c.name, 'operator') } },
      });
    }
  }
}
