/**
 * QuidditchMigration: the objects a k8s → raft migration step adds (lib/model/migration.ts):
 *  - a ValidatingAdmissionPolicy + binding that make the quidditch.io objects of the namespace
 *    read-only (the operator's ServiceAccount exempt at `read-only`, nobody from `export` on), so no
 *    one changes the state while it is copied, and it stays as it was for a rollback;
 *  - at `export`, a Job that runs the operator image's `export` into the ConfigMap the Raft masters
 *    start from (the contract: README "Changing modes"), with a Role allowing exactly that.
 * A policy, not a webhook: the API server evaluates its CEL itself, so there is nothing to run and
 * nothing that can be down. QuidditchNode status stays writable: heartbeats are liveness, not state,
 * and data nodes that return on a rollback must be able to prove they are alive before the operator does.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { API_GROUP } from '../api/v1/schema';
import { MIGRATION_STEPS, previousStep } from '../model/migration';
import type { ResolvedCluster } from '../model/resolved';
import { clusterScopedMeta, namespacedMeta, restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from './pod';

/** Names of the migration's objects; the ConfigMap is also what the masters mount. */
export function migrationNames(cluster: Pick<ResolvedCluster, 'name' | 'namespace'>) {
  return {
    /** Cluster-scoped, so the namespace is part of the name (like the operator's ClusterRole). */
    policy: `${cluster.namespace}.${cluster.name}-read-only`,
    initialState: `${cluster.name}-initial-state`,
    exportJob: `${cluster.name}-state-export`,
  };
}

/** Where the masters see the ConfigMap. */
export const INITIAL_STATE_DIR = '/etc/quidditch/initial-state';

/** Every write to these is checked; `quidditchnodes/status` is left out on purpose (see above). */
export const READ_ONLY_RESOURCES = [
  'quidditchindices', 'quidditchindices/status',
  'quidditchnodes',
  'shardallocations', 'shardallocations/status',
] as const;

export function operatorUsername(cluster: Pick<ResolvedCluster, 'namespace' | 'names'>): string {
  return `system:serviceaccount:${cluster.namespace}:${cluster.names.operator}`;
}

/** The message every rejected write carries: what is happening and how to get out of it. */
export function readOnlyMessage(cluster: ResolvedCluster): string {
  const step = cluster.migration?.step ?? MIGRATION_STEPS[0];
  const back = previousStep(step);
  return (
    `Quidditch cluster ${cluster.name} is migrating from k8s to raft mode (step ${step}): QuidditchIndex, QuidditchNode and ShardAllocation ` +
    `objects in namespace ${cluster.namespace} are read-only so the state being copied cannot change. ` +
    `To change indices, finish the migration and use the Raft masters, or roll back by applying the cluster with ` +
    `${back ? `migration: '${back}'` : 'no migration prop'} (README, "Changing modes").`
  );
}

export function renderReadOnlyPolicy(cluster: ResolvedCluster): Record<string, unknown> {
  const exempt = cluster.migration?.crdWriters === 'operator' ? [operatorUsername(cluster)] : [];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: clusterScopedMeta(cluster, 'migration', migrationNames(cluster).policy),
    spec: {
      // Fail closed: if the policy cannot be evaluated the write is refused, never let through.
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: [API_GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: [...READ_ONLY_RESOURCES] }],
      },
      validations: [{
        expression: exempt.length > 0 ? `request.userInfo.username in ${JSON.stringify(exempt)}` : 'false',
        message: readOnlyMessage(cluster),
        reason: 'Forbidden',
      }],
    },
  };
}

export function renderReadOnlyBinding(cluster: ResolvedCluster): Record<string, unknown> {
  const name = migrationNames(cluster).policy;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: clusterScopedMeta(cluster, 'migration', name),
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      // This cluster's namespace only: other Quidditch clusters keep working.
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': cluster.namespace } } },
    },
  };
}

/** The export Job may read the state, see whether the operator still holds its Lease, and write one ConfigMap. */
export function exportRoleRules(cluster: ResolvedCluster): k8s.PolicyRule[] {
  const cm = migrationNames(cluster).initialState;
  return [
    { apiGroups: [API_GROUP], resources: ['quidditchindices', 'quidditchnodes'], verbs: ['get', 'list'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [cluster.names.lease], verbs: ['get'] },
    // create cannot be limited to a name (the object does not exist yet); update can.
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    { apiGroups: [''], resources: ['configmaps'], resourceNames: [cm], verbs: ['get', 'update'] },
  ];
}

export function renderExportJob(cluster: ResolvedCluster): k8s.KubeJobProps {
  const names = migrationNames(cluster);
  return {
    metadata: namespacedMeta(cluster, 'migration', names.exportJob),
    spec: {
      // Retries while the operator is still stopping (the command refuses while it holds the Lease).
      backoffLimit: 20,
      template: {
        metadata: { labels: namespacedMeta(cluster, 'migration', names.exportJob).labels },
        spec: {
          serviceAccountName: names.exportJob,
          automountServiceAccountToken: true,
          restartPolicy: 'Never',
          securityContext: restrictedPodSecurityContext(),
          volumes: [TMP_VOLUME],
          containers: [{
            name: 'export',
            image: cluster.operator.image,
            imagePullPolicy: cluster.operator.imagePullPolicy,
            args: ['export', `--namespace=${cluster.namespace}`, `--configmap=${names.initialState}`, `--wait-for-lease=${cluster.names.lease}`],
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts: [TMP_MOUNT],
            resources: { requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('256Mi') }, limits: { memory: k8s.Quantity.fromString('256Mi') } },
          }],
        },
      },
    },
  };
}

/** Props of QuidditchMigration: the objects of one k8s → raft migration step (README "Changing modes"). */
export interface QuidditchMigrationProps {
  /** The resolved cluster; renders nothing unless it has a migration step. */
  readonly cluster: ResolvedCluster;
}

/**
 * The step-specific objects of a k8s → raft migration: the read-only ValidatingAdmissionPolicy and
 * binding, and the state-export Job. QuidditchCluster adds it when its `migration` prop is set.
 */
export class QuidditchMigration extends Construct {
  constructor(scope: Construct, id: string, props: QuidditchMigrationProps) {
    super(scope, id);
    const c = props.cluster;
    const plan = c.migration;
    if (!plan) return;
    if (plan.crdWriters !== 'everyone') {
      new ApiObject(this, 'ReadOnlyPolicy', renderReadOnlyPolicy(c) as never);
      new ApiObject(this, 'ReadOnlyPolicyBinding', renderReadOnlyBinding(c) as never);
    }
    if (plan.exportJob) {
      const names = migrationNames(c);
      const meta = namespacedMeta(c, 'migration', names.exportJob);
      new k8s.KubeServiceAccount(this, 'ExportServiceAccount', { metadata: meta, automountServiceAccountToken: false });
      new k8s.KubeRole(this, 'ExportRole', { metadata: meta, rules: exportRoleRules(c) });
      new k8s.KubeRoleBinding(this, 'ExportRoleBinding', {
        metadata: meta,
        subjects: [{ kind: 'ServiceAccount', name: names.exportJob, namespace: c.namespace }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.exportJob },
      });
      new k8s.KubeJob(this, 'ExportJob', renderExportJob(c));
    }
  }
}
