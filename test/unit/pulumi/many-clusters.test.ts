/** Several QuidditchClusters in one Pulumi program: CRDs once per provider, unique URNs, clear refusals. */
import { registrations, resetRegistrations, settled, valueOf } from './mocks';
import * as k8s from '@pulumi/kubernetes';
import { QuidditchCluster } from '../../../lib/pulumi/cluster';
import { QuidditchIndex } from '../../../lib/pulumi/index-resource';

const crdRegistrations = () => registrations.filter((r) => r.type === 'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition');
const own = { operator: { ownIndicesOnly: true } } as const;

describe('many Pulumi QuidditchClusters in one program', () => {
  it('registers the CRDs once per provider; every URN is unique; later clusters depend on the first one\'s CRDs', async () => {
    resetRegistrations();
    const a = new QuidditchCluster('a', { namespace: 'team-a' });
    const b = new QuidditchCluster('b', { namespace: 'team-b' });
    const c = new QuidditchCluster('c', { namespace: 'team-c', mode: 'raft', crds: true });
    const all = [a, b, c].flatMap((x) => Object.values(x.objects));
    await settled(all);
    expect(crdRegistrations()).toHaveLength(3);
    expect([a.crdsOwner, b.crdsOwner, c.crdsOwner]).toEqual(['a', 'a', 'a']);
    const urns = await Promise.all([a, b, c, ...all].map((r) => valueOf(r.urn)));
    expect(new Set(urns).size).toBe(urns.length);
  });

  it('registers the CRDs again for another Kubernetes provider (another cluster)', async () => {
    resetRegistrations();
    const east = new k8s.Provider('east', {});
    const west = new k8s.Provider('west', {});
    const a = new QuidditchCluster('a', {}, { providers: [east] });
    const b = new QuidditchCluster('b', {}, { provider: west });
    await settled([...Object.values(a.objects), ...Object.values(b.objects)]);
    expect(crdRegistrations()).toHaveLength(6);
    expect([a.crdsOwner, b.crdsOwner]).toEqual(['a', 'b']);
  });

  it('refuses a second cluster of the same name in the same namespace', async () => {
    resetRegistrations();
    const first = new QuidditchCluster('search', { namespace: 'ns' });
    expect(() => new QuidditchCluster('other', { name: 'search', namespace: 'ns' })).toThrow(
      'Unable to register QuidditchCluster other: name = "search": QuidditchCluster search already uses this name in namespace "ns", so every object would collide. Set a different `name` or `namespace` on one of them.',
    );
    await settled([first, ...Object.values(first.objects)]);
  });

  it('refuses two operators in one namespace unless both watch only their own indices', async () => {
    resetRegistrations();
    const a = new QuidditchCluster('a', { namespace: 'shared' });
    expect(() => new QuidditchCluster('b', { namespace: 'shared', ...own })).toThrow(/QuidditchCluster a also runs an operator in namespace "shared".*Set `operator: \{ ownIndicesOnly: true \}` on both/);
    await settled([a, ...Object.values(a.objects)]);

    resetRegistrations();
    const x = new QuidditchCluster('x', { namespace: 'shared', ...own });
    const y = new QuidditchCluster('y', { namespace: 'shared', ...own });
    const index = new QuidditchIndex('logs', { cluster: y, shards: 1 });
    await settled([...Object.values(x.objects), ...Object.values(y.objects), index]);
    const deployment = registrations.find((r) => r.type === 'kubernetes:apps/v1:Deployment' && r.name === 'shared/y-operator');
    const spec = deployment?.inputs.spec as { template: { spec: { containers: { args: string[] }[] } } };
    expect(spec.template.spec.containers[0].args).toContain('--cluster-name=y');
    const idx = registrations.find((r) => r.type === 'kubernetes:quidditch.io/v1:QuidditchIndex');
    expect((idx?.inputs.metadata as { labels: Record<string, string> }).labels['quidditch.io/cluster']).toBe('y');
  });
});
