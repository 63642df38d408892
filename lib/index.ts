/**
 * Public API of @quidditch/k8s: the cdk8s constructs, the model (props, resolved cluster,
 * validation), and the v1 API types.
 *
 * The API types are exported both directly and as the `api` namespace. Where a name clashes, the
 * construct wins at the top level: `QuidditchIndex` is the construct, `api.QuidditchIndex` the
 * resource type the operator reads.
 */
export * as api from './api/v1';
export * from './api/v1';

export * from './model/props';
export * from './model/resolved';
export { resolveCluster, DEFAULTS, MODES, MAX_SHARDS_RANGE } from './model/resolve';
export { clusterNames, MAX_CLUSTER_NAME_LENGTH } from './model/names';
export type { ClusterNames } from './model/names';
export { recommendedLabels, selectorLabels, LABEL_KEYS, TIER_LABEL } from './model/labels';
export { ValidationError } from './model/validation';
export { SECURITY_DEFAULTS, ROUTING_CLIENT_LABEL } from './model/security';
export type { ResolvedGrpcTls, ResolvedNetworkPolicies, ResolvedPeer, ResolvedSecurity } from './model/security';
export type { Problem } from './model/validation';
export { DATANODE_ENV, DATANODE_GRPC_PORT } from './model/datanode-env';
export { MASTER_ENV, MASTER_PORTS } from './model/master-env';
export { DEFAULT_IMAGES, PACKAGE_VERSION } from './model/version';
export { OPERATOR_FLAGS } from './model/operator-flags';

export * from './cdk8s/cluster';
export * from './cdk8s/crds';
export * from './cdk8s/data-nodes';
export * from './cdk8s/manifests';
export * from './cdk8s/operator';
export * from './cdk8s/raft-masters';
export * from './cdk8s/network-policies';
export * from './cdk8s/node-admission-policy';
export * from './cdk8s/index-finalizer-policy';
export * from './cdk8s/grpc-tls';
export { QuidditchIndex, validateIndexProps } from './cdk8s/quidditch-index';
export type { QuidditchIndexOptions, QuidditchIndexProps } from './cdk8s/quidditch-index';
export * from './cdk8s/migration';
export { MIGRATION_STEPS, migrationPlan, previousStep, modeOfStep } from './model/migration';
export type { MigrationStep, MigrationPlan, CrdWriters } from './model/migration';
