import { resetRegistrations, settled } from './mocks';
import * as pulumi from '@pulumi/pulumi';
import { QuidditchCluster } from '../../../lib/pulumi/cluster';
import { QuidditchIndex } from '../../../lib/pulumi/index-resource';

interface Seen {
  readonly retainOnDelete?: boolean;
  readonly dependsOn: string[];
}

/** Records the options every resource is registered with (name → options). */
function recorder(): { seen: Map<string, Seen>; transformation: pulumi.ResourceTransformation } {
  const seen = new Map<string, Seen>();
  const transformation: pulumi.ResourceTransformation = (a) => {
    const on = ([] as unknown[]).concat(a.opts.dependsOn ?? []) as pulumi.Resource[];
    seen.set(`${a.type}::${a.name}`, { retainOnDelete: a.opts.retainOnDelete, dependsOn: on.map((r) => (r as unknown as { __name: string }).__name) });
    return undefined;
  };
  return { seen, transformation };
}

async function deploy(deleteCrdsOnDestroy?: boolean) {
  resetRegistrations();
  const { seen, transformation } = recorder();
  const cluster = new QuidditchCluster('search', { mode: 'k8s', ...(deleteCrdsOnDestroy === undefined ? {} : { deleteCrdsOnDestroy }) }, { transformations: [transformation] });
  const index = new QuidditchIndex('logs', { cluster, shards: 1 }, { transformations: [transformation] });
  await settled([index, ...Object.values(cluster.objects)]);
  const of = (kind: string) => [...seen.entries()].filter(([k]) => k.includes(`:${kind}::`)).map(([, v]) => v);
  return { cluster, seen, of };
}

describe('state retention in the Pulumi component', () => {
  it('retains the CRDs and the indices on delete by default, and nothing else', async () => {
    const { seen, of } = await deploy();
    expect(of('CustomResourceDefinition').map((s) => s.retainOnDelete)).toEqual([true, true, true]);
    expect(of('QuidditchIndex').map((s) => s.retainOnDelete)).toEqual([true]);
    const others = [...seen.entries()].filter(([k]) => !k.includes(':CustomResourceDefinition::') && !k.includes(':QuidditchIndex::') && !k.startsWith(QuidditchCluster.TYPE));
    expect(others.length).toBeGreaterThan(5);
    expect(others.filter(([, s]) => s.retainOnDelete === true).map(([k]) => k)).toEqual([]);
  });

  it('deletes the CRDs and the indices on destroy when deleteCrdsOnDestroy is set', async () => {
    const { of } = await deploy(true);
    expect(of('CustomResourceDefinition').map((s) => s.retainOnDelete)).toEqual([false, false, false]);
    expect(of('QuidditchIndex').map((s) => s.retainOnDelete)).toEqual([false]);
  });

  it('lets an index override the retention with the standard resource option', async () => {
    resetRegistrations();
    const { seen, transformation } = recorder();
    const cluster = new QuidditchCluster('search', { mode: 'k8s' });
    const index = new QuidditchIndex('tmp', { cluster, shards: 1 }, { retainOnDelete: false, transformations: [transformation] });
    await settled([index]);
    expect([...seen.values()].map((s) => s.retainOnDelete)).toEqual([false]);
  });

  it('orders an index after every object of its cluster, so destroy deletes it while the operator and data nodes still run', async () => {
    const { cluster, of } = await deploy(true);
    const [index] = of('QuidditchIndex');
    const objects = Object.values(cluster.objects).map((r) => (r as unknown as { __name: string }).__name);
    expect(objects).toEqual(expect.arrayContaining(['default/search-operator', 'default/search-data']));
    expect(index.dependsOn).toEqual(expect.arrayContaining(objects));
  });
});
