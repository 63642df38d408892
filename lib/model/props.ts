/**
 * Public props of QuidditchCluster, shared by the cdk8s constructs and the Pulumi component.
 * Every optional prop documents its default; defaults are applied only in resolve.ts.
 */

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

export interface StorageProps {
  /** Size of each data volume. @default "100Gi" for data nodes, "50Gi" for Raft masters */
  readonly size?: string;
  /** StorageClass of the volume claims. @default the cluster's default StorageClass */
  readonly storageClassName?: string;
}

export interface LeaderElectionProps {
  /** How long a lease is valid without renewal, in seconds. @default 15 */
  readonly leaseDurationSeconds?: number;
  /** How long the leader keeps trying to renew before it gives up leadership, in seconds. @default 10 */
  readonly renewDeadlineSeconds?: number;
  /** How often candidates retry acquiring or renewing, in seconds. @default 2 */
  readonly retryPeriodSeconds?: number;
}

export interface DataNodeProps {
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
}

export interface OperatorProps {
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
   * `--cluster-name`), so two clusters can share a namespace. The cdk8s constructs turn it on for
   * every cluster of an app that shares its namespace with another; the Pulumi component asks for it.
   * @default false: every index in the namespace (one cluster per namespace)
   */
  readonly ownIndicesOnly?: boolean;
}

export interface RaftProps {
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

export interface QuidditchClusterProps {
  /** @default "k8s" */
  readonly mode?: ControlPlaneMode;
  /** Namespace every namespaced object goes into. @default the enclosing cdk8s Chart's namespace, else "default" */
  readonly namespace?: string;
  /** Base of every object name. @default the construct id */
  readonly name?: string;
  /** Emit the CRDs. @default true in k8s mode, false in raft mode */
  readonly crds?: boolean;
  readonly dataNodes?: DataNodeProps;
  /** Used in k8s mode only. */
  readonly operator?: OperatorProps;
  /** Used in raft mode only. */
  readonly raft?: RaftProps;
  /** Extra labels on every object. @default none */
  readonly labels?: Readonly<Record<string, string>>;
}
