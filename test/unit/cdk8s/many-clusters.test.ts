/** Several clusters in one app: CRDs once per chart, no name collisions, operators split the indices. */
import { Chart, Testing } from 'cdk8s';
import { QuidditchCluster } from '../../../lib/cdk8s/cluster';
import { ValidationError } from '../../../lib/model/validation';
import { Manifest, ofKind, one } from './synth';

const args = (objects: Manifest[], name: string): string[] => one(objects, 'Deployment', name).spec.template.spec.containers[0].args;
const clusterEnv = (objects: Manifest[], name: string): string[] =>
  (one(objects, 'StatefulSet', name).spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).filter((e) => e.name === 'QUIDDITCH_CLUSTER').map((e) => e.value ?? '');

describe('many clusters in one app', () => {
  it('emits the three CRDs once per chart, before every object that needs them', () => {
    const chart = Testing.chart();
    const a = new QuidditchCluster(chart, 'a', { namespace: 'team-a' });
    const b = new QuidditchCluster(chart, 'b', { namespace: 'team-b' });
    b.addIndex('logs', { shards: 1 });
    const objects = Testing.synth(chart) as Manifest[];
    expect(ofKind(objects, 'CustomResourceDefinition')).toHaveLength(3);
    expect(b.crds).toBe(a.crds);
    const firstNonCrd = objects.findIndex((o) => o.kind !== 'CustomResourceDefinition');
    expect(objects.slice(0, firstNonCrd).map((o) => o.kind)).toEqual(Array(3).fill('CustomResourceDefinition'));
    // Every object is unique by kind, namespace and name.
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('emits the CRDs once in each chart (each chart is its own file)', () => {
    const app = Testing.app();
    const one1 = new Chart(app, 'one');
    const two = new Chart(app, 'two');
    new QuidditchCluster(one1, 'a', { namespace: 'x' });
    new QuidditchCluster(two, 'b', { namespace: 'y' });
    expect(ofKind(Testing.synth(one1) as Manifest[], 'CustomResourceDefinition')).toHaveLength(3);
    expect(ofKind(Testing.synth(two) as Manifest[], 'CustomResourceDefinition')).toHaveLength(3);
  });

  it('refuses two clusters with one name in one namespace, naming the fix', () => {
    const chart = Testing.chart();
    new QuidditchCluster(chart, 'search', { namespace: 'ns' });
    expect(() => new QuidditchCluster(chart, 'other', { name: 'search', namespace: 'ns' })).toThrow(ValidationError);
    expect(() => new QuidditchCluster(chart, 'other2', { name: 'search', namespace: 'ns' })).toThrow(
      /Unable to synthesize QuidditchCluster search: 1 invalid prop[\s\S]*name = "search": QuidditchCluster .*search already uses this name in namespace "ns".*Set a different `name` or `namespace`/,
    );
    // Same name, different namespaces: fine.
    expect(() => new QuidditchCluster(chart, 'search2', { name: 'search', namespace: 'other' })).not.toThrow();
  });

  it('makes each operator sharing a namespace watch only its own indices, and labels the indices', () => {
    const chart = Testing.chart();
    const a = new QuidditchCluster(chart, 'a', { namespace: 'shared' });
    const lone = new QuidditchCluster(chart, 'lone', { namespace: 'alone' });
    const b = new QuidditchCluster(chart, 'b', { namespace: 'shared' });
    const idx = b.addIndex('logs', { shards: 1 });
    const objects = Testing.synth(chart) as Manifest[];
    expect(args(objects, 'a-operator')).toContain('--cluster-name=a');
    expect(args(objects, 'b-operator')).toContain('--cluster-name=b');
    expect(args(objects, 'lone-operator').some((x) => x.startsWith('--cluster-name'))).toBe(false);
    expect([a.resolved.operator.ownIndicesOnly, b.resolved.operator.ownIndicesOnly, lone.resolved.operator.ownIndicesOnly]).toEqual([true, true, false]);
    expect(idx.apiObject.metadata.getLabel('quidditch.io/cluster')).toBe('b');
    // Their data nodes name their cluster (QUIDDITCH_CLUSTER labels each QuidditchNode); the lone cluster's pod template is as before.
    expect([clusterEnv(objects, 'a-data'), clusterEnv(objects, 'b-data'), clusterEnv(objects, 'lone-data')]).toEqual([['a'], ['b'], []]);
  });

  it('a raft cluster beside a k8s cluster leaves the operator watching every index', () => {
    const chart = Testing.chart();
    new QuidditchCluster(chart, 'a', { namespace: 'shared' });
    new QuidditchCluster(chart, 'r', { namespace: 'shared', mode: 'raft' });
    expect(args(Testing.synth(chart) as Manifest[], 'a-operator').some((x) => x.startsWith('--cluster-name'))).toBe(false);
  });
});
