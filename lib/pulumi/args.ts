/**
 * Args of the Pulumi QuidditchCluster: the cdk8s props (lib/model/props.ts), written out as plain
 * interfaces (no `Omit<>` or mapped types, so API.md shows every field and the API stays
 * jsii-friendly) where every prop that only fills a field of an object accepts a Pulumi `Input`.
 *
 * Plain-only, because they decide which objects exist, what they are called or how the
 * component checks its neighbours — all needed when the program runs, before any Input resolves,
 * and what keeps previews exact: `mode`, `name`, `crds`, `migration`, `operator.replicas` (a
 * PodDisruptionBudget exists above 1), `operator.ownIndicesOnly` and `shardAllocationMirror`
 * (feature switches), `raft.replicas` (the peer list and the PDB), the monitoring and security
 * switches, and the Pulumi-only `skipAwait`, `deletionPropagation`, `deleteCrdsOnDestroy`.
 * PLAIN_ONLY_PROPS in input-props.ts lists them; a test keeps the two in step.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { k8s } from 'cdk8s-plus-28';
import type { MigrationStep } from '../model/migration';
import type { ControlPlaneMode, FinalizerAdmissionPolicyVersion, ImagePullPolicy } from '../model/props';
import type { CertManagerProps } from '../model/security-props';
import type { DeletionPropagation } from './objects';

/** A map of strings (labels, annotations) whose values may each be an Input, or the whole map. */
export type InputMap = pulumi.Input<Readonly<Record<string, pulumi.Input<string>>>>;

/** ResourceProps with Input fields. */
export interface ResourceArgs {
  /** @default depends on the component (see ResourceProps) */
  readonly cpuRequest?: pulumi.Input<string>;
  /** @default depends on the component */
  readonly memoryRequest?: pulumi.Input<string>;
  /** @default no CPU limit */
  readonly cpuLimit?: pulumi.Input<string>;
  /** @default equal to the memory request */
  readonly memoryLimit?: pulumi.Input<string>;
}

/** StorageProps with Input fields. */
export interface StorageArgs {
  /** Size of each data volume. @default "100Gi" for data nodes, "50Gi" for Raft masters */
  readonly size?: pulumi.Input<string>;
  /** StorageClass of the volume claims. @default the cluster's default StorageClass */
  readonly storageClassName?: pulumi.Input<string>;
}

/** PodSettings (lib/model/props.ts) with every field an Input: each only fills a pod field. */
export interface PodSettingsArgs {
  /** Node labels the pods must run on. @default none */
  readonly nodeSelector?: InputMap;
  /** Taints the pods tolerate. @default none */
  readonly tolerations?: pulumi.Input<readonly pulumi.Input<k8s.Toleration>[]>;
  /** Affinity, merged with the constructs' anti-affinity (see PodSettings). @default the constructs' only */
  readonly affinity?: pulumi.Input<k8s.Affinity>;
  /** Replaces the constructs' topology spread. @default the constructs' zone spread */
  readonly topologySpreadConstraints?: pulumi.Input<readonly pulumi.Input<k8s.TopologySpreadConstraint>[]>;
  /** PriorityClass of the pods. @default none */
  readonly priorityClassName?: pulumi.Input<string>;
  /** Names of Secrets to pull the image with, e.g. `secret.metadata.name`. @default none */
  readonly imagePullSecrets?: pulumi.Input<readonly pulumi.Input<string>[]>;
  /** Extra pod annotations. @default none */
  readonly podAnnotations?: InputMap;
  /** Extra pod labels. @default none */
  readonly podLabels?: InputMap;
  /** Extra environment variables of the main container. @default none */
  readonly env?: pulumi.Input<readonly pulumi.Input<k8s.EnvVar>[]>;
  /** Extra volumes (restricted-PSS kinds only). @default none */
  readonly volumes?: pulumi.Input<readonly pulumi.Input<k8s.Volume>[]>;
  /** Extra volume mounts of the main container. @default none */
  readonly volumeMounts?: pulumi.Input<readonly pulumi.Input<k8s.VolumeMount>[]>;
  /** Seconds between SIGTERM and SIGKILL. @default 30 */
  readonly terminationGracePeriodSeconds?: pulumi.Input<number>;
}

/** ServiceAccountSettings with an Input map (e.g. an IAM role's ARN for IRSA). */
export interface ServiceAccountSettingsArgs {
  /** ServiceAccount annotations, e.g. `{ 'eks.amazonaws.com/role-arn': role.arn }`. @default none */
  readonly serviceAccountAnnotations?: InputMap;
}

/** DataNodeProps with Inputs: every field only fills the StatefulSet, its pods or its ServiceAccount. */
export interface DataNodeArgs extends PodSettingsArgs, ServiceAccountSettingsArgs {
  /** Number of data nodes (only the StatefulSet's `replicas`). @default 3 */
  readonly replicas?: pulumi.Input<number>;
  /** Data-node image with a tag or digest, e.g. the output of an image build. @default the package version's */
  readonly image?: pulumi.Input<string>;
  /** @default "IfNotPresent" */
  readonly imagePullPolicy?: pulumi.Input<ImagePullPolicy>;
  /** @default { size: "100Gi" } */
  readonly storage?: pulumi.Input<StorageArgs>;
  /** @default { cpuRequest: "2", memoryRequest: "8Gi" } */
  readonly resources?: pulumi.Input<ResourceArgs>;
  /** @default "hot" */
  readonly tier?: pulumi.Input<'hot' | 'warm' | 'cold'>;
  /** @default 1000 */
  readonly maxShards?: pulumi.Input<number>;
  /** Container command. @default the image's entrypoint */
  readonly command?: pulumi.Input<readonly pulumi.Input<string>[]>;
}

/** LeaderElectionProps with Input fields. */
export interface LeaderElectionArgs {
  /** @default 15 */
  readonly leaseDurationSeconds?: pulumi.Input<number>;
  /** @default 10 */
  readonly renewDeadlineSeconds?: pulumi.Input<number>;
  /** @default 2 */
  readonly retryPeriodSeconds?: pulumi.Input<number>;
}

/** OperatorProps with Inputs; `replicas`, `ownIndicesOnly`, `shardAllocationMirror` and `finalizerAdmissionPolicy` stay plain. */
export interface OperatorArgs extends PodSettingsArgs, ServiceAccountSettingsArgs {
  /** Operator replicas; plain, because a PodDisruptionBudget exists only above 1. @default 2 */
  readonly replicas?: number;
  /** Operator image with a tag or digest. @default the package version's */
  readonly image?: pulumi.Input<string>;
  /** @default "IfNotPresent" */
  readonly imagePullPolicy?: pulumi.Input<ImagePullPolicy>;
  /** @default { cpuRequest: "1", memoryRequest: "1Gi" } */
  readonly resources?: pulumi.Input<ResourceArgs>;
  /** @default 15 / 10 / 2 seconds */
  readonly leaderElection?: pulumi.Input<LeaderElectionArgs>;
  /** @default 60 */
  readonly heartbeatTimeoutSeconds?: pulumi.Input<number>;
  /** @default "info" */
  readonly logLevel?: pulumi.Input<'trace' | 'debug' | 'info' | 'warn' | 'error'>;
  /** A feature switch (plain). @default false */
  readonly shardAllocationMirror?: boolean;
  /** Plain: the component compares it with its neighbours' when the program runs. @default false */
  readonly ownIndicesOnly?: boolean;
  /** Plain: it decides whether the MutatingAdmissionPolicy exists, and in which API version. @default unset: none */
  readonly finalizerAdmissionPolicy?: FinalizerAdmissionPolicyVersion;
}

/** RaftProps with Inputs; `replicas` stays plain (it decides the peer list and the PDB). */
export interface RaftArgs extends PodSettingsArgs {
  /** Master replicas, odd. @default 3 */
  readonly replicas?: number;
  /** Master image with a tag or digest. @default the package version's */
  readonly image?: pulumi.Input<string>;
  /** @default "IfNotPresent" */
  readonly imagePullPolicy?: pulumi.Input<ImagePullPolicy>;
  /** @default { size: "50Gi" } */
  readonly storage?: pulumi.Input<StorageArgs>;
  /** @default { cpuRequest: "2", memoryRequest: "4Gi" } */
  readonly resources?: pulumi.Input<ResourceArgs>;
}

/** MonitoringProps: the switches plain, labels and runbook URL Inputs. */
export interface MonitoringArgs {
  /** @default false */
  readonly enabled?: boolean;
  /** @default true */
  readonly podMonitor?: boolean;
  /** @default true */
  readonly prometheusRule?: boolean;
  /** @default true */
  readonly dashboard?: boolean;
  /** Extra labels on the monitoring objects. @default none */
  readonly labels?: InputMap;
  /** Base URL of the alert runbooks. @default the README on GitHub */
  readonly runbookBaseUrl?: pulumi.Input<string>;
}

/** PeerProps with Input label maps. */
export interface PeerArgs {
  /** @default see PeerProps */
  readonly namespaceLabels?: InputMap;
  /** @default see PeerProps */
  readonly podLabels?: InputMap;
}

/** ApiServerProps with Input lists. */
export interface ApiServerArgs {
  /** @default ["0.0.0.0/0", "::/0"] */
  readonly cidrs?: pulumi.Input<readonly pulumi.Input<string>[]>;
  /** @default [443, 6443] */
  readonly ports?: pulumi.Input<readonly pulumi.Input<number>[]>;
}

/** NetworkPolicyProps: the switches plain, peers and API server Inputs. */
export interface NetworkPolicyArgs {
  /** @default true */
  readonly enabled?: boolean;
  /** @default see NetworkPolicyProps */
  readonly routingClients?: pulumi.Input<PeerArgs>;
  /** @default see NetworkPolicyProps */
  readonly metricsScrapers?: pulumi.Input<PeerArgs>;
  /** @default false */
  readonly restrictEgress?: boolean;
  /** @default see NetworkPolicyProps */
  readonly apiServer?: pulumi.Input<ApiServerArgs>;
}

/** SecurityProps with NetworkPolicyArgs. */
export interface SecurityArgs {
  /** @default true */
  readonly nodeAdmissionPolicy?: boolean;
  /** @default see NetworkPolicyProps */
  readonly networkPolicies?: NetworkPolicyArgs;
  /** DEVELOPMENT ONLY (plain: it decides whether the TLS Secrets and mounts exist). @default false */
  readonly insecurePlaintextGrpc?: boolean;
  /** cert-manager instead of the operator's own CA (plain: it decides which objects exist). @default unset */
  readonly certManager?: CertManagerProps;
  /** Lifetime of each gRPC certificate. @default 7776000 (90 days) */
  readonly certificateValiditySeconds?: pulumi.Input<number>;
}

/** Args of the Pulumi QuidditchCluster (see the file comment for what stays plain and why). */
export interface QuidditchClusterArgs {
  /** @default "k8s" */
  readonly mode?: ControlPlaneMode;
  /**
   * Namespace of every namespaced object; may be an Input (e.g. the name of a Namespace created in
   * the same stack). With an Input, the same-namespace checks between clusters cannot run, and
   * logical names use `ns-of-<component>` where the namespace would be.
   * @default "default"
   */
  readonly namespace?: pulumi.Input<string>;
  /** Base of every object name (plain: it names the objects). @default the component name */
  readonly name?: string;
  /** Emit the CRDs (plain; see QuidditchClusterProps.crds). @default true */
  readonly crds?: boolean;
  /** The data nodes. @default see each DataNodeProps default */
  readonly dataNodes?: DataNodeArgs;
  /** The operator (k8s mode only). @default see each OperatorProps default */
  readonly operator?: OperatorArgs;
  /** The Raft masters (raft mode only). @default see each RaftProps default */
  readonly raft?: RaftArgs;
  /** A step of the k8s → raft migration (plain: it decides the objects). @default none */
  readonly migration?: MigrationStep;
  /** Extra labels on every object. @default none */
  readonly labels?: InputMap;
  /** Monitoring objects. @default none rendered */
  readonly monitoring?: MonitoringArgs;
  /** Admission policy and NetworkPolicies. @default both on */
  readonly security?: SecurityArgs;
  /**
   * Adds `pulumi.com/skipAwait: "true"` to the workloads and Services, so the provider does not
   * wait for ready pods. Use it only where no kubelet will ever run them (an API server without
   * nodes, as in this package's tests); on a real cluster waiting is what catches a bad rollout.
   * @default false
   */
  readonly skipAwait?: boolean;
  /**
   * Delete propagation the provider uses for every object (`pulumi.com/deletionPropagationPolicy`).
   * `background` is needed where no garbage collector runs (no kube-controller-manager): a
   * foreground delete waits for the collector to remove its finalizer.
   * @default the provider's default, foreground
   */
  readonly deletionPropagation?: DeletionPropagation;
  /**
   * Whether `pulumi destroy` (or dropping the CRDs from the program) deletes the CRDs. By default
   * they are registered with `retainOnDelete`: Pulumi forgets them but leaves them in the cluster,
   * because deleting a CRD deletes every QuidditchIndex of every namespace with it (the whole k8s-mode
   * state), and the CRDs are shared by every Quidditch cluster in the Kubernetes cluster. The stack's
   * QuidditchIndex resources follow this setting too. `true` deletes them for good: destroy removes
   * the stack's indices first (while the operator still runs to release their finalizers and delete
   * their shards), then the operator and data nodes, then the CRDs — which also deletes any index
   * created outside the stack; with no operator left, those keep their finalizer and hold the CRD in
   * Terminating until removed (`kubectl delete qidx --all -A` before the destroy avoids that).
   * @default false
   */
  readonly deleteCrdsOnDestroy?: boolean;
}
