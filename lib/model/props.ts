/**
 * Public props of QuidditchCluster, shared by the cdk8s constructs and the Pulumi component.
 * Every optional prop documents its default; defaults are applied only in resolve.ts.
 */
import type { MigrationStep } from './migration';

import type { k8s } from 'cdk8s-plus-28';
import type { SecurityProps } from './security-props';

export type { ApiServerProps, CertManagerProps, IssuerRefProps, NetworkPolicyProps, PeerProps, SecurityProps } from './security-props';

/**
 * Scheduling and pod-level settings a platform sets on every workload: where pods run, what they
 * tolerate, how they are labelled and which extra env and volumes they get. Validated at synth;
 * everything the constructs set for the restricted Pod Security Standard stays in force.
 */
export interface PodSettings {
  /** Node labels the pods must run on. @default none */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Taints the pods tolerate. @default none */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Affinity of the pods. Merged with the constructs' own: their preferred anti-affinity (one
   * replica per node) is kept and yours added; your node and pod affinity are used as given.
   * @default the constructs' preferred one-replica-per-node anti-affinity only
   */
  readonly affinity?: k8s.Affinity;
  /** Replaces the constructs' topology spread (data nodes and masters: zones, ScheduleAnyway). @default the constructs' zone spread */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /** PriorityClass of the pods. @default none (the cluster's default priority) */
  readonly priorityClassName?: string;
  /** Names of Secrets (in the cluster's namespace) to pull the image with. @default none */
  readonly imagePullSecrets?: string[];
  /** Extra pod annotations. @default none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** Extra pod labels (on the pods only; the recommended labels cannot be overridden). @default none */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Extra environment variables of the main container (their names must differ from the constructs'). @default none */
  readonly env?: k8s.EnvVar[];
  /** Extra volumes; only the kinds the restricted Pod Security Standard allows. @default none */
  readonly volumes?: k8s.Volume[];
  /** Extra volume mounts of the main container, each naming one of `volumes`. @default none */
  readonly volumeMounts?: k8s.VolumeMount[];
  /** Seconds a pod gets between SIGTERM and SIGKILL. @default 30 (Kubernetes' default) */
  readonly terminationGracePeriodSeconds?: number;
}

/** Settings of a component that runs under its own ServiceAccount (operator, data nodes). */
export interface ServiceAccountSettings {
  /** ServiceAccount annotations, e.g. `eks.amazonaws.com/role-arn` (IRSA) or `iam.gke.io/gcp-service-account` (Workload Identity). @default none */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
}

/** Control-plane mode. `auto` is the seed's Helm value: these constructs always deploy into Kubernetes, so it resolves to `k8s`. */
export type ControlPlaneMode = 'k8s' | 'raft' | 'auto';

/** Compute resources of one container. Quantities use Kubernetes syntax ("500m", "1Gi"). */
export interface ResourceProps {
  /** @default depends on the component (see each) */
  readonly cpuRequest?: string;
  /** @default depends on the component */
  readonly memoryRequest?: string;
  /** @default no CPU limit (throttling a search node hurts latency more than sharing) */
  readonly cpuLimit?: string;
  /** @default equal to the memory request */
  readonly memoryLimit?: string;
}

/** The persistent volume each pod of a StatefulSet gets. */
export interface StorageProps {
  /** Size of each data volume. @default "100Gi" for data nodes, "50Gi" for Raft masters */
  readonly size?: string;
  /** StorageClass of the volume claims. @default the cluster's default StorageClass */
  readonly storageClassName?: string;
}

/** Timing of the operator's Lease-based leader election (client-go's rules apply). */
export interface LeaderElectionProps {
  /** How long a lease is valid without renewal, in seconds. @default 15 */
  readonly leaseDurationSeconds?: number;
  /** How long the leader keeps trying to renew before it gives up leadership, in seconds. @default 10 */
  readonly renewDeadlineSeconds?: number;
  /** How often candidates retry acquiring or renewing, in seconds. @default 2 */
  readonly retryPeriodSeconds?: number;
}

/** The data nodes: the StatefulSet holding shards. */
export interface DataNodeProps extends PodSettings, ServiceAccountSettings {
  /** Number of data nodes. @default 3 */
  readonly replicas?: number;
  /** Data-node image, with a tag or digest. @default "ghcr.io/quidditch/quidditch-datanode:<package version>" */
  readonly image?: string;
  /** @default "IfNotPresent" */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** @default { size: "100Gi" } */
  readonly storage?: StorageProps;
  /** @default { cpuRequest: "2", memoryRequest: "8Gi" } */
  readonly resources?: ResourceProps;
  /** Storage tier label and the tier the nodes register with. @default "hot" */
  readonly tier?: 'hot' | 'warm' | 'cold';
  /** Most shard copies per node. @default 1000 */
  readonly maxShards?: number;
  /**
   * Container command, for images whose entrypoint is not the data node. For example, the reference
   * data node in the operator image: `image: 'ghcr.io/quidditch/quidditch-operator:<version>'`,
   * `command: ['/nodejs/bin/node', '/app/datanode-sim.js']`.
   * @default the image's entrypoint
   */
  readonly command?: readonly string[];
  /**
   * Seconds a data-node pod gets between SIGTERM and SIGKILL. On SIGTERM a data node asks the operator
   * to move its copies away and exits once none is left (scale-down, node drain), so this bounds the
   * time a drain may take: relocations of the node's copies at the operator's throttle (2 at a time per
   * node by default) must fit in it. A drain cut short leaves copies only where replicas exist.
   * @default 3600
   */
  readonly terminationGracePeriodSeconds?: number;
}

/** The API versions of MutatingAdmissionPolicy: v1 from Kubernetes 1.36, v1beta1 in 1.34 and 1.35 (behind a feature gate). */
export const FINALIZER_ADMISSION_POLICY_VERSIONS = ['v1', 'v1beta1'] as const;
export type FinalizerAdmissionPolicyVersion = (typeof FINALIZER_ADMISSION_POLICY_VERSIONS)[number];

/** The operator (k8s mode). */
export interface OperatorProps extends PodSettings, ServiceAccountSettings {
  /** Operator replicas; one leads, the rest stand by. @default 2 */
  readonly replicas?: number;
  /** Operator image, with a tag or digest. @default "ghcr.io/quidditch/quidditch-operator:<package version>" */
  readonly image?: string;
  /** @default "IfNotPresent" */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** @default { cpuRequest: "1", memoryRequest: "1Gi" } (the seed's sizing) */
  readonly resources?: ResourceProps;
  /** @default 15 / 10 / 2 seconds */
  readonly leaderElection?: LeaderElectionProps;
  /** Seconds without a heartbeat before a data node is UNHEALTHY. @default 60 */
  readonly heartbeatTimeoutSeconds?: number;
  /** Log level. @default "info" */
  readonly logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** Keep one ShardAllocation object per shard copy (`kubectl get qshard`); costs API writes per copy. @default false */
  readonly shardAllocationMirror?: boolean;
  /**
   * Reconcile only the indices labelled `quidditch.io/cluster: <cluster name>` (the operator's
   * `--cluster-name`), and place them only on this cluster's data nodes (which then label their
   * QuidditchNodes with the cluster), so two clusters can share a namespace. The cdk8s constructs turn
   * it on for every cluster of an app that shares its namespace with another; the Pulumi component
   * asks for it. Clusters deployed separately into one namespace need it set on each: an operator
   * without it refuses the indices another cluster's operator there would reconcile too.
   * @default false: every index in the namespace (one cluster per namespace)
   */
  readonly ownIndicesOnly?: boolean;
  /**
   * Put the index finalizer (`quidditch.io/index-protection`) on each QuidditchIndex this operator
   * reconciles as the API server admits its creation: the constructs emit a MutatingAdmissionPolicy
   * and its binding, and the operator skips the PATCH it would otherwise spend on every new index
   * (one of its three API writes per index). The value is the policy's API version: "v1" on
   * Kubernetes 1.36 and later; "v1beta1" on 1.34 and 1.35, whose API server needs
   * `--feature-gates=MutatingAdmissionPolicy=true --runtime-config=admissionregistration.k8s.io/v1beta1=true`.
   * An index the policy did not mark (created before it, or by an API server that does not apply
   * it) gets the finalizer from the operator, as without the policy.
   * @default unset: no policy; the operator adds the finalizer
   */
  readonly finalizerAdmissionPolicy?: FinalizerAdmissionPolicyVersion;
}

/** Raft masters never call the Kubernetes API, so they have no ServiceAccount settings. */
export interface RaftProps extends PodSettings {
  /** Master replicas; must be odd for a quorum. @default 3 */
  readonly replicas?: number;
  /** Master image, with a tag or digest. @default "ghcr.io/quidditch/quidditch-master:<package version>" */
  readonly image?: string;
  /** @default "IfNotPresent" */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** @default { size: "50Gi" } */
  readonly storage?: StorageProps;
  /** @default { cpuRequest: "2", memoryRequest: "4Gi" } (the seed's sizing) */
  readonly resources?: ResourceProps;
}

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/**
 * Prometheus-operator and Grafana objects for the operator (k8s mode): a PodMonitor scraping every
 * replica's /metrics, a PrometheusRule with the alerts README's Monitoring section documents, and
 * a dashboard ConfigMap the Grafana chart's sidecar loads. They need the monitoring.coreos.com CRDs
 * in the cluster, so they are off unless asked for.
 */
export interface MonitoringProps {
  /** Render the monitoring objects. @default false */
  readonly enabled?: boolean;
  /** Render the PodMonitor (when enabled). @default true */
  readonly podMonitor?: boolean;
  /** Render the PrometheusRule with the alerts (when enabled). @default true */
  readonly prometheusRule?: boolean;
  /** Render the Grafana dashboard ConfigMap (when enabled). @default true */
  readonly dashboard?: boolean;
  /**
   * Extra labels on the monitoring objects, e.g. `release: kube-prometheus-stack` so a Prometheus
   * whose podMonitorSelector and ruleSelector match on it picks them up. @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Where each alert's runbook_url points: this URL plus `#runbook-<alert>` (lowercase). @default the README on GitHub */
  readonly runbookBaseUrl?: string;
}

/** Props of QuidditchCluster, shared by the cdk8s construct and the Pulumi component. */
export interface QuidditchClusterProps {
  /** @default "k8s" */
  readonly mode?: ControlPlaneMode;
  /** Namespace every namespaced object goes into. @default the enclosing cdk8s Chart's namespace, else "default" */
  readonly namespace?: string;
  /** Base of every object name. @default the construct id */
  readonly name?: string;
  /**
   * Emit the CRDs (annotated so Helm, Argo CD and Flux never delete them). Raft mode emits them
   * too: they hold the k8s-mode state a migration copies and a rollback returns to, and leaving
   * them out of the output makes `kubectl apply --prune` (or a GitOps sync) delete them, and every
   * index with them. Set `false` only when another release owns the CRDs; a `migration` needs them.
   * @default true
   */
  readonly crds?: boolean;
  /** The data nodes. @default see each DataNodeProps default */
  readonly dataNodes?: DataNodeProps;
  /** The operator; used in k8s mode only. @default see each OperatorProps default */
  readonly operator?: OperatorProps;
  /** The Raft masters; used in raft mode only. @default see each RaftProps default */
  readonly raft?: RaftProps;
  /**
   * A step of the k8s → raft migration (lib/model/migration.ts, README "Changing modes"): apply the
   * steps in order — `add-masters`, `read-only`, `export`, `switch-data-nodes` (all with mode `k8s`),
   * then `complete` with mode `raft` — and the previous step's props to roll one back.
   * @default none (no migration in progress)
   */
  readonly migration?: MigrationStep;
  /** Extra labels on every object. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** PodMonitor, PrometheusRule and Grafana dashboard for the operator (k8s mode). @default none rendered */
  readonly monitoring?: MonitoringProps;
  /** Admission policy, NetworkPolicies and gRPC TLS (see security-props.ts). @default all on, the operator managing the CA */
  readonly security?: SecurityProps;
}
