import { Testing } from 'cdk8s';
import { QuidditchCluster } from '../../../lib/cdk8s/cluster';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import type { QuidditchClusterProps } from '../../../lib/model/props';

describe('synthesizeClusterManifests', () => {
  it.each<[string, QuidditchClusterProps]>([
    ['k8s', { name: 'search', namespace: 'quidditch' }],
    ['raft', { name: 'search', namespace: 'quidditch', mode: 'raft', raft: { replicas: 5 } }],
  ])('returns exactly the objects a QuidditchCluster synthesizes in %s mode', (_mode, props) => {
    const chart = Testing.chart();
    new QuidditchCluster(chart, 'search', props);
    expect(synthesizeClusterManifests(props)).toEqual(Testing.synth(chart));
  });

  it('returns plain JSON (no class instances), as Pulumi needs', () => {
    const objects = synthesizeClusterManifests({ name: 'search' });
    expect(JSON.parse(JSON.stringify(objects))).toStrictEqual(objects);
  });

  it('throws the same validation error as the construct', () => {
    expect(() => synthesizeClusterManifests({ name: 'search', dataNodes: { replicas: -1 } })).toThrow(
      'Unable to synthesize QuidditchCluster search: 1 invalid prop. Fix:\n  - dataNodes.replicas = -1: must be a non-negative integer',
    );
  });
});
