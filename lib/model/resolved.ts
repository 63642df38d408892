/**
 * The fully resolved, validated description of a cluster: every default applied, every name
 * derived. Renderers (cdk8s constructs, and through them the Pulumi component) read only this.
 */
import type { NodeTier } from '../api/v1/quidditch-node';
import type { ClusterNames } from './names';
import type { MigrationPlan } from './migration';
import type { ResolvedPodSettings } from './pod-settings';
import type { FinalizerAdmissionPolicyVersion, ImagePullPolicy } from './props';
import type { ResolvedSecurity } from './security';

export type ResolvedMode = 'k8s' | 'raft';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface ResolvedResources {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  /** Undefined: no CPU limit. */
  readonly cpuLimit?: string;
  readonly memoryLimit: string;
}

export interface ResolvedStorage {
  readonly size: string;
  /** Undefined: the cluster's default StorageClass. */
  readonly storageClassName?: string;
}

export interface ResolvedLeaderElection {
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
}

export interface ResolvedDataNodes {
  readonly replicas: number;
  readonly image: string;
  readonly imagePullPolicy: ImagePullPolicy;
  readonly storage: ResolvedStorage;
  readonly resources: ResolvedResources;
  readonly tier: NodeTier;
  readonly maxShards: number;
  readonly command?: readonly string[];
  /** Seconds between heartbeats: a quarter of the operator's heartbeat timeout, so three can be missed. */
  readonly heartbeatIntervalSeconds: number;
  readonly pod: ResolvedPodSettings;
}

export interface ResolvedOperator {
  readonly replicas: number;
  readonly image: string;
  readonly imagePullPolicy: ImagePullPolicy;
  readonly resources: ResolvedResources;
  readonly leaderElection: ResolvedLeaderElection;
  readonly heartbeatTimeoutSeconds: number;
  readonly logLevel: LogLevel;
  readonly shardAllocationMirror: boolean;
  /** Pass `--cluster-name`: reconcile only indices labelled for this cluster. */
  readonly ownIndicesOnly: boolean;
  /** Emit the MutatingAdmissionPolicy that adds the index finalizer at creation, in this API version. */
  readonly finalizerAdmissionPolicy?: FinalizerAdmissionPolicyVersion;
  readonly pod: ResolvedPodSettings;
}

export interface ResolvedRaft {
  readonly replicas: number;
  readonly image: string;
  readonly imagePullPolicy: ImagePullPolicy;
  readonly storage: ResolvedStorage;
  readonly resources: ResolvedResources;
  readonly pod: ResolvedPodSettings;
}

export interface ResolvedMonitoring {
  readonly podMonitor: boolean;
  readonly prometheusRule: boolean;
  readonly dashboard: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly runbookBaseUrl: string;
}

export interface ResolvedCluster {
  /** Base of every object name and the `app.kubernetes.io/instance` label. */
  readonly name: string;
  readonly namespace: string;
  readonly mode: ResolvedMode;
  /** Whether the CRDs are emitted. */
  readonly crds: boolean;
  /** Package version: the `app.kubernetes.io/version` label and the default image tags. */
  readonly version: string;
  readonly names: ClusterNames;
  /** The user's extra labels (recommended labels are added per object). */
  readonly labels: Readonly<Record<string, string>>;
  readonly dataNodes: ResolvedDataNodes;
  /** Rendered in k8s mode only; resolved (and validated) in both so a typo never hides. */
  readonly operator: ResolvedOperator;
  /** Rendered in raft mode only; resolved (and validated) in both. */
  readonly raft: ResolvedRaft;
  /** What the migration step in progress renders; undefined when none is. */
  readonly migration?: MigrationPlan;
  /** Undefined: no monitoring objects (the default). */
  readonly monitoring?: ResolvedMonitoring;
  readonly security: ResolvedSecurity;
}
