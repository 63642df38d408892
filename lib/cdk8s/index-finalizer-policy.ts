/**
 * QuidditchIndexFinalizerPolicy (k8s mode, `operator.finalizerAdmissionPolicy`): the API server puts
 * the index finalizer on each new QuidditchIndex this cluster's operator reconciles, as it admits
 * the create.
 *
 * Why: the operator must hold the finalizer before it creates any copy, so a deletion cannot leave
 * copies behind on the data nodes. Added by the operator, that is a PATCH per new index (one of its
 * three API writes per index, each also a watch event back to it); added here it costs a CEL
 * evaluation inside the create the user makes anyway. The operator keeps adding it to any index
 * created without it, so the policy is an optimisation, never a dependency: `failurePolicy: Ignore`.
 *
 * Scope: creates in this cluster's namespace; with `ownIndicesOnly`, only indices labelled
 * `quidditch.io/cluster: <name>`, so an index another cluster's operator serves never waits on this
 * one. A JSON patch rather than an apply configuration: it appends to the finalizers the index
 * already has, whatever list semantics the API server gives metadata of custom resources.
 *
 * API version: admissionregistration.k8s.io/v1 on Kubernetes 1.36+; v1beta1 on 1.34 and 1.35, whose
 * API server serves it only with `--feature-gates=MutatingAdmissionPolicy=true` and
 * `--runtime-config=admissionregistration.k8s.io/v1beta1=true`. Without the kind, `kubectl apply`
 * reports `no matches for kind "MutatingAdmissionPolicy"` for these two objects.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { API_GROUP } from '../api/v1/schema';
import { INDEX_FINALIZER, quidditchIndexDefinition } from '../api/v1';
import { CLUSTER_LABEL } from '../model/labels';
import type { ResolvedCluster } from '../model/resolved';
import { clusterScopedMeta } from './pod';
import { admissionPolicyPair } from './admission-policy-pair';

/** The label every namespace carries with its own name (Kubernetes 1.22+). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Cluster-scoped, so the namespace is part of the name (as for the node admission policy). */
export function indexFinalizerPolicyName(cluster: ResolvedCluster): string {
  return `${cluster.namespace}.${cluster.name}-index-finalizer`;
}

/** The spec of the MutatingAdmissionPolicy (same fields in v1beta1 and v1; cdk8s-plus-28 has neither). */
export function renderIndexFinalizerPolicySpec(): Record<string, unknown> {
  const f = `'${INDEX_FINALIZER}'`;
  return {
    // The operator adds the finalizer when the policy could not: a failed evaluation must not refuse a create.
    failurePolicy: 'Ignore',
    reinvocationPolicy: 'Never',
    matchConstraints: {
      resourceRules: [{ apiGroups: [API_GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: [quidditchIndexDefinition.plural] }],
    },
    matchConditions: [{ name: 'finalizer-missing', expression: `!has(object.metadata.finalizers) || !(${f} in object.metadata.finalizers)` }],
    mutations: [{
      patchType: 'JSONPatch',
      jsonPatch: {
        expression: `has(object.metadata.finalizers) ? [JSONPatch{op: 'add', path: '/metadata/finalizers/-', value: ${f}}] : [JSONPatch{op: 'add', path: '/metadata/finalizers', value: [${f}]}]`,
      },
    }],
  };
}

/** The binding's objectSelector with `ownIndicesOnly`: the indices labelled for this cluster. */
const ownIndicesSelector = (cluster: ResolvedCluster) => ({ matchLabels: { [CLUSTER_LABEL]: cluster.name } });

/** Which creates the binding applies the policy to: this namespace, and with ownIndicesOnly this cluster's indices. */
export function indexFinalizerBindingMatch(cluster: ResolvedCluster): Record<string, unknown> {
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: cluster.namespace } },
    ...(cluster.operator.ownIndicesOnly ? { objectSelector: ownIndicesSelector(cluster) } : {}),
  };
}

/** Props of QuidditchIndexFinalizerPolicy. */
export interface QuidditchIndexFinalizerPolicyProps {
  /** The resolved cluster (see resolveCluster); its `operator.finalizerAdmissionPolicy` is the API version. */
  readonly cluster: ResolvedCluster;
}

export class QuidditchIndexFinalizerPolicy extends Construct {
  readonly policy: ApiObject;
  readonly binding: ApiObject;

  constructor(scope: Construct, id: string, props: QuidditchIndexFinalizerPolicyProps) {
    super(scope, id);
    const c = props.cluster;
    const apiVersion = `admissionregistration.k8s.io/${c.operator.finalizerAdmissionPolicy ?? 'v1'}`;
    const name = indexFinalizerPolicyName(c);
    const metadata = clusterScopedMeta(c, 'operator', name);
    ({ policy: this.policy, binding: this.binding } = admissionPolicyPair(this, 'MutatingAdmissionPolicy', apiVersion, metadata, {
      policy: renderIndexFinalizerPolicySpec(),
      binding: { policyName: name, matchResources: indexFinalizerBindingMatch(c) },
    }));
  }

  /** Narrows the binding to this cluster's indices, when `ownIndicesOnly` is turned on after the fact. */
  matchOwnIndicesOnly(cluster: ResolvedCluster): void {
    this.binding.addJsonPatch(JsonPatch.add('/spec/matchResources/objectSelector', ownIndicesSelector(cluster)));
  }
}
