/**
 * QuidditchDataNodes: the shard-holding StatefulSet, its headless Service (stable per-pod DNS for
 * the gRPC API) and PDB, plus — in k8s mode — the RBAC a data node needs to register itself.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DATANODE_ENV, DATANODE_GRPC_PORT } from '../model/datanode-env';
import { selectorLabels, TIER_LABEL } from '../model/labels';
import { podHost, serviceHost } from '../model/names';
import type { ResolvedCluster } from '../model/resolved';
import { operatorAddress } from './operator';
import {
  dataVolumeClaimTemplate,
  fieldEnv, namespacedMeta, podSettingsSpec, podTemplateLabels, podTemplateMeta, preferredHostAntiAffinity, resourceRequirements,
  restrictedContainerSecurityContext, restrictedPodSecurityContext, serviceAccountMeta, TMP_MOUNT, TMP_VOLUME, valueEnv, zoneSpread,
} from './pod';
import { dataNodeGrpcTls } from './grpc-tls';
import { dataNodeRoleRules } from './rbac';
import { masterEndpoints } from './raft-masters';

export const DATA_DIR = '/var/lib/quidditch';
export const DATA_VOLUME = 'data';

export function dataNodeEnv(cluster: ResolvedCluster): k8s.EnvVar[] {
  const d = cluster.dataNodes;
  const controlPlane =
    cluster.mode === 'k8s'
      ? valueEnv(DATANODE_ENV.operatorAddress, operatorAddress(cluster))
      : valueEnv(DATANODE_ENV.masterEndpoints, masterEndpoints(cluster).join(','));
  return [
    // POD_NAME first: later values refer to it as $(POD_NAME), which only expands for earlier variables.
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv(DATANODE_ENV.nodeName, 'metadata.name'),
    fieldEnv(DATANODE_ENV.namespace, 'metadata.namespace'),
    // With ownIndicesOnly (clusters sharing a namespace) the QuidditchNode names its cluster, so the other
    // cluster's operator leaves it alone. Only then: a new variable restarts every data node on upgrade.
    ...(cluster.mode === 'k8s' && cluster.operator.ownIndicesOnly ? [valueEnv(DATANODE_ENV.cluster, cluster.name)] : []),
    valueEnv(DATANODE_ENV.controlPlaneMode, cluster.mode),
    controlPlane,
    valueEnv(DATANODE_ENV.advertiseAddress, `${podHost('$(POD_NAME)', cluster.names.dataNodesHeadless, cluster.namespace)}:${DATANODE_GRPC_PORT}`),
    valueEnv(DATANODE_ENV.grpcPort, DATANODE_GRPC_PORT),
    valueEnv(DATANODE_ENV.tier, d.tier),
    valueEnv(DATANODE_ENV.maxShards, d.maxShards),
    valueEnv(DATANODE_ENV.heartbeatInterval, d.heartbeatIntervalSeconds),
    valueEnv(DATANODE_ENV.dataDir, DATA_DIR),
    ...dataNodeGrpcTls(cluster).env,
    // k8s mode: scale-down removes pods with SIGTERM, so the node first has the operator move its copies away.
    // The pod's Kubernetes node goes into its QuidditchNode: the operator reads that Node's zone label.
    ...(cluster.mode === 'k8s' ? [valueEnv(DATANODE_ENV.drainOnShutdown, 'true'), fieldEnv(DATANODE_ENV.kubernetesNode, 'spec.nodeName')] : []),
  ];
}

export function renderDataNodesHeadlessService(cluster: ResolvedCluster): k8s.KubeServiceProps {
  return {
    metadata: namespacedMeta(cluster, 'data', cluster.names.dataNodesHeadless),
    spec: {
      clusterIp: 'None',
      // Peers and the operator must resolve a node's name before it is Ready (e.g. while it recovers shards).
      publishNotReadyAddresses: true,
      selector: selectorLabels(cluster.name, 'data'),
      ports: [{ name: 'grpc', port: DATANODE_GRPC_PORT, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' }],
    },
  };
}

export function renderDataNodesStatefulSet(cluster: ResolvedCluster): k8s.KubeStatefulSetProps {
  const d = cluster.dataNodes;
  const selector = selectorLabels(cluster.name, 'data');
  const tcpProbe = { tcpSocket: { port: k8s.IntOrString.fromString('grpc') } };
  const tls = dataNodeGrpcTls(cluster);
  return {
    metadata: namespacedMeta(cluster, 'data', cluster.names.dataNodes),
    spec: {
      replicas: d.replicas,
      serviceName: cluster.names.dataNodesHeadless,
      // Nodes are independent peers: start and replace them all at once, not one by one.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      template: {
        metadata: podTemplateMeta(podTemplateLabels(cluster, 'data', { [TIER_LABEL]: d.tier }), d.pod),
        spec: {
          serviceAccountName: cluster.names.dataNodes,
          // In k8s mode a data node creates its QuidditchNode and heartbeats through it; in raft mode it never calls the API.
          automountServiceAccountToken: cluster.mode === 'k8s',
          enableServiceLinks: false,
          securityContext: restrictedPodSecurityContext(),
          ...podSettingsSpec(d.pod, { affinity: preferredHostAntiAffinity(selector), spread: zoneSpread(selector) }),
          volumes: [TMP_VOLUME, ...tls.volumes, ...d.pod.volumes],
          containers: [
            {
              name: 'datanode',
              image: d.image,
              ...(d.command ? { command: [...d.command] } : {}),
              imagePullPolicy: d.imagePullPolicy,
              env: [...dataNodeEnv(cluster), ...d.pod.env],
              ports: [{ name: 'grpc', containerPort: DATANODE_GRPC_PORT, protocol: 'TCP' }],
              readinessProbe: { ...tcpProbe, periodSeconds: 5, failureThreshold: 3 },
              livenessProbe: { ...tcpProbe, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6 },
              resources: resourceRequirements(d.resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [TMP_MOUNT, ...tls.volumeMounts, { name: DATA_VOLUME, mountPath: DATA_DIR }, ...d.pod.volumeMounts],
            },
          ],
        },
      },
      volumeClaimTemplates: [dataVolumeClaimTemplate(cluster, 'data', DATA_VOLUME, d.storage)],
    },
  };
}

/** Props of QuidditchDataNodes. */
export interface QuidditchDataNodesProps {
  /** The resolved cluster (see resolveCluster). */
  readonly cluster: ResolvedCluster;
}

/** The data-node StatefulSet, its headless Service, PDB, ServiceAccount and (k8s mode) registration RBAC. */
export class QuidditchDataNodes extends Construct {
  readonly statefulSet: k8s.KubeStatefulSet;
  readonly headlessService: k8s.KubeService;

  constructor(scope: Construct, id: string, props: QuidditchDataNodesProps) {
    super(scope, id);
    const c = props.cluster;
    const meta = namespacedMeta(c, 'data', c.names.dataNodes);
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: serviceAccountMeta(meta, c.dataNodes.pod), automountServiceAccountToken: c.mode === 'k8s' });
    if (c.mode === 'k8s') {
      new k8s.KubeRole(this, 'Role', { metadata: meta, rules: dataNodeRoleRules() });
      new k8s.KubeRoleBinding(this, 'RoleBinding', {
        metadata: meta,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: c.names.dataNodes },
        subjects: [{ kind: 'ServiceAccount', name: c.names.dataNodes, namespace: c.namespace }],
      });
    }
    this.headlessService = new k8s.KubeService(this, 'HeadlessService', renderDataNodesHeadlessService(c));
    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', renderDataNodesStatefulSet(c));
    new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: meta,
      // One node at a time: each shard copy lives on a different node, so losing one keeps every shard available.
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(c.name, 'data') } },
    });
  }
}

/** host:port of the data-node headless Service (any node), for clients that do not need a specific one. */
export function dataNodesServiceAddress(cluster: ResolvedCluster): string {
  return `${serviceHost(cluster.names.dataNodesHeadless, cluster.namespace)}:${DATANODE_GRPC_PORT}`;
}
