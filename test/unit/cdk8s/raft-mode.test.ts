import { kinds, ofKind, one, synthCluster } from './synth';

describe('QuidditchCluster in raft mode', () => {
  const objects = synthCluster('search-raft', { mode: 'raft', namespace: 'quidditch-raft' });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('emits the CRDs, masters, data nodes and NetworkPolicies, and no operator or lease RBAC', () => {
    expect(kinds(objects)).toEqual(['CustomResourceDefinition', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'StatefulSet']);
    expect(ofKind(objects, 'StatefulSet').map((o) => o.metadata.name).sort()).toEqual(['search-raft-data', 'search-raft-master']);
    expect(objects.some((o) => o.metadata.name.includes('operator'))).toBe(false);
  });

  it('keeps the CRDs in the output (a switch from k8s mode must not prune the state), unless told not to', () => {
    expect(ofKind(objects, 'CustomResourceDefinition')).toHaveLength(3);
    expect(ofKind(objects, 'Deployment')).toHaveLength(0);
    expect(ofKind(synthCluster('search-raft', { mode: 'raft', crds: false }), 'CustomResourceDefinition')).toHaveLength(0);
  });

  it('runs three masters on 50Gi volumes with the seed\'s sizing and a quorum-keeping PDB', () => {
    const masters = one(objects, 'StatefulSet', 'search-raft-master');
    expect(masters.spec.replicas).toBe(3);
    expect(masters.spec.serviceName).toBe('search-raft-master-headless');
    expect(masters.spec.podManagementPolicy).toBe('Parallel');
    expect(masters.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    expect(masters.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '2', memory: '4Gi' });
    expect(masters.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(one(objects, 'PodDisruptionBudget', 'search-raft-master').spec.minAvailable).toBe(2);
    expect(one(objects, 'Service', 'search-raft-master-headless').spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([['raft', 9300], ['http', 9200]]);
  });

  it('keeps a majority of five masters available', () => {
    const five = synthCluster('q', { mode: 'raft', raft: { replicas: 5 } });
    expect(one(five, 'PodDisruptionBudget', 'q-master').spec.minAvailable).toBe(3);
  });

  it('omits the master PDB for a single master, which has no quorum to protect', () => {
    const single = synthCluster('q', { mode: 'raft', raft: { replicas: 1 } });
    expect(ofKind(single, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['q-data']);
  });

  it('tells each master the full initial membership', () => {
    const env = one(objects, 'StatefulSet', 'search-raft-master').spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
    expect(env.find((e) => e.name === 'QUIDDITCH_RAFT_PEERS')?.value).toBe([0, 1, 2]
      .map((i) => `search-raft-master-${i}=search-raft-master-${i}.search-raft-master-headless.quidditch-raft.svc:9300`).join(','));
  });

  it('wires data nodes to the masters instead of an operator, without API access', () => {
    const data = one(objects, 'StatefulSet', 'search-raft-data').spec.template.spec;
    const env = data.containers[0].env as Array<{ name: string; value?: string }>;
    const value = (name: string) => env.find((e) => e.name === name)?.value;
    expect(value('QUIDDITCH_CONTROL_PLANE_MODE')).toBe('raft');
    expect(value('QUIDDITCH_OPERATOR_ADDRESS')).toBeUndefined();
    expect(value('QUIDDITCH_MASTER_ENDPOINTS')).toBe([0, 1, 2]
      .map((i) => `search-raft-master-${i}.search-raft-master-headless.quidditch-raft.svc:9200`).join(','));
    expect(data.automountServiceAccountToken).toBe(false);
    expect(ofKind(objects, 'Role')).toHaveLength(0);
  });
});
