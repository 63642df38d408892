/**
 * RBAC rules of the operator and the data nodes, as pure data. Least privilege, no wildcards:
 * every verb and resource is named, so a review of this file is a review of what can be done.
 */
import { k8s } from 'cdk8s-plus-28';
import { API_GROUP } from '../api/v1/schema';

const READ = ['get', 'list', 'watch'];
const OWN_RESOURCES = ['quidditchindices', 'quidditchnodes', 'shardallocations'];

/** Namespaced rules of the operator. */
export function operatorRoleRules(): k8s.PolicyRule[] {
  return [
    // Indices: finalizer add/remove is an update/patch; users create and delete them.
    { apiGroups: [API_GROUP], resources: ['quidditchindices'], verbs: [...READ, 'update', 'patch'] },
    // Nodes: data nodes create their own; the operator only reads them and marks them (status).
    { apiGroups: [API_GROUP], resources: ['quidditchnodes'], verbs: [...READ, 'update', 'patch'] },
    // ShardAllocations are an operator-owned mirror: it creates and deletes them.
    { apiGroups: [API_GROUP], resources: ['shardallocations'], verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
    { apiGroups: [API_GROUP], resources: OWN_RESOURCES.map((r) => `${r}/status`), verbs: ['get', 'update', 'patch'] },
    // Needed to set blockOwnerDeletion on owner references to these kinds.
    { apiGroups: [API_GROUP], resources: OWN_RESOURCES.map((r) => `${r}/finalizers`), verbs: ['update'] },
    // Leader election: read, take over and renew its own Lease (watched by a standby, to take over at
    // once); list and watch the namespace's Leases to see another cluster's operator. Never deleted.
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
    // Events are only created (core/v1, one per occurrence; never patched to aggregate).
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  ];
}

/**
 * Cluster-scoped rules of the operator: read one Kubernetes Node by name, for the zone of a data node
 * (its topology.kubernetes.io/zone label). Only `get`: the operator reads the Nodes its data nodes
 * name (spec.kubernetesNode) and never lists or watches all of them.
 */
export function operatorClusterRoleRules(): k8s.PolicyRule[] {
  return [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }];
}

/** A data node registers its own QuidditchNode and heartbeats through its status; nothing else. */
export function dataNodeRoleRules(): k8s.PolicyRule[] {
  return [
    { apiGroups: [API_GROUP], resources: ['quidditchnodes'], verbs: ['get', 'create', 'update', 'patch'] },
    { apiGroups: [API_GROUP], resources: ['quidditchnodes/status'], verbs: ['get', 'update', 'patch'] },
  ];
}
