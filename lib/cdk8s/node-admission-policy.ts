/**
 * QuidditchNodeAdmissionPolicy (k8s mode): a data node may write only its own QuidditchNode.
 *
 * RBAC cannot say "only your own": the data-node Role grants create/update/patch on every
 * QuidditchNode. This ValidatingAdmissionPolicy narrows it in the API server, the way the
 * NodeRestriction admission plugin binds a kubelet to its own Node: a request from the data
 * nodes' ServiceAccount must carry a token bound to a Pod (the kubelet mounts exactly such a
 * token), may only name the QuidditchNode after that pod, may only advertise that pod's own
 * stable DNS name, may only name the Kubernetes Node its pod runs on (spec.kubernetesNode, whose zone
 * label the operator reads), may not set the state or zone the operator owns, and may label it only
 * with its own cluster (quidditch.io/cluster decides which cluster's operator uses the node).
 *
 * Address rule: the node keeps setting spec.address (the reference data node and the operator are
 * unchanged) and the policy binds it to the pod's identity: `<pod>.<headless service>.<namespace>.svc:<port>`,
 * the name the StatefulSet gives the pod. The host is compared in full, so neither another pod's
 * name nor an outside domain (`<pod>.<service>.<ns>.svc.evil.example`) passes.
 *
 * Kubernetes-node rule: a Pod-bound token names the Node of its pod (claim
 * authentication.kubernetes.io/node-name, on by default since Kubernetes 1.30), so a node cannot pull
 * its copies' spread off by claiming a Node in another zone. Without the claim it may name none.
 *
 * Needs Kubernetes 1.30+ (admissionregistration.k8s.io/v1). Older API servers do not serve the kind:
 * `kubectl apply` reports `no matches for kind "ValidatingAdmissionPolicy" in version
 * "admissionregistration.k8s.io/v1"` for these two objects, applies the rest and exits non-zero;
 * Pulumi fails the update. Set `security.nodeAdmissionPolicy: false` there.
 */
import { ApiObject } from 'cdk8s';
import type { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { API_GROUP } from '../api/v1/schema';
import { quidditchNodeDefinition } from '../api/v1/quidditch-node';
import { CLUSTER_LABEL } from '../model/labels';
import { serviceHost } from '../model/names';
import type { ResolvedCluster } from '../model/resolved';
import { clusterScopedMeta } from './pod';
import { admissionPolicyPair } from './admission-policy-pair';

export const ADMISSION_API_VERSION = 'admissionregistration.k8s.io/v1';
/** The claim a Pod-bound ServiceAccount token adds to the request's user info. */
export const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';
/** The claim naming the Node the token's pod was scheduled to. */
export const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name';

/** Names of the rules, as they appear in the refusal messages (`rule own-node-only: …`). */
export const NODE_RULES = {
  boundToken: 'bound-pod-token',
  ownNode: 'own-node-only',
  ownAddress: 'own-address-only',
  ownKubernetesNode: 'own-kubernetes-node-only',
  operatorState: 'operator-owns-state',
  ownCluster: 'own-cluster-only',
} as const;

/** Cluster-scoped, so the namespace is part of the name (as for the operator's ClusterRole). */
export function nodeAdmissionPolicyName(cluster: ResolvedCluster): string {
  return `${cluster.namespace}.${cluster.names.dataNodes}`;
}

/** The username the API server gives requests made with a token of the data nodes' ServiceAccount. */
export function dataNodeUsername(cluster: ResolvedCluster): string {
  return `system:serviceaccount:${cluster.namespace}:${cluster.names.dataNodes}`;
}

/** `<pod>.<headless>.<namespace>.svc:` — every address of the pod's own DNS name starts with it. */
export function ownAddressPrefixExpression(cluster: ResolvedCluster): string {
  return `variables.podName + '.${serviceHost(cluster.names.dataNodesHeadless, cluster.namespace)}:'`;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const claim = (key: string) => `has(request.userInfo.extra) && ${quote(key)} in request.userInfo.extra && size(request.userInfo.extra[${quote(key)}]) > 0 ? request.userInfo.extra[${quote(key)}][0] : ''`;
const statusField = (o: string, field: string) => `${o} != null && has(${o}.status) && has(${o}.status.${field}) ? ${o}.status.${field} : ''`;
const kubernetesNodeOf = (o: string) => `${o} != null && has(${o}.spec.kubernetesNode) ? ${o}.spec.kubernetesNode : ''`;
/** The later rules apply only to a bound token writing its own node, so each refusal names one rule. */
const OWN = "variables.podName == '' || request.name != variables.podName";

// The binding and the policy use the v1beta1 types (same fields as v1, which cdk8s-plus-28 lacks).
export function renderNodeAdmissionPolicySpec(cluster: ResolvedCluster): k8s.ValidatingAdmissionPolicySpecV1Beta1 {
  const plural = quidditchNodeDefinition.plural;
  return {
    // A rule that cannot be evaluated refuses: an error must not open the door.
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [{ apiGroups: [API_GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: [plural, `${plural}/status`] }],
    },
    // Only the data nodes' requests; the operator and humans are governed by RBAC alone.
    matchConditions: [{ name: 'data-node-service-account', expression: `request.userInfo.username == ${quote(dataNodeUsername(cluster))}` }],
    variables: [
      { name: 'podName', expression: claim(POD_NAME_EXTRA) },
      { name: 'nodeName', expression: claim(NODE_NAME_EXTRA) },
      { name: 'ownAddressPrefix', expression: ownAddressPrefixExpression(cluster) },
    ],
    validations: [
      {
        expression: "variables.podName != ''",
        reason: 'Forbidden',
        message: `rule ${NODE_RULES.boundToken}: a data node must use a ServiceAccount token bound to its Pod (claim ${POD_NAME_EXTRA}), as the kubelet mounts it. ` +
          'A token from `kubectl create token` without `--bound-object-kind Pod` is refused.',
      },
      {
        expression: "variables.podName == '' || request.name == variables.podName",
        reason: 'Forbidden',
        messageExpression: `'rule ${NODE_RULES.ownNode}: data node ' + variables.podName + ' may write only the QuidditchNode named after its own pod, not "' + request.name + '" (neither its spec nor its status). ' + ` +
          '\'Register as \' + variables.podName + \'.\'',
      },
      {
        expression: `${OWN} || request.operation == 'DELETE' || (oldObject != null && object.spec.address == oldObject.spec.address) || object.spec.address.startsWith(variables.ownAddressPrefix)`,
        reason: 'Forbidden',
        messageExpression: `'rule ${NODE_RULES.ownAddress}: QuidditchNode ' + request.name + ' may advertise only its own pod\\'s address ' + variables.ownAddressPrefix + '<port>, not "' + object.spec.address + '".'`,
      },
      {
        // Unset, unchanged, or the Node its token names; unchanged lets a status write pass before re-registration.
        expression: `${OWN} || request.operation == 'DELETE' || (${kubernetesNodeOf('object')}) == '' || (${kubernetesNodeOf('object')}) == (${kubernetesNodeOf('oldObject')}) || object.spec.kubernetesNode == variables.nodeName`,
        reason: 'Forbidden',
        messageExpression: `'rule ${NODE_RULES.ownKubernetesNode}: QuidditchNode ' + request.name + ' may name only the Kubernetes node its pod runs on (' + (variables.nodeName == '' ? 'its token names none' : variables.nodeName) + ') in spec.kubernetesNode, not "' + object.spec.kubernetesNode + '".'`,
      },
      {
        expression: `${OWN} || request.operation != 'UPDATE' || ((${statusField('object', 'state')}) == (${statusField('oldObject', 'state')}) && (${statusField('object', 'zone')}) == (${statusField('oldObject', 'zone')}))`,
        reason: 'Forbidden',
        message: `rule ${NODE_RULES.operatorState}: status.state and status.zone of a QuidditchNode are set by the operator; a data node reports only lastHeartbeat, allocatedShards and resources.`,
      },
      {
        // The label decides which cluster's operator uses the node: a node may claim only its own cluster.
        expression: `${OWN} || request.operation == 'DELETE' || !has(object.metadata.labels) || !(${quote(CLUSTER_LABEL)} in object.metadata.labels) || object.metadata.labels[${quote(CLUSTER_LABEL)}] == ${quote(cluster.name)}`,
        reason: 'Forbidden',
        message: `rule ${NODE_RULES.ownCluster}: a data node of cluster ${cluster.name} may label its QuidditchNode only ${CLUSTER_LABEL}=${cluster.name} (or not at all).`,
      },
    ],
  };
}

/** Props of QuidditchNodeAdmissionPolicy. */
export interface QuidditchNodeAdmissionPolicyProps {
  /** The resolved cluster (see resolveCluster). */
  readonly cluster: ResolvedCluster;
}

export class QuidditchNodeAdmissionPolicy extends Construct {
  readonly policy: ApiObject;
  readonly binding: ApiObject;

  constructor(scope: Construct, id: string, props: QuidditchNodeAdmissionPolicyProps) {
    super(scope, id);
    const c = props.cluster;
    const name = nodeAdmissionPolicyName(c);
    const metadata = clusterScopedMeta(c, 'data', name);
    const binding: k8s.ValidatingAdmissionPolicyBindingSpecV1Beta1 = { policyName: name, validationActions: ['Deny'] };
    ({ policy: this.policy, binding: this.binding } = admissionPolicyPair(this, 'ValidatingAdmissionPolicy', ADMISSION_API_VERSION, metadata, { policy: renderNodeAdmissionPolicySpec(c), binding }));
  }
}
