/** A cdk8s Chart's namespace is the cluster's default; cluster-scoped objects never carry one. */
import { Chart, Testing } from 'cdk8s';
import { QuidditchCluster } from '../../../lib/cdk8s/cluster';
import { CLUSTER_SCOPED_KINDS, Manifest, one } from './synth';

function synthInChart(chartNamespace: string | undefined, clusterNamespace?: string): Manifest[] {
  const app = Testing.app();
  const chart = new Chart(app, 'platform', { namespace: chartNamespace });
  const cluster = new QuidditchCluster(chart, 'search', clusterNamespace === undefined ? {} : { namespace: clusterNamespace });
  cluster.addIndex('products', { shards: 1 });
  return Testing.synth(chart) as Manifest[];
}

const where = (o: Manifest) => [`${o.kind}/${o.metadata.name}`, o.metadata.namespace];

describe('namespaces', () => {
  it("puts every namespaced object in the Chart's namespace when the cluster sets none", () => {
    const objects = synthInChart('team-ns');
    for (const o of objects) {
      expect(where(o)).toEqual([`${o.kind}/${o.metadata.name}`, CLUSTER_SCOPED_KINDS.includes(o.kind) ? undefined : 'team-ns']);
    }
    // What the objects say about the namespace follows it too.
    const deployment = one(objects, 'Deployment', 'search-operator');
    expect(deployment.spec.template.spec.containers[0].args).toContain('--namespace=team-ns');
    expect(one(objects, 'ClusterRoleBinding', 'team-ns.search-operator').subjects).toEqual([{ kind: 'ServiceAccount', name: 'search-operator', namespace: 'team-ns' }]);
  });

  it("prefers the cluster's own namespace over the Chart's", () => {
    const objects = synthInChart('team-ns', 'search');
    for (const o of objects) {
      expect(where(o)).toEqual([`${o.kind}/${o.metadata.name}`, CLUSTER_SCOPED_KINDS.includes(o.kind) ? undefined : 'search']);
    }
  });

  it('keeps "default" without a Chart namespace, and CRDs and ClusterRoles stay cluster-scoped', () => {
    const objects = synthInChart(undefined);
    expect(objects.filter((o) => CLUSTER_SCOPED_KINDS.includes(o.kind)).map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'CustomResourceDefinition', 'CustomResourceDefinition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'],
    );
    for (const o of objects) {
      expect(where(o)).toEqual([`${o.kind}/${o.metadata.name}`, CLUSTER_SCOPED_KINDS.includes(o.kind) ? undefined : 'default']);
    }
  });
});
