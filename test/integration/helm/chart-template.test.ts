/**
 * The chart and the constructs render the same objects: `helm template` of the generated chart,
 * object by object, against `synthesizeClusterManifests` of the props the same values mean
 * (scripts/helm/values-to-props.ts), for the defaults and a table of value sets. Also `helm lint
 * --strict`, and bad values refused with a message naming them.
 */
import { crdLabels } from '../../../lib/cdk8s/crds';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import type { HelmValues } from '../../../scripts/helm/values-to-props';
import { valuesToProps } from '../../../scripts/helm/values-to-props';
import { helm } from '../../support/helm';
import { byKey, generateChart, helmTemplate, KubeObject, parseObjects, GENERATE_CHART_TIMEOUT_MS } from './chart';

let chart: string;
beforeAll(() => {
  chart = generateChart();
}, GENERATE_CHART_TIMEOUT_MS);

/** CRDs come from crds/, which Helm does not template: they carry no release's instance label. */
function splitCrds(objects: KubeObject[]): { crds: KubeObject[]; rest: KubeObject[] } {
  const isCrd = (o: KubeObject) => o.kind === 'CustomResourceDefinition';
  return { crds: objects.filter(isCrd), rest: objects.filter((o) => !isCrd(o)) };
}
const withoutLabels = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, labels: undefined } });

async function expectSameObjects(release: { name: string; namespace: string }, values: HelmValues | undefined, constructs: object[]): Promise<void> {
  const result = await helmTemplate(chart, release, values);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const fromHelm = splitCrds(parseObjects(result.stdout));
  const fromConstructs = splitCrds(constructs as KubeObject[]);
  expect(Object.keys(byKey(fromHelm.rest)).sort()).toEqual(Object.keys(byKey(fromConstructs.rest)).sort());
  expect(byKey(fromHelm.rest)).toEqual(byKey(fromConstructs.rest));
  expect(byKey(fromHelm.crds.map(withoutLabels))).toEqual(byKey(fromConstructs.crds.map(withoutLabels)));
  for (const crd of fromHelm.crds) expect(crd.metadata.labels).toEqual(crdLabels());
}

describe('the generated chart', () => {
  it('passes helm lint --strict', async () => {
    const result = await helm(['lint', '--strict', chart]);
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('renders, for the default values, exactly the objects the constructs render for default props', async () => {
    // `helm template quidditch <chart>`: release "quidditch" in namespace "default", like a construct with id "quidditch".
    await expectSameObjects({ name: 'quidditch', namespace: 'default' }, undefined, synthesizeClusterManifests({}));
  });
});

const resources = (cpu: string, memory: string, limits: { cpu?: string; memory?: string } = {}) => ({ requests: { cpu, memory }, limits });

/** Value sets and why each is in the table. */
const VALUE_SETS: [string, HelmValues][] = [
  // The seed's values.yaml, as written there (numbers for cpu).
  ['the seed\'s values', { controlPlane: {
    mode: 'auto',
    raft: { enabled: true, replicas: 3, storage: { size: '50Gi' }, resources: { requests: { memory: '4Gi', cpu: 2 } } },
    k8s: { enabled: true, operator: { replicas: 3, resources: { requests: { memory: '1Gi', cpu: 1 } } } },
  } }],
  ['the seed\'s values in raft mode, fractional cpu', { controlPlane: { mode: 'raft', raft: { resources: { requests: { memory: '4Gi', cpu: 0.5 }, limits: { cpu: 1.5 } } } } }],
  ['mode raft', { controlPlane: { mode: 'raft' } }],
  ['mode auto (k8s)', { controlPlane: { mode: 'auto' } }],
  ['five data nodes', { dataNodes: { replicas: 5 } }],
  ['no data nodes', { dataNodes: { replicas: 0 } }],
  ['one operator replica (no PDB)', { controlPlane: { k8s: { operator: { replicas: 1 } } } }],
  ['three operator replicas', { controlPlane: { k8s: { operator: { replicas: 3 } } } }],
  ['resources with limits', {
    dataNodes: { resources: resources('4', '16Gi', { cpu: '8', memory: '32Gi' }) },
    controlPlane: { k8s: { operator: { resources: resources('500m', '512Mi', { memory: '1Gi' }) } } },
  }],
  ['raft: five masters, storage and resources', { controlPlane: { mode: 'raft', raft: { replicas: 5, storage: { size: '20Gi', storageClassName: 'fast-ssd' }, resources: resources('1', '2Gi', { cpu: '2' }) } } }],
  ['raft: one master (no PDB)', { controlPlane: { mode: 'raft', raft: { replicas: 1 } } }],
  ['monitoring on', { monitoring: { enabled: true } }],
  ['monitoring: rule only, labels and runbooks', { monitoring: { enabled: true, podMonitor: false, dashboard: false, labels: { release: 'kube-prometheus-stack' }, runbookBaseUrl: 'https://wiki.example.com/quidditch' } }],
  ['monitoring: PodMonitor and dashboard', { monitoring: { enabled: true, prometheusRule: false } }],
  ['security off', { security: { nodeAdmissionPolicy: false, networkPolicies: { enabled: false } } }],
  ['raft without NetworkPolicies', { controlPlane: { mode: 'raft' }, security: { networkPolicies: { enabled: false } } }],
  ['operator flags and leader election', {
    controlPlane: { k8s: { operator: {
      leaderElection: { leaseDurationSeconds: 30, renewDeadlineSeconds: 20.5, retryPeriodSeconds: 2.5 },
      heartbeatTimeoutSeconds: 7.5, logLevel: 'debug', shardAllocationMirror: true, ownIndicesOnly: true,
      image: 'registry.example.com/quidditch/operator:1.2.3', imagePullPolicy: 'Always',
    } } },
  }],
  ['data nodes: tier, shards, image, command, storage', {
    dataNodes: {
      tier: 'warm', maxShards: 500, storage: { size: '1Ti', storageClassName: 'local-nvme' },
      image: 'ghcr.io/quidditch/quidditch-operator:0.1.0', command: ['/nodejs/bin/node', '/app/datanode-sim.js'],
    },
  }],
  ['pod settings on every component', (() => {
    const pod = (s: string) => ({
      nodeSelector: { 'node-pool': s }, tolerations: [{ key: 'dedicated', operator: 'Equal' as const, value: s, effect: 'NoSchedule' as const }],
      priorityClassName: 'high-priority', imagePullSecrets: ['registry-a', 'registry-b'], podAnnotations: { 'example.com/owner': s },
      podLabels: { team: s }, env: [{ name: 'EXTRA', value: s }], volumes: [{ name: 'certs', secret: { secretName: 'tls' } }],
      volumeMounts: [{ name: 'certs', mountPath: '/etc/certs', readOnly: true }], terminationGracePeriodSeconds: 0,
    });
    return {
      dataNodes: { ...pod('data'), serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'data@p.iam.gserviceaccount.com' } },
      controlPlane: { k8s: { operator: { ...pod('operator'), serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/op' } } } },
    };
  })()],
  ['affinity (merged with the constructs\' anti-affinity) and topology spread (replacing their zone spread)', (() => {
    const term = (key: string) => ({ labelSelector: { matchLabels: { app: key } }, topologyKey: 'kubernetes.io/hostname' });
    return {
      dataNodes: {
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['nvme'] }] }] } },
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('noisy')], preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term('batch') }] },
        },
        topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' as const }],
      },
      controlPlane: { k8s: { operator: {
        affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('gateway') }] } },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' as const }],
      } } },
    };
  })()],
  ['affinity with node affinity only (the constructs\' anti-affinity stays)', { dataNodes: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'pool', operator: 'Exists' }] } }] } } } }],
  ['raft: masters\' affinity and topology spread', { controlPlane: { mode: 'raft', raft: {
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'master' } } }] } },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' as const }],
  } } }],
  ['raft pod settings', { controlPlane: { mode: 'raft', raft: { nodeSelector: { pool: 'masters' }, podLabels: { team: 'm' }, env: [{ name: 'X', value: '1' }], terminationGracePeriodSeconds: 120 } } }],
  ['gRPC in plaintext (development only)', { security: { insecurePlaintextGrpc: true } }],
  ['gRPC certificates from cert-manager, a ClusterIssuer, one-day certificates', { security: { certManager: { enabled: true, issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } }, certificateValiditySeconds: 86400 } }],
  ['gRPC certificates from cert-manager, an issuer of another API group', { security: { certManager: { enabled: true, issuerRef: { name: 'vault', group: 'cert-manager.example.com' } } } }],
  ['gRPC certificates from cert-manager with the constructs\' own CA issuer', { security: { certManager: { enabled: true } } }],
  ['operator-managed CA with one-hour certificates', { security: { certificateValiditySeconds: 3600 } }],
  ['NetworkPolicies: routing clients from every namespace, metrics scrapers by pod label, egress unrestricted', {
    security: { networkPolicies: { routingClients: { namespaceLabels: {} }, metricsScrapers: { podLabels: { app: 'prometheus' } }, restrictEgress: false } },
  }],
  ['NetworkPolicies: peers by namespace and pod labels, the API server\'s addresses and port', {
    security: { networkPolicies: {
      routingClients: { namespaceLabels: { team: 'search' }, podLabels: { role: 'gateway' } },
      metricsScrapers: { namespaceLabels: { 'kubernetes.io/metadata.name': 'observability' }, podLabels: {} },
      apiServer: { cidrs: ['10.0.0.1/32', 'fd00::1/128'], ports: [6443] },
    } },
  }],
  ['raft: routing clients by pod label, egress unrestricted', { controlPlane: { mode: 'raft' }, security: { networkPolicies: { routingClients: { podLabels: { app: 'search-ui' } }, restrictEgress: false } } }],
  ['cert-manager, egress unrestricted and API server addresses together', {
    security: { certManager: { enabled: true, issuerRef: { name: 'corp-ca' } }, networkPolicies: { restrictEgress: false, apiServer: { cidrs: ['192.168.0.0/16'] } } },
  }],
  ['migration add-masters', { migration: 'add-masters' }],
  ['migration read-only', { migration: 'read-only' }],
  ['migration export', { migration: 'export' }],
  ['migration switch-data-nodes', { migration: 'switch-data-nodes' }],
  ['migration complete (raft mode)', { controlPlane: { mode: 'raft' }, migration: 'complete' }],
  ['migration add-masters with one master (no masters\' PDB)', { migration: 'add-masters', controlPlane: { raft: { replicas: 1 } } }],
  ['migration switch-data-nodes with plaintext gRPC', { migration: 'switch-data-nodes', security: { insecurePlaintextGrpc: true } }],
  ['migration export with cert-manager, one operator replica and unrestricted egress', {
    migration: 'export', controlPlane: { k8s: { operator: { replicas: 1 } } },
    security: { certManager: { enabled: true }, networkPolicies: { restrictEgress: false } },
  }],
  ['migration read-only with cert-manager and an issuer', { migration: 'read-only', security: { certManager: { enabled: true, issuerRef: { name: 'corp-ca' } } } }],
  ['the index-finalizer admission policy (v1beta1) for every index in the namespace', { controlPlane: { k8s: { operator: { finalizerAdmissionPolicy: 'v1beta1' } } } }],
  ['the index-finalizer admission policy (v1) for the cluster\'s own indices, with labels', { labels: { team: 'search' }, controlPlane: { k8s: { operator: { finalizerAdmissionPolicy: 'v1', ownIndicesOnly: true } } } }],
  ['the index-finalizer admission policy at migration read-only (kept)', { migration: 'read-only', controlPlane: { k8s: { operator: { finalizerAdmissionPolicy: 'v1beta1' } } } }],
  ['the index-finalizer admission policy at migration export (left out)', { migration: 'export', controlPlane: { k8s: { operator: { finalizerAdmissionPolicy: 'v1beta1' } } } }],
  ['the index-finalizer admission policy in raft mode (left out)', { controlPlane: { mode: 'raft', k8s: { operator: { finalizerAdmissionPolicy: 'v1' } } } }],
  ['name and labels (cluster labels win over pod labels, as in the constructs)', { name: 'search', labels: { team: 'search', env: 'prod' }, dataNodes: { podLabels: { team: 'data' } } }],
];

describe('the chart and the constructs for the same values', () => {
  it.each(VALUE_SETS)('%s: the same objects', async (_, values) => {
    const release = { name: 'quidditch', namespace: 'search' };
    await expectSameObjects(release, values, synthesizeClusterManifests(valuesToProps(values, release)));
  });
});

describe('bad values', () => {
  it.each([
    ['controlPlane.mode=etcd', ['--set', 'controlPlane.mode=etcd'], /at '\/controlPlane\/mode': value must be one of 'k8s', 'raft', 'auto'/],
    ['controlPlane.raft.replicas=4', ['--set', 'controlPlane.raft.replicas=4'], /controlPlane\.raft\.replicas = 4: must be an odd positive integer/],
    ['a negative data-node count', ['--set', 'dataNodes.replicas=-1'], /dataNodes\/replicas/],
    ['a zero cpu request', ['--set', 'dataNodes.resources.requests.cpu=0'], /at '\/dataNodes\/resources\/requests\/cpu': exclusiveMinimum: got 0, want 0/],
    ['a memory request that is not a quantity', ['--set', 'dataNodes.resources.requests.memory=lots'], /dataNodes\/resources\/requests\/memory.*does not match pattern/s],
    ['an untagged image', ['--set', 'controlPlane.k8s.operator.image=nginx'], /controlPlane\/k8s\/operator\/image.*does not match pattern/s],
    ['a StorageClass that is not a DNS name', ['--set', 'dataNodes.storage.storageClassName=Fast_SSD'], /dataNodes\/storage\/storageClassName/],
    ['a misspelt key', ['--set', 'dataNodes.replica=3'], /at '\/dataNodes': additional properties 'replica' not allowed/],
    ['the mode\'s control plane disabled', ['--set', 'controlPlane.k8s.enabled=false'], /controlPlane\.k8s\.enabled = false: mode k8s runs this control plane/],
    ['monitoring in raft mode', ['--set', 'controlPlane.mode=raft', '--set', 'monitoring.enabled=true'], /monitoring\.enabled = true: needs mode k8s/],
    ['a lease shorter than the renew deadline', ['--set', 'controlPlane.k8s.operator.leaderElection.leaseDurationSeconds=5'], /leaseDurationSeconds = 5: must be greater than renewDeadlineSeconds/],
    ['a topology spread constraint without maxSkew', ['--set', 'dataNodes.topologySpreadConstraints[0].topologyKey=zone,dataNodes.topologySpreadConstraints[0].whenUnsatisfiable=DoNotSchedule'], /dataNodes\/topologySpreadConstraints\/0.*maxSkew/s],
    ['a topology spread constraint with a bad whenUnsatisfiable', ['--set', 'controlPlane.raft.topologySpreadConstraints[0].maxSkew=1,controlPlane.raft.topologySpreadConstraints[0].topologyKey=zone,controlPlane.raft.topologySpreadConstraints[0].whenUnsatisfiable=Never'], /controlPlane\/raft\/topologySpreadConstraints\/0\/whenUnsatisfiable/],
    ['an unknown affinity field', ['--set', 'controlPlane.k8s.operator.affinity.nodeAffinty.x=1'], /controlPlane\/k8s\/operator\/affinity': additional properties 'nodeAffinty' not allowed/],
    ['an env variable the constructs set', ['--set', 'dataNodes.env[0].name=POD_NAME,dataNodes.env[0].value=x'], /dataNodes\.env\[0\]\.name = POD_NAME: is set by the constructs/],
    ['an env variable given twice', ['--set', 'controlPlane.k8s.operator.env[0].name=A,controlPlane.k8s.operator.env[1].name=A'], /controlPlane\.k8s\.operator\.env\[1\]\.name = A: is given twice/],
    ['a volume named like the constructs\' own', ['--set', 'controlPlane.raft.volumes[0].name=data,controlPlane.raft.volumes[0].emptyDir.medium=Memory'], /controlPlane\.raft\.volumes\[0\]\.name = data: is a volume of the constructs \(tmp, data\)/],
    ['a volume given twice', ['--set', 'dataNodes.volumes[0].name=v,dataNodes.volumes[0].emptyDir.medium=Memory,dataNodes.volumes[1].name=v,dataNodes.volumes[1].emptyDir.medium=Memory'], /dataNodes\.volumes\[1\]\.name = v: is given twice/],
    ['a mount of a volume not given', ['--set', 'dataNodes.volumeMounts[0].name=certs,dataNodes.volumeMounts[0].mountPath=/etc/certs'], /dataNodes\.volumeMounts\[0\]\.name = certs: must name one of dataNodes\.volumes \(none given\)/],
    ['a mount over the constructs\' /tmp', ['--set', 'dataNodes.volumes[0].name=v,dataNodes.volumes[0].emptyDir.medium=Memory,dataNodes.volumeMounts[0].name=v,dataNodes.volumeMounts[0].mountPath=/tmp/'], /dataNodes\.volumeMounts\[0\]\.mountPath = \/tmp\/: must be an absolute path other than \/tmp and \/var\/lib\/quidditch/],
    ['a toleration with a value and operator Exists', ['--set', 'dataNodes.tolerations[0].key=k,dataNodes.tolerations[0].operator=Exists,dataNodes.tolerations[0].value=v'], /dataNodes\/tolerations\/0\/value': value must be ''/],
    ['a toleration with an unknown effect', ['--set', 'dataNodes.tolerations[0].key=k,dataNodes.tolerations[0].effect=NoRun'], /dataNodes\/tolerations\/0\/effect': value must be one of/],
    ['migration complete in k8s mode', ['--set', 'migration=complete'], /controlPlane\.mode = k8s: must be raft during migration step complete \(the masters own the state once it is complete\)/],
    ['migration export in raft mode', ['--set', 'migration=export,controlPlane.mode=raft'], /controlPlane\.mode = raft: must be k8s during migration step export/],
    ['an unknown migration step', ['--set', 'migration=copy'], /at '\/migration': value must be one of '', 'add-masters'/],
    ['plaintext gRPC with cert-manager', ['--set', 'security.insecurePlaintextGrpc=true,security.certManager.enabled=true'], /security\.certManager\.enabled = true: cannot be set with insecurePlaintextGrpc: true/],
    ['an issuer without cert-manager', ['--set', 'security.certManager.issuerRef.name=corp-ca'], /security\.certManager\.issuerRef\.name = corp-ca: needs security\.certManager\.enabled=true/],
    ['an issuer kind that is neither Issuer nor ClusterIssuer', ['--set', 'security.certManager.enabled=true,security.certManager.issuerRef.name=a,security.certManager.issuerRef.kind=Vault'], /security\/certManager\/issuerRef\/kind': value must be one of 'Issuer', 'ClusterIssuer'/],
    ['certificates valid for less than an hour', ['--set', 'security.certificateValiditySeconds=60'], /security\/certificateValiditySeconds': minimum: got 60, want 3,600/],
    ['an API server address that is not a CIDR', ['--set', 'security.networkPolicies.apiServer.cidrs={10.0.0.1}'], /security\/networkPolicies\/apiServer\/cidrs\/0.*does not match pattern/s],
    ['no API server port', ['--set-json', 'security.networkPolicies.apiServer.ports=[]'], /security\/networkPolicies\/apiServer\/ports': minItems: got 0, want 1/],
    ['a routing-client label that is not a label value', ['--set', 'security.networkPolicies.routingClients.podLabels.app=a b'], /security\/networkPolicies\/routingClients\/podLabels\/app.*does not match pattern/s],
    ['a misspelt peer field', ['--set', 'security.networkPolicies.metricsScrapers.namespaceLabel.x=y'], /metricsScrapers': additional properties 'namespaceLabel' not allowed/],
    ['an unknown admission policy version', ['--set', 'controlPlane.k8s.operator.finalizerAdmissionPolicy=v2'], /controlPlane\/k8s\/operator\/finalizerAdmissionPolicy': value must be one of '', 'v1', 'v1beta1'/],
    ['a name too long for the derived names', ['--set', `name=${'a'.repeat(46)}`], /at '\/name': maxLength: got 46, want 45/],
  ])('%s fails helm template with a message naming it', async (_, args, message) => {
    const result = await helmTemplate(chart, { name: 'quidditch', namespace: 'search' }, undefined, args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('a release name that cannot be the cluster name fails with the constructs\' rule', async () => {
    // Helm accepts release names of up to 53 characters; the derived object names need at most 45.
    const result = await helmTemplate(chart, { name: 'a'.repeat(50), namespace: 'search' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Unable to render QuidditchCluster ${'a'.repeat(50)}: name = "${'a'.repeat(50)}": must be a DNS-1035 label`);
  });
});
