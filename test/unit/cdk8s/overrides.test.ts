/** Props the user sets reach the rendered objects. */
import { one, ofKind, synthCluster } from './synth';

describe('QuidditchCluster overrides', () => {
  const objects = synthCluster('search', {
    namespace: 'prod',
    dataNodes: {
      replicas: 6,
      image: 'registry.example.com/quidditch/datanode:2.0.0',
      imagePullPolicy: 'Always',
      storage: { size: '500Gi', storageClassName: 'fast-ssd' },
      resources: { cpuRequest: '4', memoryRequest: '16Gi', cpuLimit: '8', memoryLimit: '20Gi' },
      tier: 'warm',
    },
    operator: { replicas: 1, image: 'registry.example.com/quidditch/operator:2.0.0', resources: { cpuRequest: '250m', memoryRequest: '256Mi' } },
  });

  it('sizes, images and tiers the data nodes as asked', () => {
    const sts = one(objects, 'StatefulSet', 'search-data');
    expect(sts.spec.replicas).toBe(6);
    const [container] = sts.spec.template.spec.containers;
    expect(container.image).toBe('registry.example.com/quidditch/datanode:2.0.0');
    expect(container.imagePullPolicy).toBe('Always');
    expect(container.resources).toEqual({ requests: { cpu: '4', memory: '16Gi' }, limits: { cpu: '8', memory: '20Gi' } });
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '500Gi' } },
    });
    expect(sts.spec.template.metadata.labels['quidditch.io/tier']).toBe('warm');
    expect(container.env).toContainEqual({ name: 'QUIDDITCH_TIER', value: 'warm' });
  });

  it('runs a single operator without a PodDisruptionBudget that would block every drain', () => {
    const deployment = one(objects, 'Deployment', 'search-operator');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '250m', memory: '256Mi' });
    expect(ofKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['search-data']);
  });

  it('leaves storageClassName out when none is given, so the default StorageClass applies', () => {
    const sts = one(synthCluster('search'), 'StatefulSet', 'search-data');
    expect(sts.spec.volumeClaimTemplates[0].spec).not.toHaveProperty('storageClassName');
  });

  it('synthesizes identical output twice (stable names, no hashes or timestamps)', () => {
    expect(synthCluster('search', { mode: 'raft' })).toEqual(synthCluster('search', { mode: 'raft' }));
  });

  it('throws at construction with every invalid prop', () => {
    expect(() => synthCluster('search', { dataNodes: { replicas: -1 }, raft: { replicas: 2 } })).toThrow(
      'Unable to synthesize QuidditchCluster search: 2 invalid props. Fix:\n  - dataNodes.replicas = -1: must be a non-negative integer\n  - raft.replicas = 2: must be an odd positive integer (a Raft quorum is a majority: 1, 3, 5…)',
    );
  });
});
