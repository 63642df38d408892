/**
 * Pod-template building blocks shared by the operator, data nodes and masters. Every pod these
 * constructs emit passes the `restricted` Pod Security Standard through these helpers.
 */
import { k8s } from 'cdk8s-plus-28';
import { Component, recommendedLabels } from '../model/labels';
import type { ResolvedPodSettings } from '../model/pod-settings';
import type { ResolvedCluster, ResolvedResources, ResolvedStorage } from '../model/resolved';

/** The distroless `nonroot` user and group: a fixed non-zero id the images are built for. */
export const NON_ROOT_ID = 65532;

export function restrictedPodSecurityContext(): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NON_ROOT_ID,
    runAsGroup: NON_ROOT_ID,
    fsGroup: NON_ROOT_ID,
    // Skip the recursive chown of large data volumes on every start once ownership is right.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The root filesystem is read-only; Node and gRPC still want a writable /tmp. */
export const TMP_VOLUME: k8s.Volume = { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } };
export const TMP_MOUNT: k8s.VolumeMount = { name: 'tmp', mountPath: '/tmp' };

export function resourceRequirements(r: ResolvedResources): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(r.cpuRequest), memory: k8s.Quantity.fromString(r.memoryRequest) },
    limits: {
      ...(r.cpuLimit !== undefined ? { cpu: k8s.Quantity.fromString(r.cpuLimit) } : {}),
      memory: k8s.Quantity.fromString(r.memoryLimit),
    },
  };
}

/** Prefer one replica per node: a node failure then costs one copy, without blocking scheduling on small clusters. */
export function preferredHostAntiAffinity(selector: Record<string, string>): k8s.Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } },
      ],
    },
  };
}

/** Spread replicas across zones where the cluster has them; never block scheduling when it has one. */
export function zoneSpread(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
  ];
}

export function fieldEnv(name: string, fieldPath: string): k8s.EnvVar {
  return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } };
}

export function valueEnv(name: string, value: string | number): k8s.EnvVar {
  return { name, value: String(value) };
}

/** Metadata of one namespaced object: stable name, cluster namespace, recommended labels. */
export function namespacedMeta(cluster: ResolvedCluster, component: Component, name: string): k8s.ObjectMeta {
  return { name, namespace: cluster.namespace, labels: recommendedLabels(cluster.name, component, cluster.version, cluster.labels) };
}

/** Metadata of a cluster-scoped object (ClusterRole, CRD): no namespace. */
export function clusterScopedMeta(cluster: ResolvedCluster, component: Component, name: string): k8s.ObjectMeta {
  return { name, labels: recommendedLabels(cluster.name, component, cluster.version, cluster.labels) };
}

export function podTemplateLabels(cluster: ResolvedCluster, component: Component, extra: Record<string, string> = {}): Record<string, string> {
  return { ...recommendedLabels(cluster.name, component, cluster.version, cluster.labels), ...extra };
}

/** The `data` volume claim template of a StatefulSet: one ReadWriteOnce volume per pod. */
export function dataVolumeClaimTemplate(cluster: ResolvedCluster, component: Component, volumeName: string, storage: ResolvedStorage): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name: volumeName, labels: podTemplateLabels(cluster, component) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(storage.storageClassName !== undefined ? { storageClassName: storage.storageClassName } : {}),
      resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
    },
  };
}

/**
 * Affinity: the constructs' own (preferred one-replica-per-node anti-affinity) plus the user's.
 * The user's node and pod affinity are used as given; anti-affinity terms are added to ours.
 */
export function mergeAffinity(own: k8s.Affinity, user: k8s.Affinity | undefined): k8s.Affinity {
  if (!user) return own;
  const ownAnti = own.podAntiAffinity;
  const userAnti = user.podAntiAffinity;
  return {
    ...user,
    podAntiAffinity: {
      ...userAnti,
      preferredDuringSchedulingIgnoredDuringExecution: [
        ...(ownAnti?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(userAnti?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
      ],
    },
  };
}

/**
 * The pod-spec fields that come from the user's PodSettings: scheduling (merged with the
 * constructs' affinity and spread), priority, pull secrets and grace period. Unset settings add no
 * field, so a cluster without them renders as before.
 */
export function podSettingsSpec(s: ResolvedPodSettings, own: { affinity: k8s.Affinity; spread?: k8s.TopologySpreadConstraint[] }): Partial<k8s.PodSpec> {
  const spread = s.topologySpreadConstraints ?? own.spread;
  return {
    affinity: mergeAffinity(own.affinity, s.affinity),
    ...(spread !== undefined ? { topologySpreadConstraints: [...spread] } : {}),
    ...(Object.keys(s.nodeSelector).length > 0 ? { nodeSelector: { ...s.nodeSelector } } : {}),
    ...(s.tolerations.length > 0 ? { tolerations: [...s.tolerations] } : {}),
    ...(s.priorityClassName !== undefined ? { priorityClassName: s.priorityClassName } : {}),
    ...(s.imagePullSecrets.length > 0 ? { imagePullSecrets: s.imagePullSecrets.map((name) => ({ name })) } : {}),
    ...(s.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: s.terminationGracePeriodSeconds } : {}),
  };
}

/** Pod template metadata: the constructs' labels over the user's pod labels, and the user's annotations. */
export function podTemplateMeta(labels: Record<string, string>, s: ResolvedPodSettings): k8s.ObjectMeta {
  return {
    labels: { ...s.podLabels, ...labels },
    ...(Object.keys(s.podAnnotations).length > 0 ? { annotations: { ...s.podAnnotations } } : {}),
  };
}

/** ServiceAccount metadata with the user's annotations (IRSA, Workload Identity). */
export function serviceAccountMeta(meta: k8s.ObjectMeta, s: ResolvedPodSettings): k8s.ObjectMeta {
  return Object.keys(s.serviceAccountAnnotations).length > 0 ? { ...meta, annotations: { ...s.serviceAccountAnnotations } } : meta;
}
