/** The namespace as a Pulumi Input (a Namespace created in the same stack). */
import { registrations, resetRegistrations, settled, valueOf } from './mocks';
import * as k8s from '@pulumi/kubernetes';
import { QuidditchCluster } from '../../../lib/pulumi/cluster';
import { QuidditchIndex } from '../../../lib/pulumi/index-resource';
import { checkNamespace } from '../../../lib/pulumi/namespace-input';

type Meta = { name: string; namespace?: string };

describe('an Input namespace', () => {
  it('fills every namespace field and every string that names it, once known', async () => {
    resetRegistrations();
    const ns = new k8s.core.v1.Namespace('team', { metadata: { name: 'team-ns' } });
    const cluster = new QuidditchCluster('search', { namespace: ns.metadata.name.apply((n) => n ?? 'team-ns') });
    const index = new QuidditchIndex('logs', { cluster, shards: 1 });
    await settled([cluster, index, ...Object.values(cluster.objects)]);
    expect(await valueOf(cluster.namespace)).toBe('team-ns');
    expect(await valueOf(cluster.routingEndpoint)).toBe('https://search-operator.team-ns.svc:8080');

    const objects = registrations.filter((r) => r.type.startsWith('kubernetes:') && r.type !== 'kubernetes:core/v1:Namespace');
    const text = JSON.stringify(objects.map((r) => r.inputs));
    expect(text).not.toContain('pulumi-input-namespace');
    const meta = (type: string, name: string) => objects.find((r) => r.type === type && r.name === name)?.inputs.metadata as Meta;
    expect(meta('kubernetes:apps/v1:Deployment', 'ns-of-search/search-operator').namespace).toBe('team-ns');
    expect(meta('kubernetes:rbac.authorization.k8s.io/v1:ClusterRole', 'ns-of-search.search-operator').name).toBe('team-ns.search-operator');
    expect(meta('kubernetes:quidditch.io/v1:QuidditchIndex', 'logs').namespace).toBe('team-ns');
    const sts = objects.find((r) => r.type === 'kubernetes:apps/v1:StatefulSet')?.inputs.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    expect(sts.template.spec.containers[0].env.find((e) => e.name === 'QUIDDITCH_OPERATOR_ADDRESS')?.value).toBe('search-operator.team-ns.svc:8080');
  });

  it('is validated once known, with the model\'s rule', () => {
    expect(checkNamespace('search', 'team-ns')).toBe('team-ns');
    expect(() => checkNamespace('search', 'Not_A_Namespace')).toThrow(
      'Unable to synthesize QuidditchCluster search: 1 invalid prop. Fix:\n  - namespace = "Not_A_Namespace": must be a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters)',
    );
  });
});
