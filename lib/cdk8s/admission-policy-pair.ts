/**
 * An admission policy (Validating or Mutating) and its binding: cluster-scoped, same name and
 * metadata, the binding after the policy in the output so it never refers to a policy not yet there.
 */
import { ApiObject } from 'cdk8s';
import type { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { clusterScoped } from './scope';

export interface AdmissionPolicyPair {
  readonly policy: ApiObject;
  readonly binding: ApiObject;
}

export function admissionPolicyPair(
  scope: Construct,
  kind: 'ValidatingAdmissionPolicy' | 'MutatingAdmissionPolicy',
  apiVersion: string,
  metadata: k8s.ObjectMeta,
  specs: { readonly policy: unknown; readonly binding: unknown },
): AdmissionPolicyPair {
  const policy = clusterScoped(new ApiObject(scope, 'Policy', { apiVersion, kind, metadata, spec: specs.policy }));
  const binding = clusterScoped(new ApiObject(scope, 'Binding', { apiVersion, kind: `${kind}Binding`, metadata, spec: specs.binding }));
  binding.addDependency(policy);
  return { policy, binding };
}
