/**
 * Pulumi Inputs in a real `pulumi up` against the shared kube-apiserver: the namespace is the name
 * of a Namespace the same stack creates, and pod settings come from other resources' outputs (a
 * pull Secret's name, annotations of that Namespace set from stack config). The objects the API server
 * holds are the ones cdk8s renders from the resolved values; changing an upstream value updates only
 * the objects that use it; an invalid resolved value fails the update with the model's message and
 * leaves every object as it was (that `up` runs outside jest, in inputs-up.ts).
 *
 * `crds: false` (the global setup installed them) and no admission policy keep this stack off the
 * cluster-wide objects other test files rely on.
 */
import { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { EngineEvent, OpMap, Stack } from '@pulumi/pulumi/automation';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import type { QuidditchClusterProps } from '../../../lib/model/props';
import { deleteNamespace, testKubeConfig, uniqueName } from '../../support/kube';
import { IMAGES, inputsStack, ROLE } from './inputs-stack';
import { pulumiBinDir } from './pulumi-binaries';
import { runCommand } from '../../support/run-command';

type Obj = KubernetesObject & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };

const NS = uniqueName('pulumi-inputs');
const STEP_TIMEOUT_MS = 10 * 60_000;

/** The same cluster with every Input at its value: what the API server should hold. */
const plainProps = (pool: string): QuidditchClusterProps => ({
  namespace: NS,
  crds: false,
  security: { nodeAdmissionPolicy: false },
  labels: { team: 'search' },
  dataNodes: {
    replicas: 2,
    image: IMAGES.dataNode,
    nodeSelector: { 'node-pool': pool },
    imagePullSecrets: ['registry-credentials'],
    serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': ROLE },
    env: [{ name: 'NODE_POOL', value: pool }],
  },
  operator: { image: IMAGES.operator, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'search', effect: 'NoSchedule' }] },
});

let tmp: string;
let stack: Stack;
let objects: KubernetesObjectApi;
let log = '';
/** Engine output: kept for afterAll, or streamed with QUIDDITCH_PULUMI_LOG=stream. */
const out = (o: string) => {
  log += o;
  if (process.env.QUIDDITCH_PULUMI_LOG === 'stream') process.stderr.write(o);
};

const changes = (ops: OpMap | undefined) => Object.fromEntries(Object.entries(ops ?? {}).filter(([op, n]) => op !== 'same' && (n ?? 0) > 0));
function stepsOf(events: EngineEvent[]): string[] {
  return events
    .map((e) => e.resOutputsEvent?.metadata)
    .filter((m): m is NonNullable<typeof m> => m !== undefined && m.op !== 'same')
    .map((m) => `${m.op} ${m.type}`)
    .sort();
}
const live = (o: Obj) => objects.read<Obj>({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } });

beforeAll(async () => {
  const binDir = pulumiBinDir();
  const kc = testKubeConfig();
  objects = KubernetesObjectApi.makeApiClient(kc);
  const kubeconfig = readFileSync(process.env.QUIDDITCH_TEST_KUBECONFIG as string, 'utf8');
  tmp = mkdtempSync(join(tmpdir(), 'quidditch-pulumi-inputs-'));
  mkdirSync(join(tmp, 'cli'));
  mkdirSync(join(tmp, 'state'));
  symlinkSync(binDir, join(tmp, 'cli', 'bin'));
  stack = await inputsStack(tmp, kubeconfig, NS, true);
  await stack.setConfig('pool', { value: 'pool-a' });
}, 60 * 60_000);

afterAll(async () => {
  if (process.env.QUIDDITCH_PULUMI_LOG === '1') process.stderr.write(log);
  await deleteNamespace(NS);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('pulumi up with Input props', () => {
  const expectedFor = (pool: string) => synthesizeClusterManifests(plainProps(pool), 'search') as Obj[];
  // The cluster's objects, the Namespace and Secret, the component, the provider and the stack.
  const total = expectedFor('pool-a').length + 5;

  it('previews every object while the namespace is still unknown', async () => {
    const preview = await stack.preview({ onOutput: out });
    expect(changes(preview.changeSummary)).toEqual({ create: total });
  }, STEP_TIMEOUT_MS);

  it('creates the objects cdk8s renders from the resolved values, in the namespace of the stack\'s Namespace', async () => {
    const up = await stack.up({ onOutput: out });
    expect(changes(up.summary.resourceChanges)).toEqual({ create: total });
    expect(up.outputs.routingEndpoint.value).toBe(`https://search-operator.${NS}.svc:8080`);
    for (const o of expectedFor('pool-a')) {
      const found = await live(o);
      expect({ kind: o.kind, name: o.metadata.name, namespace: found.metadata.namespace, labels: found.metadata.labels })
        .toEqual({ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, labels: o.metadata.labels });
      if (o.kind === 'StatefulSet' || o.kind === 'Deployment') {
        const pod = (x: Obj) => (x.spec as { template: { spec: Record<string, unknown> } }).template.spec;
        expect(pod(found)).toMatchObject(pod(o));
      }
      if (o.kind === 'ServiceAccount') expect(found.metadata.annotations).toEqual({ ...o.metadata.annotations, 'pulumi.com/deletionPropagationPolicy': 'background' });
    }
  }, STEP_TIMEOUT_MS);

  it('changes nothing when run again', async () => {
    const preview = await stack.preview({ onOutput: out });
    expect(changes(preview.changeSummary)).toEqual({});
  }, STEP_TIMEOUT_MS);

  it('updates only the Namespace and the data nodes when the upstream value changes', async () => {
    await stack.setConfig('pool', { value: 'pool-b' });
    const events: EngineEvent[] = [];
    const up = await stack.up({ onEvent: (e) => events.push(e), onOutput: out });
    expect(stepsOf(events)).toEqual(['update kubernetes:apps/v1:StatefulSet', 'update kubernetes:core/v1:Namespace']);
    expect(changes(up.summary.resourceChanges)).toEqual({ update: 2 });
    const sts = await live(expectedFor('pool-b').find((o) => o.kind === 'StatefulSet') as Obj);
    expect((sts.spec as { template: { spec: { nodeSelector: unknown } } }).template.spec.nodeSelector).toEqual({ 'node-pool': 'pool-b' });
  }, STEP_TIMEOUT_MS);

  it('fails the update with the model\'s message when a resolved value is invalid, and changes or deletes no object of the cluster', async () => {
    await stack.setConfig('pool', { value: 'Not a label!' });
    const run = await runCommand(process.execPath, ['--import', 'tsx', resolve(__dirname, 'inputs-up.ts'), tmp, process.env.QUIDDITCH_TEST_KUBECONFIG as string, NS]);
    out(run.stderr);
    const result = JSON.parse(run.stdout.trim().split('\n').pop() as string) as { ok: boolean; error?: string };
    expect(result.ok).toBe(false);
    expect(result.error).toContain('Unable to synthesize QuidditchCluster search: 1 invalid prop. Fix:');
    expect(result.error).toMatch(/dataNodes\.nodeSelector\[\\?"node-pool\\?"\] = \\?"Not a label!\\?": must be a label value/);
    for (const o of expectedFor('pool-b')) expect(await live(o).then(() => `${o.kind} ${o.metadata.name}`, () => 'gone')).toBe(`${o.kind} ${o.metadata.name}`);
    const sts = await live(expectedFor('pool-b').find((o) => o.kind === 'StatefulSet') as Obj);
    expect((sts.spec as { template: { spec: { nodeSelector: unknown } } }).template.spec.nodeSelector).toEqual({ 'node-pool': 'pool-b' });
  }, STEP_TIMEOUT_MS);

  it('removes every object on destroy', async () => {
    const destroy = await stack.destroy({ onOutput: out });
    expect(changes(destroy.summary.resourceChanges)).toEqual({ delete: total });
    const left: string[] = [];
    for (const o of expectedFor('pool-b')) if (await live(o).then(() => true, () => false)) left.push(`${o.kind} ${o.metadata.name}`);
    expect(left).toEqual([]);
  }, STEP_TIMEOUT_MS);
});
