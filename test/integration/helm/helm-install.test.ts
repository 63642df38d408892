/**
 * The chart on the real API server, the way README's "Install with Helm" runs it: `helm install`
 * with `controlPlane.mode=k8s` into a namespace that enforces the restricted Pod Security Standard,
 * `helm upgrade` changing the data-node count and then the control-plane mode (refused while an
 * index exists, unless told to ignore the k8s state), `helm uninstall`.
 * Zero warnings from the server at every step; the CRDs and an index outlive upgrades and the
 * uninstall (Helm never deletes crds/, and the index is the user's, not the release's).
 * Bad values fail at `helm install` before anything is created.
 */
import { INDEX_FINALIZER } from '../../../lib/api/v1';
import { ControlPlane } from '../../support/control-plane';
import { waitForFinalizerPolicy } from '../../support/finalizer-policy';
import { createTestNamespace, deleteNamespace, kubectl, testKubeConfig } from '../../support/kube';
import { helm } from '../../support/helm';
import { CommandResult } from '../../support/run-command';
import type { HelmValues } from '../../../scripts/helm/values-to-props';
import { generateChart, valuesFile, GENERATE_CHART_TIMEOUT_MS } from './chart';

const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};
const RELEASE = 'quidditch';
const CRDS = ['quidditchindices.quidditch.io', 'quidditchnodes.quidditch.io', 'shardallocations.quidditch.io'];

let chart: string;
let ns: string;

beforeAll(async () => {
  chart = generateChart();
  ns = await createTestNamespace('helm', RESTRICTED);
}, GENERATE_CHART_TIMEOUT_MS);

afterAll(async () => {
  await helm(['uninstall', RELEASE, '--namespace', ns, '--ignore-not-found']);
  await deleteNamespace(ns);
});

/** Succeeded, and printed nothing on stderr: the server's warnings (PodSecurity, deprecations) land there. */
function expectCleanSuccess(result: CommandResult): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
}

/** The few fields these tests read of a Deployment, StatefulSet or QuidditchIndex. */
interface LiveObject {
  spec: { replicas?: number; shards?: number; template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
}

async function getJson(kind: string, name: string): Promise<{ code: number; object?: LiveObject }> {
  const res = await kubectl(['get', kind, name, '--namespace', ns, '-o', 'json']);
  return { code: res.code, object: res.code === 0 ? JSON.parse(res.stdout) : undefined };
}

const env = (sts: LiveObject, name: string) => sts.spec.template.spec.containers[0].env.find((e) => e.name === name)?.value;

async function expectCrdsAndIndex(): Promise<void> {
  for (const crd of CRDS) expect((await kubectl(['get', 'crd', crd])).code).toBe(0);
  const index = await getJson('quidditchindex', 'products');
  expect(index.code).toBe(0);
  expect(index.object?.spec).toMatchObject({ shards: 3, replicas: 2 });
}

describe('helm install, upgrade and uninstall on a real API server', () => {
  it('installs with controlPlane.mode=k8s, with zero warnings under restricted Pod Security', async () => {
    const result = await helm(['install', RELEASE, chart, '--namespace', ns, '--set', 'controlPlane.mode=k8s']);
    expectCleanSuccess(result);
    // NOTES.txt: where the routing API is and how to check the operator.
    expect(result.stdout).toContain(`https://${RELEASE}-operator.${ns}.svc:8080`);
    expect(result.stdout).toContain(`${RELEASE}-routing-client-tls`);
    expect(result.stdout).toContain(`kubectl -n ${ns} rollout status deployment/${RELEASE}-operator`);
    const operator = await getJson('deployment', `${RELEASE}-operator`);
    expect(operator.object?.spec.replicas).toBe(2);
    const data = await getJson('statefulset', `${RELEASE}-data`);
    expect(data.object?.spec.replicas).toBe(3);
    expect(env(data.object!, 'QUIDDITCH_CONTROL_PLANE_MODE')).toBe('k8s');
    // An index of the user's, which no upgrade or uninstall may take away.
    const apply = await kubectl(['apply', '--namespace', ns, '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'products' }, spec: { shards: 3, replicas: 2 } }),
    });
    expect(apply.code).toBe(0);
  });

  it('upgrades the data-node count', async () => {
    expectCleanSuccess(await helm(['upgrade', RELEASE, chart, '--namespace', ns, '--reuse-values', '--set', 'dataNodes.replicas=5']));
    expect((await getJson('statefulset', `${RELEASE}-data`)).object?.spec.replicas).toBe(5);
    await expectCrdsAndIndex();
  });

  it('upgrades with controlPlane.k8s.operator.finalizerAdmissionPolicy: the API server puts the finalizer on a new index; unset, the policy goes', async () => {
    const policy = `${ns}.${RELEASE}-index-finalizer`;
    const set = (v: string) => ['upgrade', RELEASE, chart, '--namespace', ns, '--reuse-values', '--set', `controlPlane.k8s.operator.finalizerAdmissionPolicy=${v}`];
    expectCleanSuccess(await helm(set('v1beta1')));
    for (const kind of ['mutatingadmissionpolicy', 'mutatingadmissionpolicybinding']) expect((await kubectl(['get', kind, policy])).code).toBe(0);
    await waitForFinalizerPolicy(testKubeConfig(), ns, {}, 'admissionregistration.k8s.io/v1beta1');
    // No operator pod runs here (no kubelet), so only the policy can have put the finalizer there.
    const created = await kubectl(['create', '--namespace', ns, '-o', 'json', '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'logs' }, spec: { shards: 1, replicas: 0 } }),
    });
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).metadata.finalizers).toEqual([INDEX_FINALIZER]);
    // The operator would release it when the index is deleted; here the test does.
    expect((await kubectl(['patch', 'quidditchindex', 'logs', '--namespace', ns, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]'])).code).toBe(0);
    expect((await kubectl(['delete', 'quidditchindex', 'logs', '--namespace', ns, '--wait=true'])).code).toBe(0);

    expectCleanSuccess(await helm(set('')));
    for (const kind of ['mutatingadmissionpolicy', 'mutatingadmissionpolicybinding']) expect((await kubectl(['get', kind, policy])).code).not.toBe(0);
    await expectCrdsAndIndex();
  });

  it('refuses a direct switch to raft while an index exists, and changes nothing', async () => {
    const revision = async () => JSON.parse((await helm(['status', RELEASE, '--namespace', ns, '-o', 'json'])).stdout).version as number;
    const before = await revision();
    const guard = `Unable to render QuidditchCluster ${RELEASE}: controlPlane.mode = raft: namespace ${ns} holds 1 QuidditchIndex object(s) (products), the k8s-mode state;`;
    // A server-side dry run asks the cluster too (lookup); a client-side one or `helm template` cannot.
    const dryRun = await helm(['upgrade', RELEASE, chart, '--namespace', ns, '--reuse-values', '--set', 'controlPlane.mode=raft', '--dry-run=server']);
    expect(dryRun.code).not.toBe(0);
    expect(dryRun.stderr).toContain(guard);
    const result = await helm(['upgrade', RELEASE, chart, '--namespace', ns, '--reuse-values', '--set', 'controlPlane.mode=raft']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('UPGRADE FAILED');
    expect(result.stderr).toContain(guard);
    expect(result.stderr).toContain('set controlPlane.raft.ignoreK8sState=true to switch anyway');
    expect(await revision()).toBe(before);
    expect((await getJson('deployment', `${RELEASE}-operator`)).object?.spec.replicas).toBe(2);
    expect((await getJson('statefulset', `${RELEASE}-master`)).code).not.toBe(0);
    expect(env((await getJson('statefulset', `${RELEASE}-data`)).object!, 'QUIDDITCH_CONTROL_PLANE_MODE')).toBe('k8s');
    await expectCrdsAndIndex();
  });

  it('switches controlPlane.mode to raft when told to ignore the k8s state: masters replace the operator, data nodes follow, CRDs and index stay', async () => {
    expectCleanSuccess(await helm(['upgrade', RELEASE, chart, '--namespace', ns, '--reuse-values', '--set', 'controlPlane.mode=raft', '--set', 'controlPlane.raft.ignoreK8sState=true']));
    expect((await getJson('deployment', `${RELEASE}-operator`)).code).not.toBe(0);
    expect((await getJson('statefulset', `${RELEASE}-master`)).object?.spec.replicas).toBe(3);
    const data = (await getJson('statefulset', `${RELEASE}-data`)).object!;
    expect(data.spec.replicas).toBe(5);
    expect(env(data, 'QUIDDITCH_CONTROL_PLANE_MODE')).toBe('raft');
    expect(env(data, 'QUIDDITCH_MASTER_ENDPOINTS')?.split(',')).toHaveLength(3);
    await expectCrdsAndIndex();
  });

  it('switches back to k8s', async () => {
    expectCleanSuccess(await helm(['upgrade', RELEASE, chart, '--namespace', ns, '--reuse-values', '--set', 'controlPlane.mode=k8s']));
    expect((await getJson('deployment', `${RELEASE}-operator`)).object?.spec.replicas).toBe(2);
    expect((await getJson('statefulset', `${RELEASE}-master`)).code).not.toBe(0);
    await expectCrdsAndIndex();
  });

  it('uninstalls the release\'s objects, and leaves the CRDs and the index', async () => {
    expectCleanSuccess(await helm(['uninstall', RELEASE, '--namespace', ns]));
    expect((await getJson('statefulset', `${RELEASE}-data`)).code).not.toBe(0);
    expect((await getJson('deployment', `${RELEASE}-operator`)).code).not.toBe(0);
    expect((await kubectl(['get', 'clusterrole', `${ns}.${RELEASE}-operator`])).code).not.toBe(0);
    await expectCrdsAndIndex();
  });
});

describe('helm install with the pod-settings, NetworkPolicy and TLS values', () => {
  // The API server checks the fields these pass through (affinity terms, spread constraints,
  // NetworkPolicy peers): a field it does not know would come back as a warning on stderr.
  const term = { labelSelector: { matchLabels: { app: 'batch' } }, topologyKey: 'kubernetes.io/hostname' };
  const values: HelmValues = {
    dataNodes: {
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term }], requiredDuringSchedulingIgnoredDuringExecution: [term] } },
      // With a labelSelector: without one the server warns that the constraint matches no pod (the constructs pass it as given too).
      topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'extra', 'app.kubernetes.io/component': 'data' } } }],
    },
    controlPlane: { k8s: { operator: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'pool', operator: 'Exists' }] } }] } } } } },
    security: {
      insecurePlaintextGrpc: true,
      networkPolicies: { routingClients: { namespaceLabels: {}, podLabels: { role: 'gateway' } }, metricsScrapers: { podLabels: {} }, apiServer: { cidrs: ['10.0.0.1/32'], ports: [6443] } },
    },
  };

  it('installs them with zero warnings, and the objects carry them', async () => {
    const release = 'extra';
    expectCleanSuccess(await helm(['install', release, chart, '--namespace', ns, '-f', valuesFile(values)]));
    try {
      const data = await kubectl(['get', 'statefulset', `${release}-data`, '--namespace', ns, '-o', 'jsonpath={.spec.template.spec.topologySpreadConstraints[0].maxSkew} {.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[*].weight}']);
      // The user's spread replaces the zone spread; the user's anti-affinity term follows the constructs' own (weight 100).
      expect(data.stdout).toBe('2 100 50');
      const policy = await kubectl(['get', 'networkpolicy', `${release}-operator`, '--namespace', ns, '-o', 'json']);
      const spec = JSON.parse(policy.stdout).spec;
      expect(spec.ingress[0].from[1]).toEqual({ namespaceSelector: {}, podSelector: { matchLabels: { role: 'gateway' } } });
      expect(spec.egress[0]).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] });
      const env = (await kubectl(['get', 'statefulset', `${release}-data`, '--namespace', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="QUIDDITCH_INSECURE_PLAINTEXT_GRPC")].value}'])).stdout;
      expect(env).toBe('true');
    } finally {
      expectCleanSuccess(await helm(['uninstall', release, '--namespace', ns]));
    }
  });
});

describe('helm install with bad values', () => {
  it.each([
    ['controlPlane.mode=etcd', "at '/controlPlane/mode': value must be one of 'k8s', 'raft', 'auto'"],
    ['controlPlane.raft.replicas=4', 'controlPlane.raft.replicas = 4: must be an odd positive integer (a Raft quorum is a majority: 1, 3, 5…)'],
    // The constructs refuse volume kinds the restricted standard forbids; so does the chart, before the server would only warn.
    ['dataNodes.volumes[0].name=host,dataNodes.volumes[0].hostPath.path=/', 'dataNodes.volumes[0] = hostPath: must have exactly one source of configMap, csi'],
  ])('--set %s fails with a message naming the value, and installs nothing', async (set, message) => {
    const result = await helm(['install', 'bad', chart, '--namespace', ns, '--set', set]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('INSTALLATION FAILED');
    expect(result.stderr).toContain(message);
    expect((await helm(['status', 'bad', '--namespace', ns])).code).not.toBe(0);
    expect((await getJson('statefulset', 'bad-data')).code).not.toBe(0);
  });
});

describe('crds/ on an API server that has no CRDs yet', () => {
  // The shared server has the CRDs from the global setup; this one starts empty, so Helm's own CRD
  // install is what creates them, and its rule (never delete crds/) is what keeps them.
  let cp: ControlPlane;
  let kubeconfig: string;
  beforeAll(async () => {
    cp = await ControlPlane.start();
    kubeconfig = cp.kubeconfigPath;
  });
  afterAll(async () => {
    await cp?.stop();
  });

  const crdNames = async () => {
    const res = await kubectl(['--kubeconfig', kubeconfig, 'get', 'crd', '-o', 'name']);
    expect(res.code).toBe(0);
    return res.stdout.split('\n').filter(Boolean).sort();
  };

  it('helm install creates the CRDs first, and helm uninstall leaves them', async () => {
    expect(await crdNames()).toEqual([]);
    expectCleanSuccess(await helm(['install', RELEASE, chart, '--kubeconfig', kubeconfig, '--set', 'controlPlane.mode=k8s']));
    expect(await crdNames()).toEqual(CRDS.map((c) => `customresourcedefinition.apiextensions.k8s.io/${c}`));
    expectCleanSuccess(await helm(['uninstall', RELEASE, '--kubeconfig', kubeconfig]));
    expect(await crdNames()).toEqual(CRDS.map((c) => `customresourcedefinition.apiextensions.k8s.io/${c}`));
  });
});
