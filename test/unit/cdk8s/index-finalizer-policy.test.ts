/** operator.finalizerAdmissionPolicy as synthesized: which creates the policy marks, how, and when it is left out. */
import { Testing } from 'cdk8s';
import { QuidditchCluster } from '../../../lib/cdk8s/cluster';
import { INDEX_FINALIZER } from '../../../lib/api/v1';
import { ValidationError } from '../../../lib/model/validation';
import { Manifest, ofKind, one, synthCluster } from './synth';

const POLICY = 'MutatingAdmissionPolicy';
const BINDING = 'MutatingAdmissionPolicyBinding';

describe('the index finalizer policy', () => {
  const objects = synthCluster('search', { namespace: 'ns1', operator: { finalizerAdmissionPolicy: 'v1' } });
  const policy = one(objects, POLICY, 'ns1.search-index-finalizer');

  it('mutates QuidditchIndex creates that lack the finalizer, appending it with a JSON patch, and never refuses a create', () => {
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.metadata.namespace).toBeUndefined();
    expect(policy.spec.failurePolicy).toBe('Ignore');
    expect(policy.spec.reinvocationPolicy).toBe('Never');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: ['quidditch.io'], apiVersions: ['*'], operations: ['CREATE'], resources: ['quidditchindices'] }]);
    expect(policy.spec.matchConditions).toEqual([{ name: 'finalizer-missing', expression: `!has(object.metadata.finalizers) || !('${INDEX_FINALIZER}' in object.metadata.finalizers)` }]);
    expect(policy.spec.mutations).toHaveLength(1);
    expect(policy.spec.mutations[0].patchType).toBe('JSONPatch');
    expect(policy.spec.mutations[0].jsonPatch.expression).toContain(`path: '/metadata/finalizers/-', value: '${INDEX_FINALIZER}'`);
  });

  it('is bound to the cluster\'s namespace only, and with ownIndicesOnly to the indices labelled for the cluster', () => {
    expect(one(objects, BINDING, 'ns1.search-index-finalizer').spec).toEqual({
      policyName: 'ns1.search-index-finalizer',
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns1' } } },
    });
    const own = synthCluster('search', { namespace: 'ns1', operator: { finalizerAdmissionPolicy: 'v1beta1', ownIndicesOnly: true } });
    const binding = one(own, BINDING, 'ns1.search-index-finalizer');
    expect(binding.apiVersion).toBe('admissionregistration.k8s.io/v1beta1');
    expect(binding.spec.matchResources.objectSelector).toEqual({ matchLabels: { 'quidditch.io/cluster': 'search' } });
  });

  it('narrows a cluster\'s binding to its own indices when a second cluster joins its namespace', () => {
    const chart = Testing.chart();
    new QuidditchCluster(chart, 'a', { namespace: 'shared', operator: { finalizerAdmissionPolicy: 'v1' } });
    new QuidditchCluster(chart, 'b', { namespace: 'shared', operator: { finalizerAdmissionPolicy: 'v1' } });
    const synthesized = Testing.synth(chart) as Manifest[];
    expect(one(synthesized, BINDING, 'shared.a-index-finalizer').spec.matchResources.objectSelector).toEqual({ matchLabels: { 'quidditch.io/cluster': 'a' } });
    expect(one(synthesized, BINDING, 'shared.b-index-finalizer').spec.matchResources.objectSelector).toEqual({ matchLabels: { 'quidditch.io/cluster': 'b' } });
  });

  it('is left out by default, in raft mode, and once a migration has stopped the operator (nothing would remove the finalizer)', () => {
    expect(ofKind(synthCluster('search'), POLICY)).toEqual([]);
    expect(ofKind(synthCluster('search', { mode: 'raft', operator: { finalizerAdmissionPolicy: 'v1' } }), POLICY)).toEqual([]);
    expect(ofKind(synthCluster('search', { migration: 'read-only', operator: { finalizerAdmissionPolicy: 'v1' } }), POLICY)).toHaveLength(1);
    expect(ofKind(synthCluster('search', { migration: 'export', operator: { finalizerAdmissionPolicy: 'v1' } }), POLICY)).toEqual([]);
  });

  it('refuses an API version it does not know, naming the field and the versions', () => {
    const bad = { operator: { finalizerAdmissionPolicy: 'v2' } } as unknown as ConstructorParameters<typeof QuidditchCluster>[2];
    expect(() => synthCluster('search', bad)).toThrow(ValidationError);
    expect(() => synthCluster('search', bad)).toThrow(/operator\.finalizerAdmissionPolicy.*must be one of v1, v1beta1/);
  });
});
