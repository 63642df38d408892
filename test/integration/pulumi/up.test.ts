/**
 * The real `pulumi up`: the Pulumi CLI and the Kubernetes provider (built from Go modules, see
 * scripts/build-pulumi.sh) deploy the program behind Pulumi.yaml to a real kube-apiserver + etcd.
 * The program runs inline through the Automation API, whose in-process language server the CLI
 * reaches with --client, so no Node.js language-host binary is needed.
 *
 * This file starts its own control plane: the stack creates and destroys the CRDs, which the
 * shared one holds for every other test file.
 */
import { KubernetesObject, KubernetesObjectApi, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import * as k8s from '@pulumi/kubernetes';
import { EngineEvent, LocalWorkspace, OpMap, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import { QuidditchIndex } from '../../../lib/pulumi/index-resource';
import { declareCluster, programOutputs } from '../../../lib/pulumi/program';
import { ControlPlane } from '../../support/control-plane';
import { whileNudgingStalledCrdFinalizers } from './crd-finalizer-nudge';
import { pulumiBinDir } from './pulumi-binaries';

type Obj = KubernetesObject & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

const REPO = resolve(__dirname, '..', '..', '..');
const NAMESPACE = 'pulumi-up';
/** One engine run on a loaded 2-core machine; each test is one or two runs. */
const STEP_TIMEOUT_MS = 10 * 60_000;
const CLUSTER = 'search';
const IMAGES = { operator: 'registry.example/quidditch-operator:0.1.0', dataNode: 'registry.example/quidditch-datanode:0.1.0' };
const props = (replicas: number) => ({ mode: 'k8s' as const, namespace: NAMESPACE, dataNodes: { replicas, image: IMAGES.dataNode }, operator: { image: IMAGES.operator } });

let cp: ControlPlane | undefined;
let tmp: string;
let stack: Stack;
let objects: KubernetesObjectApi;
let kc: KubeConfig;
let log = '';

/** Ops the engine performed (or would perform, in a preview), keyed by `<op> <type>`. */
function stepsOf(events: EngineEvent[]): string[] {
  return events
    .map((e) => e.resOutputsEvent?.metadata ?? e.resourcePreEvent?.metadata)
    .filter((m): m is NonNullable<typeof m> => m !== undefined && m.op !== 'same')
    .map((m) => `${m.op} ${m.type}`);
}

const changes = (ops: OpMap | undefined) => Object.fromEntries(Object.entries(ops ?? {}).filter(([op, n]) => op !== 'same' && (n ?? 0) > 0));

async function read(o: Obj): Promise<Obj | undefined> {
  try {
    return await objects.read<Obj>({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

async function configure(replicas: number, extra: Record<string, { value: string }> = {}): Promise<void> {
  await stack.setAllConfig({
    ...extra,
    'quidditch:name': { value: CLUSTER },
    'quidditch:mode': { value: 'k8s' },
    'quidditch:namespace': { value: NAMESPACE },
    'quidditch:dataNodeReplicas': { value: String(replicas) },
    'quidditch:dataNodeImage': { value: IMAGES.dataNode },
    'quidditch:operatorImage': { value: IMAGES.operator },
    // No kubelet or garbage collector runs next to this API server.
    'quidditch:skipAwait': { value: 'true' },
    'quidditch:deletionPropagation': { value: 'background' },
  });
}

beforeAll(async () => {
  const binDir = pulumiBinDir();
  cp = await ControlPlane.start();
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  objects = KubernetesObjectApi.makeApiClient(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });

  tmp = mkdtempSync(join(tmpdir(), 'quidditch-pulumi-'));
  // The real project file, so the CLI checks it (config types and defaults, `main` exists).
  copyFileSync(join(REPO, 'Pulumi.yaml'), join(tmp, 'Pulumi.yaml'));
  symlinkSync(join(REPO, 'apps'), join(tmp, 'apps'));
  const kubeconfig = readFileSync(cp.kubeconfigPath, 'utf8');
  // PulumiCommand wants <root>/bin/pulumi; it puts that directory first on the CLI's PATH, which
  // is where the CLI then finds pulumi-resource-kubernetes (an "ambient" plugin).
  mkdirSync(join(tmp, 'cli'));
  mkdirSync(join(tmp, 'state'));
  symlinkSync(binDir, join(tmp, 'cli', 'bin'));
  const pulumiCommand = await PulumiCommand.get({ root: join(tmp, 'cli'), skipVersionCheck: true });
  stack = await LocalWorkspace.createStack(
    {
      stackName: 'integration',
      projectName: 'quidditch',
      // The program of Pulumi.yaml, plus an index: a custom resource whose CRD the same stack creates.
      program: () => {
        // PulumiFn must return a promise; the program itself is synchronous.
        const provider = new k8s.Provider('test-cluster', { kubeconfig });
        const cluster = declareCluster({ providers: [provider] });
        new QuidditchIndex('logs', { cluster, shards: 2, replicas: 1 }, { provider });
        return Promise.resolve(programOutputs(cluster));
      },
    },
    {
      workDir: tmp,
      pulumiHome: join(tmp, 'home'),
      pulumiCommand,
      envVars: {
        PULUMI_BACKEND_URL: `file://${join(tmp, 'state')}`,
        PULUMI_CONFIG_PASSPHRASE: 'integration-test',
        PULUMI_SKIP_UPDATE_CHECK: 'true',
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      },
    },
  );
  await configure(3);
}, 60 * 60_000);

afterAll(async () => {
  if (process.env.QUIDDITCH_PULUMI_LOG) process.stderr.write(log);
  await cp?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('pulumi up against a real API server', () => {
  const index: Obj = { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'logs', namespace: NAMESPACE } };
  const expected = synthesizeClusterManifests(props(3), CLUSTER) as Obj[];
  // Every object and the index, plus the component, the provider and the stack itself.
  const total = expected.length + 4;

  it('creates every object of the chart', async () => {
    const events: EngineEvent[] = [];
    const up = await stack.up({ onEvent: (e) => events.push(e), onOutput: (o) => (log += o) });
    expect(changes(up.summary.resourceChanges)).toEqual({ create: total });
    expect(up.outputs.routingEndpoint.value).toBe(`https://${CLUSTER}-operator.${NAMESPACE}.svc:8080`);
    for (const o of expected) {
      const live = await read(o);
      expect({ kind: o.kind, name: o.metadata.name, found: live !== undefined }).toEqual({ kind: o.kind, name: o.metadata.name, found: true });
      expect(live?.metadata.labels).toEqual(o.metadata.labels);
    }
    const sts = await read(expected.find((o) => o.kind === 'StatefulSet') as Obj);
    expect((sts as unknown as { spec: { replicas: number } }).spec.replicas).toBe(3);
    expect(((await read(index)) as unknown as { spec: unknown } | undefined)?.spec).toEqual({ shards: 2, replicas: 1 });
  }, STEP_TIMEOUT_MS);

  it('changes nothing when run again', async () => {
    const preview = await stack.preview({ onOutput: (o) => (log += o) });
    expect(changes(preview.changeSummary)).toEqual({});
    const up = await stack.up({ onOutput: (o) => (log += o) });
    expect(changes(up.summary.resourceChanges)).toEqual({});
  }, STEP_TIMEOUT_MS);

  it('updates only the data-node StatefulSet when data-node replicas change', async () => {
    await configure(5);
    const previewEvents: EngineEvent[] = [];
    await stack.preview({ onEvent: (e) => previewEvents.push(e), onOutput: (o) => (log += o) });
    expect([...new Set(stepsOf(previewEvents))]).toEqual(['update kubernetes:apps/v1:StatefulSet']);

    const events: EngineEvent[] = [];
    const up = await stack.up({ onEvent: (e) => events.push(e), onOutput: (o) => (log += o) });
    expect(changes(up.summary.resourceChanges)).toEqual({ update: 1 });
    expect([...new Set(stepsOf(events))]).toEqual(['update kubernetes:apps/v1:StatefulSet']);
    const sts = await read(expected.find((o) => o.kind === 'StatefulSet') as Obj);
    expect((sts as unknown as { spec: { replicas: number } }).spec.replicas).toBe(5);
  }, STEP_TIMEOUT_MS);

  const crds = expected.filter((o) => o.kind === 'CustomResourceDefinition');
  const leftOver = async () => {
    const left: string[] = [];
    for (const o of [...expected, index]) if (await read(o)) left.push(`${o.kind} ${o.metadata.name}`);
    return left.sort();
  };

  it('removes every object on destroy but the CRDs and the index, the state it keeps by default', async () => {
    const destroy = await stack.destroy({ onOutput: (o) => (log += o) });
    expect(changes(destroy.summary.resourceChanges)).toEqual({ delete: total });
    expect(await leftOver()).toEqual([...crds.map((c) => `CustomResourceDefinition ${c.metadata.name}`), 'QuidditchIndex logs'].sort());
  }, STEP_TIMEOUT_MS);

  it('adopts the kept CRDs and index on the next up, and deletes everything on destroy with deleteCrdsOnDestroy', async () => {
    await configure(3, { 'quidditch:deleteCrdsOnDestroy': { value: 'true' } });
    const up = await stack.up({ onOutput: (o) => (log += o) });
    expect(changes(up.summary.resourceChanges)).toEqual({ create: total });
    const destroy = await whileNudgingStalledCrdFinalizers(kc, 'up.test', () => stack.destroy({ onOutput: (o) => (log += o) }));
    expect(changes(destroy.summary.resourceChanges)).toEqual({ delete: total });
    expect(await leftOver()).toEqual([]);
  }, STEP_TIMEOUT_MS);
});
