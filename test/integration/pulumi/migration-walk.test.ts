/**
 * The k8s → raft migration and its rollback, one real `pulumi up` per step (the program of
 * Pulumi.yaml, its `migration` config), on a control plane of this file's own with the operator and
 * three data-node sims running as the Deployment's and StatefulSet's pods would. 20 indices keep their
 * spec and allocations through every step and back, and no copy is created twice. Last, a destroy
 * with deleteCrdsOnDestroy removes the stack's index while the operator still runs to release its
 * finalizer, then the operator, then the CRDs (the order of the watch's DELETED events).
 *
 * What stands in for a kubelet: the operator process is stopped when a step scales its Deployment to
 * 0 and started again when the rollback scales it back; the export Job's command is run as the Job
 * would run it. The sims stay on the operator: no master binary exists in this repository, so the
 * `switch-data-nodes` step is checked on the StatefulSet it renders, not on running masters.
 */
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import * as k8s from '@pulumi/kubernetes';
import { LocalWorkspace, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { INITIAL_STATE_KEY, parseClusterState, QuidditchIndex } from '../../../lib/api/v1';
import type { MigrationStep } from '../../../lib/model/migration';
import { QuidditchIndex as PulumiQuidditchIndex } from '../../../lib/pulumi/index-resource';
import { declareCluster, programOutputs } from '../../../lib/pulumi/program';
import { creationCounts, createIndices, duplicates, indexNames, listIndices, startPrivateControlPlane, PrivateControlPlane, waitAllActive, waitAllGone } from '../../faults/support';
import { waitFor } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import { runOperatorCommand } from '../../support/run-command';
import { Cluster } from '../operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../operator/harness';
import { whileNudgingStalledCrdFinalizers } from './crd-finalizer-nudge';
import { pulumiBinDir } from './pulumi-binaries';

const REPO = resolve(__dirname, '..', '..', '..');
const NS = 'walk';
const STEP_TIMEOUT_MS = 10 * 60_000;
const INDICES = indexNames('walk', 20);
/** Declared in the stack (the rest come from the API, as apps create them). */
const STACK_INDEX = 'stack-index';
const ALL = [...INDICES, STACK_INDEX];
const IMAGES = { operator: 'registry.example/quidditch-operator:0.1.0', dataNode: 'registry.example/quidditch-datanode:0.1.0', master: 'registry.example/quidditch-master:0.1.0' };

let pcp: PrivateControlPlane;
let kc: KubeConfig;
let stack: Stack;
let tmp: string;
let cluster: Cluster;
let sims: SimProcess[];
let operator: OperatorProcess | undefined;
let baseline: ReturnType<typeof essence>;
let log = '';

const essence = (indices: readonly QuidditchIndex[]) =>
  indices
    .map((i) => ({ name: i.metadata.name, spec: i.spec, allocations: [...(i.status?.shardAllocations ?? [])].map((a) => `${a.shardId}/${a.primary ? 'p' : 'r'}@${a.nodeId}`).sort() }))
    .sort((a, b) => a.name!.localeCompare(b.name!));

/** Whether the stack's config holds a migration step (so the step back to none removes it). */
let migrationSet = false;

/** One `pulumi up` at a step: one config write (mode and step), a removal only when leaving the migration. */
async function up(step?: MigrationStep): Promise<void> {
  // Every Pulumi CLI call is a process of its own (~0.5 s of CPU here), so config is written once per step.
  await stack.setAllConfig({ 'quidditch:mode': { value: step === 'complete' ? 'raft' : 'k8s' }, ...(step ? { 'quidditch:migration': { value: step } } : {}) });
  if (!step && migrationSet) await stack.removeConfig('quidditch:migration');
  migrationSet = step !== undefined;
  await stack.up({ onOutput: (o) => (log += o) });
}

const get = async (path: string) => {
  const res = await rawRequest(kc, { method: 'GET', path });
  return res.status === 200 ? (JSON.parse(res.body) as Record<string, any>) : undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const operatorReplicas = async () => (await get(`/apis/apps/v1/namespaces/${NS}/deployments/search-operator`))?.spec.replicas as number | undefined;
const patchReplicas = (name: string, replicas: number) =>
  rawRequest(kc, { method: 'PATCH', path: `/apis/quidditch.io/v1/namespaces/${NS}/quidditchindices/${name}`, body: JSON.stringify({ spec: { replicas } }), contentType: 'application/merge-patch+json' });

const startOperator = () => OperatorProcess.start({ namespace: NS, args: ['--lease-name=search-operator', '--resync-period=30'] });

async function expectStateUnchanged(): Promise<void> {
  expect(essence(await listIndices(cluster))).toEqual(baseline);
}

beforeAll(async () => {
  const binDir = pulumiBinDir();
  pcp = await startPrivateControlPlane();
  kc = new KubeConfig();
  kc.loadFromFile(pcp.cp.kubeconfigPath);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  cluster = new Cluster(NS);
  tmp = mkdtempSync(join(tmpdir(), 'quidditch-walk-'));
  copyFileSync(join(REPO, 'Pulumi.yaml'), join(tmp, 'Pulumi.yaml'));
  symlinkSync(join(REPO, 'apps'), join(tmp, 'apps'));
  mkdirSync(join(tmp, 'cli'));
  mkdirSync(join(tmp, 'state'));
  symlinkSync(binDir, join(tmp, 'cli', 'bin'));
  const kubeconfig = readFileSync(pcp.cp.kubeconfigPath, 'utf8');
  const pulumiCommand = await PulumiCommand.get({ root: join(tmp, 'cli'), skipVersionCheck: true });
  stack = await LocalWorkspace.createStack(
    {
      stackName: 'walk',
      projectName: 'quidditch',
      program: () => {
        const provider = new k8s.Provider('test-cluster', { kubeconfig });
        const declared = declareCluster({ providers: [provider] });
        new PulumiQuidditchIndex(STACK_INDEX, { cluster: declared, shards: 1, replicas: 0 }, { provider });
        return Promise.resolve(programOutputs(declared));
      },
    },
    {
      workDir: tmp,
      pulumiHome: join(tmp, 'home'),
      pulumiCommand,
      envVars: { PULUMI_BACKEND_URL: `file://${join(tmp, 'state')}`, PULUMI_CONFIG_PASSPHRASE: 'integration-test', PULUMI_SKIP_UPDATE_CHECK: 'true', PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true' },
    },
  );
  await stack.setAllConfig({
    'quidditch:name': { value: 'search' },
    'quidditch:namespace': { value: NS },
    'quidditch:dataNodeImage': { value: IMAGES.dataNode },
    'quidditch:operatorImage': { value: IMAGES.operator },
    'quidditch:masterImage': { value: IMAGES.master },
    'quidditch:skipAwait': { value: 'true' },
    'quidditch:deletionPropagation': { value: 'background' },
  });
}, 60 * 60_000);

afterAll(async () => {
  if (process.env.QUIDDITCH_PULUMI_LOG) process.stderr.write(log);
  await stopAll();
  await pcp?.release();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('k8s → raft → k8s through the Pulumi program, one up per step', () => {
  it('k8s mode: 20 indices placed by the operator on three data nodes', async () => {
    await up();
    sims = await Promise.all(['data-0', 'data-1', 'data-2'].map((name) => SimProcess.start({ name, namespace: NS })));
    operator = await startOperator();
    await createIndices(cluster, INDICES, 2, 1);
    baseline = essence(await waitAllActive(cluster, ALL, 180_000));
    expect(baseline.filter((i) => i.name !== STACK_INDEX).every((i) => i.allocations.length === 4)).toBe(true);
  }, STEP_TIMEOUT_MS);

  it('add-masters: the masters join beside the running operator', async () => {
    await up('add-masters');
    expect(await get(`/apis/apps/v1/namespaces/${NS}/statefulsets/search-master`)).toBeDefined();
    expect(await operatorReplicas()).toBe(2);
    await expectStateUnchanged();
  }, STEP_TIMEOUT_MS);

  it('read-only: writes to an index are rejected with the migration message', async () => {
    await up('read-only');
    const rejected = await waitFor(async () => {
      const res = await patchReplicas(INDICES[0], 1); // a no-op change while writes are still allowed
      return res.status !== 200 ? res : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250, description: 'the policy to reject a write' });
    expect(rejected.status).toBe(403);
    expect(rejected.body).toContain("is migrating from k8s to raft mode (step read-only)");
    expect(rejected.body).toContain("roll back by applying the cluster with migration: 'add-masters'");
    expect((await patchReplicas(INDICES[0], 2)).status).toBe(403);
    await expectStateUnchanged();
  }, STEP_TIMEOUT_MS);

  it('export: the operator is scaled to 0 and the state lands in the masters\' ConfigMap', async () => {
    await up('export');
    expect(await operatorReplicas()).toBe(0);
    expect((await get(`/apis/batch/v1/namespaces/${NS}/jobs/search-state-export`))?.spec.template.spec.containers[0].args)
      .toEqual(['export', `--namespace=${NS}`, '--configmap=search-initial-state', '--wait-for-lease=search-operator']);
    await operator!.stop(); // what the kubelet does for replicas: 0 (the lease is released on SIGTERM)
    operator = undefined;
    const job = await runOperatorCommand(['export', `--namespace=${NS}`, '--configmap=search-initial-state', '--wait-for-lease=search-operator'], '', pcp.cp.kubeconfigPath);
    expect({ code: job.code, stderr: job.stderr }).toEqual({ code: 0, stderr: '' });
    const cm = await get(`/api/v1/namespaces/${NS}/configmaps/search-initial-state`);
    const state = parseClusterState(JSON.parse(cm?.data[INITIAL_STATE_KEY]));
    expect(state.indices.map((i) => ({ name: i.name, spec: i.spec, allocations: i.status.shardAllocations.map((a) => `${a.shardId}/${a.primary ? 'p' : 'r'}@${a.nodeId}`).sort() }))).toEqual(baseline);
    await expectStateUnchanged();
  }, STEP_TIMEOUT_MS);

  it('switch-data-nodes: the data nodes are rendered against the masters', async () => {
    await up('switch-data-nodes');
    const env = (await get(`/apis/apps/v1/namespaces/${NS}/statefulsets/search-data`))?.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    expect(env.find((e) => e.name === 'QUIDDITCH_CONTROL_PLANE_MODE')?.value).toBe('raft');
    expect(env.find((e) => e.name === 'QUIDDITCH_MASTER_ENDPOINTS')?.value).toContain('search-master-0.search-master-headless');
    await expectStateUnchanged();
  }, STEP_TIMEOUT_MS);

  it('complete (mode raft): the operator is gone, the CRDs and every index stay, still read-only', async () => {
    await up('complete');
    expect(await get(`/apis/apps/v1/namespaces/${NS}/deployments/search-operator`)).toBeUndefined();
    expect(await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/quidditchindices.quidditch.io')).toBeDefined();
    expect((await patchReplicas(INDICES[1], 2)).status).toBe(403);
    await expectStateUnchanged();
  }, STEP_TIMEOUT_MS);

  it('rolls back step by step to k8s mode: the operator resumes from the CRDs, nothing created twice', async () => {
    for (const step of ['switch-data-nodes', 'export', 'read-only'] as const) {
      await up(step);
      await expectStateUnchanged();
    }
    expect(await operatorReplicas()).toBe(2);
    operator = await startOperator(); // the Deployment is back at 2 replicas
    await up('add-masters');
    await waitFor(async () => ((await patchReplicas(INDICES[0], 1)).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 250, description: 'writes to be accepted again' });
    await up();
    expect(await get(`/apis/apps/v1/namespaces/${NS}/statefulsets/search-master`)).toBeUndefined();
    const after = essence(await waitAllActive(cluster, ALL, 120_000));
    expect(after).toEqual(baseline);
    expect(duplicates(await creationCounts(sims, NS))).toEqual({});
    let created = 0;
    for (const sim of sims) created += (await sim.stats()).stats.createEffective;
    expect(created).toBe(81);
  }, STEP_TIMEOUT_MS);

  it('destroy with deleteCrdsOnDestroy: the stack index goes while the operator runs (finalizer released), then the operator, then the CRDs', async () => {
    // Indices created outside the stack are deleted first, while the operator runs (README, Pulumi).
    await Promise.all(INDICES.map((name) => cluster.indices.delete(NS, name)));
    await waitAllGone(cluster, INDICES, 120_000);
    expect((await cluster.index(STACK_INDEX)).metadata.finalizers).toContain('quidditch.io/index-protection');
    await stack.setConfig('quidditch:deleteCrdsOnDestroy', { value: 'true' });
    await stack.up({ onOutput: (o) => (log += o) });

    const deleted: string[] = [];
    const watches = await Promise.all([
      `/apis/quidditch.io/v1/namespaces/${NS}/quidditchindices`,
      `/apis/apps/v1/namespaces/${NS}/deployments`,
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    ].map((path) => new Watch(kc).watch(path, {}, (type, obj: { kind?: string; metadata?: { name?: string } }) => {
      if (type === 'DELETED') deleted.push(`${obj.kind} ${obj.metadata?.name}`);
    }, () => undefined)));
    try {
      await whileNudgingStalledCrdFinalizers(kc, 'migration-walk', async () => {
        await stack.destroy({ onOutput: (o) => (log += o) });
        await waitFor(() => deleted.filter((d) => d.startsWith('CustomResourceDefinition')).length === 3, { timeoutMs: 30_000, description: 'the three CRDs to be deleted' });
      });
    } finally {
      for (const w of watches) w.abort();
    }
    const at = (what: string) => deleted.indexOf(what);
    expect(at(`QuidditchIndex ${STACK_INDEX}`)).toBeGreaterThanOrEqual(0);
    expect(at(`QuidditchIndex ${STACK_INDEX}`)).toBeLessThan(at('Deployment search-operator'));
    expect(at('Deployment search-operator')).toBeLessThan(at('CustomResourceDefinition quidditchindices.quidditch.io'));
  }, STEP_TIMEOUT_MS);
});
