/**
 * QuidditchRaftMasters: the seed's master-based control plane (raft mode) — an odd number of
 * masters in a StatefulSet with persistent Raft logs, a headless Service for peer DNS, and a PDB
 * that never lets voluntary disruptions break quorum.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { selectorLabels } from '../model/labels';
import { MASTER_ENV, MASTER_PORTS } from '../model/master-env';
import { podHost } from '../model/names';
import type { ResolvedCluster } from '../model/resolved';
import {
  dataVolumeClaimTemplate,
  fieldEnv, namespacedMeta, podSettingsSpec, podTemplateLabels, podTemplateMeta, preferredHostAntiAffinity, resourceRequirements,
  restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME, valueEnv, zoneSpread,
} from './pod';

const DATA_DIR = '/var/lib/quidditch';
const DATA_VOLUME = 'data';

/** Members needed for a Raft majority. */
export function raftQuorum(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

function masterHosts(cluster: ResolvedCluster): string[] {
  return Array.from({ length: cluster.raft.replicas }, (_, i) =>
    podHost(`${cluster.names.masters}-${i}`, cluster.names.mastersHeadless, cluster.namespace),
  );
}

/** host:port of every master's HTTP API, as data nodes dial them. */
export function masterEndpoints(cluster: ResolvedCluster): string[] {
  return masterHosts(cluster).map((h) => `${h}:${MASTER_PORTS.http}`);
}

/** `<pod>=<host>:<raft port>` of every master: the initial membership each master bootstraps from. */
export function raftPeers(cluster: ResolvedCluster): string[] {
  return masterHosts(cluster).map((h, i) => `${cluster.names.masters}-${i}=${h}:${MASTER_PORTS.raft}`);
}

export function renderMastersHeadlessService(cluster: ResolvedCluster): k8s.KubeServiceProps {
  return {
    metadata: namespacedMeta(cluster, 'master', cluster.names.mastersHeadless),
    spec: {
      clusterIp: 'None',
      // Masters must resolve each other before any is Ready: no leader, hence no readiness, exists until they do.
      publishNotReadyAddresses: true,
      selector: selectorLabels(cluster.name, 'master'),
      ports: [
        { name: 'raft', port: MASTER_PORTS.raft, targetPort: k8s.IntOrString.fromString('raft'), protocol: 'TCP' },
        { name: 'http', port: MASTER_PORTS.http, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
      ],
    },
  };
}

export function renderMastersStatefulSet(cluster: ResolvedCluster): k8s.KubeStatefulSetProps {
  const r = cluster.raft;
  const selector = selectorLabels(cluster.name, 'master');
  return {
    metadata: namespacedMeta(cluster, 'master', cluster.names.masters),
    spec: {
      replicas: r.replicas,
      serviceName: cluster.names.mastersHeadless,
      // All members must be up to elect a leader; ordered start would wait forever for master-0's readiness.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      template: {
        metadata: podTemplateMeta(podTemplateLabels(cluster, 'master'), r.pod),
        spec: {
          // Masters keep state in their own Raft log and never call the Kubernetes API.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurityContext(),
          ...podSettingsSpec(r.pod, { affinity: preferredHostAntiAffinity(selector), spread: zoneSpread(selector) }),
          volumes: [TMP_VOLUME, ...r.pod.volumes],
          containers: [
            {
              name: 'master',
              image: r.image,
              imagePullPolicy: r.imagePullPolicy,
              env: [
                fieldEnv('POD_NAME', 'metadata.name'),
                fieldEnv(MASTER_ENV.nodeName, 'metadata.name'),
                fieldEnv(MASTER_ENV.namespace, 'metadata.namespace'),
                valueEnv(MASTER_ENV.raftPeers, raftPeers(cluster).join(',')),
                valueEnv(MASTER_ENV.raftAdvertiseAddress, `${podHost('$(POD_NAME)', cluster.names.mastersHeadless, cluster.namespace)}:${MASTER_PORTS.raft}`),
                valueEnv(MASTER_ENV.raftPort, MASTER_PORTS.raft),
                valueEnv(MASTER_ENV.httpPort, MASTER_PORTS.http),
                valueEnv(MASTER_ENV.dataDir, DATA_DIR),
                ...r.pod.env,
              ],
              ports: [
                { name: 'raft', containerPort: MASTER_PORTS.raft, protocol: 'TCP' },
                { name: 'http', containerPort: MASTER_PORTS.http, protocol: 'TCP' },
              ],
              livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http') }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6 },
              readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('http') }, periodSeconds: 5, failureThreshold: 3 },
              resources: resourceRequirements(r.resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [TMP_MOUNT, { name: DATA_VOLUME, mountPath: DATA_DIR }, ...r.pod.volumeMounts],
            },
          ],
        },
      },
      volumeClaimTemplates: [dataVolumeClaimTemplate(cluster, 'master', DATA_VOLUME, r.storage)],
    },
  };
}

/** Props of QuidditchRaftMasters. */
export interface QuidditchRaftMastersProps {
  /** The resolved cluster (see resolveCluster). */
  readonly cluster: ResolvedCluster;
}

/** The Raft masters (raft mode): an odd-sized StatefulSet with persistent logs, its headless Service and a quorum-keeping PDB. */
export class QuidditchRaftMasters extends Construct {
  readonly statefulSet: k8s.KubeStatefulSet;
  readonly headlessService: k8s.KubeService;

  constructor(scope: Construct, id: string, props: QuidditchRaftMastersProps) {
    super(scope, id);
    const c = props.cluster;
    this.headlessService = new k8s.KubeService(this, 'HeadlessService', renderMastersHeadlessService(c));
    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', renderMastersStatefulSet(c));
    // A single master has no quorum to protect; its PDB would only block every node drain.
    if (c.raft.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: namespacedMeta(c, 'master', c.names.masters),
        spec: { minAvailable: k8s.IntOrString.fromNumber(raftQuorum(c.raft.replicas)), selector: { matchLabels: selectorLabels(c.name, 'master') } },
      });
    }
  }
}
