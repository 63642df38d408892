import { registeredObjects, registrations, resetRegistrations, settled, valueOf } from './mocks';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import { QuidditchCluster } from '../../../lib/pulumi/cluster';
import { planCluster, QuidditchClusterArgs, synthesizeResolved } from '../../../lib/pulumi/cluster-plan';
import { SKIP_AWAIT_ANNOTATION } from '../../../lib/pulumi/objects';
import { typeToken } from '../../../lib/pulumi/kube-object-resource';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> };

async function deploy(name: string, args: QuidditchClusterArgs, opts?: pulumi.ComponentResourceOptions): Promise<{ cluster: QuidditchCluster; objects: Obj[] }> {
  resetRegistrations();
  const cluster = new QuidditchCluster(name, args, opts);
  await settled(Object.values(cluster.objects));
  return { cluster, objects: registeredObjects() as Obj[] };
}

const byKey = (o: Obj) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const sorted = (objs: Obj[]) => [...objs].sort((a, b) => byKey(a).localeCompare(byKey(b)));

describe('Pulumi QuidditchCluster', () => {
  it.each([
    ['k8s', { mode: 'k8s', namespace: 'search' }],
    ['raft', { mode: 'raft', namespace: 'search', dataNodes: { replicas: 4 } }],
    ['k8s with the index finalizer policy', { mode: 'k8s', namespace: 'search', operator: { finalizerAdmissionPolicy: 'v1beta1' } }],
    ['k8s with every part customised', { mode: 'k8s', name: 'prod', labels: { team: 'search' }, dataNodes: { replicas: 5, tier: 'warm', storage: { size: '10Gi', storageClassName: 'fast' } }, operator: { replicas: 3, logLevel: 'debug' } }],
  ] as const)('registers exactly the objects the cdk8s chart renders (%s mode)', async (_label, props) => {
    const { objects } = await deploy('search', props);
    const expected = synthesizeClusterManifests(props, 'search') as Obj[];
    expect(objects.length).toBe(expected.length);
    expect(sorted(objects)).toEqual(sorted(expected));
  });

  it('registers each object under its own type token, as a child of the component', async () => {
    const { cluster } = await deploy('search', { mode: 'k8s' });
    for (const [key, res] of Object.entries(cluster.objects)) {
      const [apiVersion, kind] = key.split(':');
      const urn = await valueOf(res.urn);
      expect(urn).toContain(`::${QuidditchCluster.TYPE}$${typeToken(apiVersion, kind)}::`);
    }
    // The typed classes' tokens: core kinds are `core/v1`, though their apiVersion is `v1`.
    expect(registrations.map((r) => r.type)).toEqual(expect.arrayContaining(['kubernetes:apps/v1:StatefulSet', 'kubernetes:core/v1:Service', 'kubernetes:core/v1:ServiceAccount']));
    await valueOf(new k8s.core.v1.Service('typed', {}).urn);
    expect(registrations.find((r) => r.name === 'typed')?.type).toBe('kubernetes:core/v1:Service');
  });

  it('makes every non-CRD object depend on every CRD', async () => {
    const deps = new Map<string, string[]>();
    const record: pulumi.ResourceTransformation = (a) => {
      const on = (a.opts.dependsOn ?? []) as pulumi.Resource[];
      deps.set(`${a.type}::${a.name}`, on.map((r) => (r as unknown as { __name: string }).__name));
      return undefined;
    };
    await deploy('search', { mode: 'k8s' }, { transformations: [record] });
    const crds = [...deps.keys()].filter((k) => k.includes(':CustomResourceDefinition::')).map((k) => k.split('::')[1]);
    expect(crds.length).toBe(3);
    for (const [key, on] of deps) {
      if (key.startsWith(QuidditchCluster.TYPE)) continue;
      expect(on.sort()).toEqual(key.includes(':CustomResourceDefinition::') ? [] : [...crds].sort());
    }
  });

  it('registers outputs for namespace, services, operator and routing endpoint', async () => {
    const { cluster } = await deploy('search', { mode: 'k8s', namespace: 'prod' });
    expect(await valueOf(cluster.namespace)).toBe('prod');
    expect(await valueOf(cluster.dataNodeServiceName)).toBe('search-data-headless');
    expect(await valueOf(cluster.operatorDeploymentName)).toBe('search-operator');
    expect(await valueOf(cluster.operatorServiceName)).toBe('search-operator');
    expect(await valueOf(cluster.routingEndpoint)).toBe('https://search-operator.prod.svc:8080');
  });

  it('routes through the masters and has no operator in raft mode', async () => {
    const { cluster, objects } = await deploy('search', { mode: 'raft' });
    expect(objects.some((o) => o.kind === 'Deployment')).toBe(false);
    expect(await valueOf(cluster.operatorDeploymentName)).toBeUndefined();
    expect(await valueOf(cluster.routingEndpoint)).toBe('http://search-master-headless.default.svc:9200');
  });

  it('annotates only workloads and Services with skipAwait when asked', async () => {
    const { objects } = await deploy('search', { mode: 'k8s', skipAwait: true });
    const skipped = objects.filter((o) => o.metadata.annotations?.[SKIP_AWAIT_ANNOTATION] === 'true').map((o) => o.kind).sort();
    expect(skipped).toEqual(['Deployment', 'Service', 'Service', 'StatefulSet']);
    const { objects: plain } = await deploy('search', { mode: 'k8s' });
    expect(plain.some((o) => o.metadata.annotations?.[SKIP_AWAIT_ANNOTATION] !== undefined)).toBe(false);
  });

  it('sets the deletion propagation annotation on every object when given', async () => {
    const { objects } = await deploy('search', { mode: 'k8s', deletionPropagation: 'background' });
    expect(objects.every((o) => o.metadata.annotations?.['pulumi.com/deletionPropagationPolicy'] === 'background')).toBe(true);
  });

  it('accepts an Input image and places it where the plain image would be', async () => {
    const image = pulumi.output(Promise.resolve('registry.example/datanode:2.0.0'));
    const { objects } = await deploy('search', { mode: 'k8s', dataNodes: { image } });
    const expected = synthesizeClusterManifests({ mode: 'k8s', dataNodes: { image: 'registry.example/datanode:2.0.0' } }, 'search') as Obj[];
    expect(sorted(objects)).toEqual(sorted(expected));
  });

  it('rejects an unpinned Input image with the model\'s message once its value is known', () => {
    // A valid value while planning: an apply that throws with nothing awaiting it would end the test run.
    const image = pulumi.output('registry.example/operator:0.9');
    const plan = planCluster('search', { mode: 'k8s', operator: { image } });
    expect(plan.inputs.map((i) => i.path.join('.'))).toEqual(['operator.image']);
    const planned = new Map(plan.objects.map((o, i) => [`${o.apiVersion}:${o.kind}:${plan.logicalNames[i]}`, o]));
    const resolve = (value: string) => synthesizeResolved('search', { plain: { mode: 'k8s' }, inputs: plan.inputs, planned, behaviour: { skipAwait: false } }, [value], 'default');
    expect(() => resolve('registry.example/operator')).toThrow(
      'Unable to synthesize QuidditchCluster search: 1 invalid prop. Fix:\n  - operator.image = "registry.example/operator": must be an image reference with a tag or digest',
    );
    expect(resolve('registry.example/operator:1.0').get('apps/v1:Deployment:default/search-operator')).toBeDefined();
  });

  it('throws the model validation error, naming every invalid prop, before registering anything', () => {
    resetRegistrations();
    expect(() => new QuidditchCluster('search', { mode: 'k8s', dataNodes: { replicas: -1, image: 'datanode' } })).toThrow(
      /Unable to synthesize QuidditchCluster search: 2 invalid props[\s\S]*dataNodes\.replicas[\s\S]*dataNodes\.image/,
    );
  });

  it('runs the Pulumi.yaml entry (apps/pulumi.ts) as one cluster with the model defaults', async () => {
    resetRegistrations();
    const entry = require('../../../apps/pulumi') as Record<string, pulumi.Output<string>>;
    expect(await valueOf(entry.routingEndpoint)).toBe('https://quidditch-operator.default.svc:8080');
    expect(await valueOf(entry.namespace)).toBe('default');
    // The entry exposes no resource to await, so wait until all its registrations have arrived.
    const expected = synthesizeClusterManifests({}, 'quidditch').length + 1;
    for (let i = 0; i < 100 && registrations.length < expected; i++) await new Promise((r) => setTimeout(r, 50));
    expect(registrations.filter((r) => r.type === QuidditchCluster.TYPE).map((r) => r.name)).toEqual(['quidditch']);
    expect(sorted(registeredObjects() as Obj[])).toEqual(sorted(synthesizeClusterManifests({}, 'quidditch') as Obj[]));
  });

  it('passes the given Kubernetes provider to every object', async () => {
    const provider = new k8s.Provider('test', { kubeconfig: '{}' });
    await deploy('search', { mode: 'raft' }, { providers: [provider] });
    const objs = registrations.filter((r) => r.type.startsWith('kubernetes:') && r.type !== 'pulumi:providers:kubernetes');
    expect(objs.length).toBeGreaterThan(0);
    for (const r of objs) expect(r.provider).toMatch(/::pulumi:providers:kubernetes::test::/);
  });
});
