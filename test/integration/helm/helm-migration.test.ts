/**
 * The k8s → raft migration with Helm, on the real API server (README "Changing modes"): one
 * `helm upgrade --set migration=<step>` per step, k8s → `complete` in raft mode and back, in a
 * namespace enforcing the restricted Pod Security Standard. Zero warnings at every step; the
 * read-only policy refuses writes to an index from `read-only` on with the message that says how
 * to roll back; the index keeps its spec throughout; the guard against a direct switch lets the
 * documented `complete` step through. (No kubelet here: the export Job is created, not run; the
 * Pulumi walk test runs the steps with an operator and data nodes.)
 */
import { createTestNamespace, deleteNamespace, kubectl } from '../../support/kube';
import { helm } from '../../support/helm';
import { CommandResult } from '../../support/run-command';
import { generateChart, GENERATE_CHART_TIMEOUT_MS } from './chart';

const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' };
const RELEASE = 'quidditch';
const INDEX = { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'products' }, spec: { shards: 3, replicas: 2 } };

let chart: string;
let ns: string;

beforeAll(async () => {
  chart = generateChart();
  ns = await createTestNamespace('helm-migrate', RESTRICTED);
}, GENERATE_CHART_TIMEOUT_MS);

afterAll(async () => {
  // Uninstalling removes the read-only policy, which would otherwise keep the namespace's index (and the namespace) from going.
  await helm(['uninstall', RELEASE, '--namespace', ns, '--ignore-not-found']);
  await deleteNamespace(ns);
});

function expectCleanSuccess(result: CommandResult): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
}

const upgrade = (...set: string[]) => helm(['upgrade', RELEASE, chart, '--namespace', ns, '--reuse-values', ...set.flatMap((s) => ['--set', s])]);

/** The few fields these tests read of a Deployment, StatefulSet or QuidditchIndex. */
interface LiveObject {
  spec: { replicas?: number; template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
}

async function get(kind: string, name: string): Promise<{ code: number; object?: LiveObject }> {
  const res = await kubectl(['get', kind, name, '--namespace', ns, '-o', 'json']);
  return { code: res.code, object: res.code === 0 ? JSON.parse(res.stdout) : undefined };
}

const dataMode = async () => (await get('statefulset', `${RELEASE}-data`)).object?.spec.template.spec.containers[0].env.find((e) => e.name === 'QUIDDITCH_CONTROL_PLANE_MODE')?.value;

/** A write to the index: a label, so the spec stays what it was. */
const labelIndex = (value: string) => kubectl(['label', 'quidditchindex', 'products', '--namespace', ns, '--overwrite', `touched=${value}`]);

async function expectIndexUnchanged(): Promise<void> {
  expect((await get('quidditchindex', 'products')).object?.spec).toMatchObject(INDEX.spec);
}

describe('the migration steps with helm upgrade', () => {
  it('installs in k8s mode with an index', async () => {
    expectCleanSuccess(await helm(['install', RELEASE, chart, '--namespace', ns, '--set', 'controlPlane.mode=k8s']));
    expect((await kubectl(['apply', '--namespace', ns, '-f', '-'], { stdin: JSON.stringify(INDEX) })).code).toBe(0);
  });

  it('add-masters: the Raft masters beside the running operator, writes still accepted', async () => {
    expectCleanSuccess(await upgrade('migration=add-masters'));
    expect((await get('statefulset', `${RELEASE}-master`)).object?.spec.replicas).toBe(3);
    expect((await get('deployment', `${RELEASE}-operator`)).object?.spec.replicas).toBe(2);
    expect((await labelIndex('add-masters')).code).toBe(0);
  });

  it('read-only: writes to the index refused with how to roll back', async () => {
    expectCleanSuccess(await upgrade('migration=read-only'));
    // The binding takes effect once the API server has loaded it: wait for the first refusal.
    let refused: CommandResult | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const res = await labelIndex(`read-only-${i}`);
      if (res.code !== 0) refused = res;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused?.stderr).toContain(`Quidditch cluster ${RELEASE} is migrating from k8s to raft mode (step read-only)`);
    expect(refused?.stderr).toContain('roll back by applying the cluster with migration: \'add-masters\'');
    await expectIndexUnchanged();
  });

  it('export: the operator at 0 replicas, the export Job, still read-only', async () => {
    expectCleanSuccess(await upgrade('migration=export'));
    expect((await get('deployment', `${RELEASE}-operator`)).object?.spec.replicas).toBe(0);
    expect((await get('job', `${RELEASE}-state-export`)).code).toBe(0);
    expect((await labelIndex('export')).code).not.toBe(0);
  });

  it('switch-data-nodes: the data nodes on the masters', async () => {
    expectCleanSuccess(await upgrade('migration=switch-data-nodes'));
    expect(await dataMode()).toBe('raft');
  });

  it('complete in raft mode: the guard lets the documented step through, the operator goes, the CRDs stay read-only', async () => {
    expectCleanSuccess(await upgrade('migration=complete', 'controlPlane.mode=raft'));
    expect((await get('deployment', `${RELEASE}-operator`)).code).not.toBe(0);
    expect((await get('statefulset', `${RELEASE}-master`)).object?.spec.replicas).toBe(3);
    expect((await labelIndex('complete')).code).not.toBe(0);
    await expectIndexUnchanged();
  });

  it('dropping the migration in raft mode is the direct switch again: refused while the index exists', async () => {
    const res = await upgrade('migration=');
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('controlPlane.raft.ignoreK8sState=true');
  });

  it('rolls back step by step to k8s mode, and writes are accepted again', async () => {
    expectCleanSuccess(await upgrade('migration=switch-data-nodes', 'controlPlane.mode=k8s'));
    expect((await get('deployment', `${RELEASE}-operator`)).object?.spec.replicas).toBe(0);
    expectCleanSuccess(await upgrade('migration=export'));
    expect(await dataMode()).toBe('k8s');
    expectCleanSuccess(await upgrade('migration=read-only'));
    expect((await get('deployment', `${RELEASE}-operator`)).object?.spec.replicas).toBe(2);
    expectCleanSuccess(await upgrade('migration=add-masters'));
    expect((await get('validatingadmissionpolicy', `${ns}.${RELEASE}-read-only`)).code).not.toBe(0);
    let accepted = false;
    for (let i = 0; i < 100 && !accepted; i++) {
      accepted = (await labelIndex(`rolled-back-${i}`)).code === 0;
      if (!accepted) await new Promise((r) => setTimeout(r, 100));
    }
    expect(accepted).toBe(true);
    expectCleanSuccess(await upgrade('migration='));
    expect((await get('statefulset', `${RELEASE}-master`)).code).not.toBe(0);
    await expectIndexUnchanged();
  });
});
