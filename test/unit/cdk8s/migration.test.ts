import { MIGRATION_STEPS, MigrationStep, migrationPlan, previousStep } from '../../../lib/model/migration';
import { resolveCluster } from '../../../lib/model/resolve';
import { readOnlyMessage } from '../../../lib/cdk8s/migration';
import { Manifest, ofKind, one, synthCluster } from './synth';

const modeOf = (step: MigrationStep) => (step === 'complete' ? 'raft' : 'k8s');
const synthStep = (step?: MigrationStep) => synthCluster('search', { namespace: 'prod', mode: step ? modeOf(step) : 'k8s', ...(step ? { migration: step } : {}) });
const env = (objects: Manifest[], sts: string) => Object.fromEntries(one(objects, 'StatefulSet', sts).spec.template.spec.containers[0].env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));

describe('the k8s → raft migration steps', () => {
  it.each([
    // step, operator replicas (undefined: none), masters, policy exemption (undefined: no policy), export Job, data nodes' mode
    [undefined, 2, false, undefined, false, 'k8s'],
    ['add-masters', 2, true, undefined, false, 'k8s'],
    ['read-only', 2, true, ['system:serviceaccount:prod:search-operator'], false, 'k8s'],
    ['export', 0, true, [], true, 'k8s'],
    ['switch-data-nodes', 0, true, [], true, 'raft'],
    ['complete', undefined, true, [], false, 'raft'],
  ] as const)('step %s renders the operator at %s replicas, masters %s, exempt writers %j, export Job %s, data nodes in %s mode', (step, operatorReplicas, masters, exempt, job, dataMode) => {
    const objects = synthStep(step);
    expect(ofKind(objects, 'Deployment').map((d) => d.spec.replicas)).toEqual(operatorReplicas === undefined ? [] : [operatorReplicas]);
    expect(objects.some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'search-master')).toBe(masters);
    // The read-only policy only (the data nodes' own-object policy is there in every k8s-mode step).
    const readOnly = (kind: string) => ofKind(objects, kind).filter((o) => o.metadata.name.endsWith('-read-only'));
    const policies = readOnly('ValidatingAdmissionPolicy');
    expect(policies.length).toBe(exempt === undefined ? 0 : 1);
    expect(readOnly('ValidatingAdmissionPolicyBinding').length).toBe(exempt === undefined ? 0 : 1);
    if (exempt !== undefined) expect(policies[0].spec.validations[0].expression).toBe(exempt.length ? `request.userInfo.username in ${JSON.stringify(exempt)}` : 'false');
    expect(ofKind(objects, 'Job').length).toBe(job ? 1 : 0);
    expect(env(objects, 'search-data').QUIDDITCH_CONTROL_PLANE_MODE).toBe(dataMode);
    // The CRDs stay in every step: they are what a rollback returns to.
    expect(ofKind(objects, 'CustomResourceDefinition')).toHaveLength(3);
  });

  it('makes the CRDs of its own namespace read-only for every write but node heartbeats, failing closed', () => {
    const objects = synthStep('export');
    const policy = one(objects, 'ValidatingAdmissionPolicy', 'prod.search-read-only');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([{
      apiGroups: ['quidditch.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'],
      resources: ['quidditchindices', 'quidditchindices/status', 'quidditchnodes', 'shardallocations', 'shardallocations/status'],
    }]);
    const binding = one(objects, 'ValidatingAdmissionPolicyBinding', 'prod.search-read-only');
    expect(binding.spec).toEqual({ policyName: 'prod.search-read-only', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prod' } } } });
  });

  it('tells whoever is refused that a migration is in progress and which step rolls it back', () => {
    expect(readOnlyMessage(resolveCluster('search', { namespace: 'prod', migration: 'read-only' }))).toBe(
      'Quidditch cluster search is migrating from k8s to raft mode (step read-only): QuidditchIndex, QuidditchNode and ShardAllocation objects ' +
        'in namespace prod are read-only so the state being copied cannot change. To change indices, finish the migration and use the Raft masters, ' +
        "or roll back by applying the cluster with migration: 'add-masters' (README, \"Changing modes\").",
    );
    expect(MIGRATION_STEPS.map(previousStep)).toEqual([undefined, 'add-masters', 'read-only', 'export', 'switch-data-nodes']);
  });

  it('exports with the operator image into the ConfigMap the masters mount, once the operator has let go of its Lease', () => {
    const objects = synthStep('export');
    const job = one(objects, 'Job', 'search-state-export');
    const pod = job.spec.template.spec;
    expect(pod.containers[0].image).toBe(one(objects, 'Deployment', 'search-operator').spec.template.spec.containers[0].image);
    expect(pod.containers[0].args).toEqual(['export', '--namespace=prod', '--configmap=search-initial-state', '--wait-for-lease=search-operator']);
    expect(pod.serviceAccountName).toBe('search-state-export');
    expect(one(objects, 'Role', 'search-state-export').rules).toEqual([
      { apiGroups: ['quidditch.io'], resources: ['quidditchindices', 'quidditchnodes'], verbs: ['get', 'list'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['search-operator'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['search-initial-state'], verbs: ['get', 'update'] },
    ]);
    const masters = one(objects, 'StatefulSet', 'search-master').spec.template.spec;
    expect(masters.volumes).toContainEqual({ name: 'initial-state', configMap: { name: 'search-initial-state', optional: true } });
    expect(masters.containers[0].volumeMounts).toContainEqual({ name: 'initial-state', mountPath: '/etc/quidditch/initial-state', readOnly: true });
    expect(env(objects, 'search-master').QUIDDITCH_INITIAL_STATE).toBe('/etc/quidditch/initial-state/state.json');
  });

  it('leaves a cluster without a migration exactly as before: no initial state on the masters', () => {
    expect(env(synthCluster('search', { mode: 'raft' }), 'search-master').QUIDDITCH_INITIAL_STATE).toBeUndefined();
  });

  it('plans each step purely, in order', () => {
    expect(MIGRATION_STEPS.map((s) => migrationPlan(s).crdWriters)).toEqual(['everyone', 'operator', 'nobody', 'nobody', 'nobody']);
    expect(MIGRATION_STEPS.map((s) => migrationPlan(s).operatorStopped)).toEqual([false, false, true, true, true]);
  });

  it('rejects a step with the wrong mode, without the CRDs, or unknown, naming each prop', () => {
    expect(() => resolveCluster('search', { mode: 'raft', migration: 'export' })).toThrow('mode = "raft": must be k8s during migration step export (the operator owns the state until the migration is complete)');
    expect(() => resolveCluster('search', { mode: 'k8s', migration: 'complete' })).toThrow('mode = "k8s": must be raft during migration step complete (the masters own the state once it is complete)');
    expect(() => resolveCluster('search', { migration: 'read-only', crds: false })).toThrow('crds = false: must be true (the default) during a migration: the CRDs hold the state the migration copies and a rollback returns to');
    expect(() => resolveCluster('search', { migration: 'later' as never })).toThrow('migration = "later": must be one of add-masters, read-only, export, switch-data-nodes, complete (in that order; the previous step rolls one back)');
  });
});
