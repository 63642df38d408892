/**
 * Issue 15, item 3 against the real API server: the synthesized NetworkPolicies apply with zero
 * warnings, and their selectors — evaluated by the API server's own label selection over real
 * Pod and Namespace objects — pick exactly the intended pods for each port. (No network plugin
 * runs here; what is enforced is the plugin's job, what is selected is proven here.)
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { QuidditchClusterProps } from '../../../lib/model/props';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import { TEST_FIELD_MANAGER } from '../../support/crds';
import { createTestNamespace, deleteNamespace, testKubeConfig } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import { describeObject, ManifestObject, ServerSideApplier } from '../../support/server-side-apply';
import { createPod, podObject } from './node-identity';

type Selector = { matchLabels?: Record<string, string> };
interface Peer { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string } }
interface Rule { from?: Peer[]; to?: Peer[]; ports?: Array<{ port: number; protocol: string }> }
interface NetworkPolicy extends ManifestObject { spec: { podSelector: Selector; ingress?: Rule[]; egress?: Rule[]; policyTypes: string[] } }

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const applier = new ServerSideApplier(kc, { fieldManager: TEST_FIELD_MANAGER, force: true });
const namespaces: string[] = [];
const clusterScoped: ManifestObject[] = [];
const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' };

const selectorString = (s: Selector | undefined) => Object.entries(s?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');

/** `namespace/pod` of every test pod a policy peer selects, as the API server's label selection answers. */
async function selectedBy(peer: Peer, policyNamespace: string): Promise<string[]> {
  const inNamespaces = peer.namespaceSelector
    ? (await core.listNamespace({ labelSelector: selectorString(peer.namespaceSelector) })).items.map((n) => n.metadata!.name!).filter((n) => namespaces.includes(n))
    : [policyNamespace];
  const pods = await Promise.all(inNamespaces.map((ns) => core.listNamespacedPod({ namespace: ns, labelSelector: selectorString(peer.podSelector) })));
  return pods.flatMap((list) => list.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`)).sort();
}

/** Per port: every pod the rules' peers select. */
async function reachers(rules: Rule[] | undefined, side: 'from' | 'to', ns: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const rule of rules ?? []) {
    const pods = (await Promise.all((rule[side] ?? []).filter((p) => !p.ipBlock).map((p) => selectedBy(p, ns)))).flat();
    for (const port of rule.ports ?? []) {
      const key = `${port.protocol}/${port.port}`;
      out[key] = [...new Set([...(out[key] ?? []), ...pods])].sort();
    }
  }
  return out;
}

afterAll(async () => {
  for (const obj of clusterScoped) await rawRequest(kc, { method: 'DELETE', path: await applier.objectPath(obj) });
  for (const ns of namespaces) await deleteNamespace(ns);
});

async function deploy(mode: 'k8s' | 'raft', monitoring: string): Promise<{ ns: string; policies: Record<string, NetworkPolicy> }> {
  const ns = await createTestNamespace(`netpol-${mode}`, RESTRICTED);
  namespaces.push(ns);
  const props: QuidditchClusterProps = { mode, namespace: ns, name: 'search', dataNodes: { replicas: 2 }, security: { networkPolicies: { metricsScrapers: { namespaceLabels: { 'kubernetes.io/metadata.name': monitoring } } } } };
  const objects = (synthesizeClusterManifests(props) as ManifestObject[]).filter((o) => o.kind !== 'CustomResourceDefinition');
  clusterScoped.push(...objects.filter((o) => !o.metadata.namespace));
  const applied = await applier.applyAll(objects);
  expect(Object.fromEntries(applied.filter((a) => a.warnings.length > 0).map((a) => [describeObject(a.object), a.warnings]))).toEqual({});
  // Pods labelled as the workloads' templates label them, plus bystanders.
  for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
    const labels = (o as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
    for (const i of [0, 1]) await createPod(kc, ns, podObject(`${o.metadata.name}-${i}`, 'default', labels));
  }
  await createPod(kc, ns, podObject('coordinator', 'default', { 'quidditch.io/routing-client': 'true' }));
  await createPod(kc, ns, podObject('bystander', 'default', { app: 'other' }));
  const policies = Object.fromEntries(applied.filter((a) => a.object.kind === 'NetworkPolicy').map((a) => [a.object.metadata.name, a.object as unknown as NetworkPolicy]));
  return { ns, policies };
}

describe('NetworkPolicies on a real API server', () => {
  let monitoring: string;
  let elsewhere: string;

  beforeAll(async () => {
    monitoring = await createTestNamespace('netpol-monitoring');
    elsewhere = await createTestNamespace('netpol-elsewhere');
    namespaces.push(monitoring, elsewhere);
    await createPod(kc, monitoring, podObject('prometheus', 'default', { app: 'prometheus' }));
    // Carries the routing-client label, but in another namespace: the default grants only the cluster's own.
    await createPod(kc, elsewhere, podObject('coordinator', 'default', { 'quidditch.io/routing-client': 'true' }));
  });

  it('k8s mode: apply with zero warnings and select exactly the intended pods per port', async () => {
    const { ns, policies } = await deploy('k8s', monitoring);
    expect(Object.keys(policies).sort()).toEqual(['search-data', 'search-operator']);
    const data = [`${ns}/search-data-0`, `${ns}/search-data-1`];
    const operators = [`${ns}/search-operator-0`, `${ns}/search-operator-1`];
    expect(await selectedBy({ podSelector: policies['search-data'].spec.podSelector }, ns)).toEqual(data);
    expect(await selectedBy({ podSelector: policies['search-operator'].spec.podSelector }, ns)).toEqual(operators);
    expect(await reachers(policies['search-data'].spec.ingress, 'from', ns)).toEqual({ 'TCP/9303': [...data, ...operators].sort() });
    expect(await reachers(policies['search-operator'].spec.ingress, 'from', ns)).toEqual({
      'TCP/8080': [`${ns}/coordinator`, ...data].sort(),
      'TCP/9090': [`${monitoring}/prometheus`],
    });
    expect(await reachers(policies['search-operator'].spec.egress, 'to', ns)).toEqual({ 'TCP/9303': data, 'TCP/443': [], 'TCP/6443': [], 'UDP/53': [], 'TCP/53': [] });
    expect(policies['search-operator'].spec.egress![0].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }]);
    // Data nodes dial the API server (their QuidditchNode), the operator's routing API, their peers
    // (recovery) and DNS; the masters' 9200 selects nothing outside a migration to raft.
    expect(policies['search-data'].spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(await reachers(policies['search-data'].spec.egress, 'to', ns)).toEqual({
      'TCP/443': [], 'TCP/6443': [], 'TCP/8080': operators, 'TCP/9200': [], 'TCP/9303': data, 'UDP/53': [], 'TCP/53': [],
    });
    expect(policies['search-data'].spec.egress![0].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }]);
  });

  it('raft mode: the masters in place of the operator', async () => {
    const { ns, policies } = await deploy('raft', monitoring);
    expect(Object.keys(policies).sort()).toEqual(['search-data', 'search-master']);
    const data = [`${ns}/search-data-0`, `${ns}/search-data-1`];
    const masters = [`${ns}/search-master-0`, `${ns}/search-master-1`];
    expect(await selectedBy({ podSelector: policies['search-master'].spec.podSelector }, ns)).toEqual(masters);
    expect(await reachers(policies['search-data'].spec.ingress, 'from', ns)).toEqual({ 'TCP/9303': [...data, ...masters].sort() });
    expect(await reachers(policies['search-master'].spec.ingress, 'from', ns)).toEqual({
      'TCP/9300': masters,
      'TCP/9200': [`${ns}/coordinator`, ...data, ...masters].sort(),
    });
    expect(await reachers(policies['search-master'].spec.egress, 'to', ns)).toEqual({ 'TCP/9300': masters, 'TCP/9200': masters, 'TCP/9303': data, 'UDP/53': [], 'TCP/53': [] });
    // Data nodes join the masters over 9200; no API server (their token is not even mounted).
    expect(await reachers(policies['search-data'].spec.egress, 'to', ns)).toEqual({ 'TCP/9200': masters, 'TCP/9303': data, 'UDP/53': [], 'TCP/53': [] });
    expect(policies['search-data'].spec.egress!.flatMap((r) => r.to ?? []).filter((p) => p.ipBlock)).toEqual([]);
  });
});
