/**
 * The state round trip against the real API server, through the operator image's own subcommands:
 * export a namespace where the operator placed 20 indices on three sims, import it into another
 * namespace, and start an operator and sims there. The imported indices keep spec and allocations,
 * and the new operator adopts them without a single CreateShard, promotion or delete on any sim.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { CLUSTER_STATE_API_VERSION, ClusterState, QuidditchIndex } from '../../../lib/api/v1';
import { createTestNamespace } from '../../support/kube';
import { Cluster } from '../operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../operator/harness';
import { createIndices, indexNames, listIndices, waitAllActive } from '../../faults/support';

const ROOT = resolve(__dirname, '..', '..', '..');
const NODES = ['data-0', 'data-1', 'data-2'];
const INDICES = indexNames('idx', 20);
/** Each CLI run starts Node with tsx; on a loaded 2-core machine that alone can take tens of seconds. */
const CLI_TEST_TIMEOUT_MS = 300_000;

/** Runs `apps/operator.ts <args>` as the image's entrypoint would, with stdin; resolves with its exit code and output. */
function operatorCommand(args: readonly string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps', 'operator.ts'), ...args, `--kubeconfig=${process.env.QUIDDITCH_TEST_KUBECONFIG}`], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end(stdin);
  return new Promise((r) => child.once('close', (code) => r({ code, stdout, stderr })));
}

/** What must survive the round trip: name, spec and every allocation. */
const essence = (indices: readonly QuidditchIndex[]) =>
  indices
    .map((i) => ({ name: i.metadata.name, spec: i.spec, allocations: [...(i.status?.shardAllocations ?? [])].sort((a, b) => a.shardId - b.shardId || a.nodeId.localeCompare(b.nodeId)) }))
    .sort((a, b) => a.name!.localeCompare(b.name!));

let source: Cluster;
let target: Cluster;
let exported: ClusterState;
let sourceIndices: QuidditchIndex[];

beforeAll(async () => {
  source = new Cluster(await createTestNamespace('state-src'));
  target = new Cluster(await createTestNamespace('state-dst'));
  const sims = await Promise.all(NODES.map((name) => SimProcess.start({ name, namespace: source.namespace })));
  const operator = await OperatorProcess.start({ namespace: source.namespace, args: ['--resync-period=30'] });
  await createIndices(source, INDICES, 2, 1);
  sourceIndices = await waitAllActive(source, INDICES, 120_000);
  // The source side is done: nothing may change what was exported.
  await operator.stop();
  await Promise.all(sims.map((s) => s.stop()));
}, 600_000);

afterAll(async () => {
  await stopAll();
});

describe('export and import of the cluster state', () => {
  it('exports every index with spec and allocations, and every node, as a quidditch.io/state/v1 document', async () => {
    const run = await operatorCommand(['export', '--namespace', source.namespace]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    exported = JSON.parse(run.stdout) as ClusterState;
    expect(exported.apiVersion).toBe(CLUSTER_STATE_API_VERSION);
    expect(exported.namespace).toBe(source.namespace);
    expect(exported.nodes.map((n) => n.name)).toEqual(NODES);
    expect(exported.indices.map((i) => ({ name: i.name, spec: i.spec, allocations: i.status.shardAllocations }))).toEqual(
      essence(sourceIndices).map((e) => ({ name: e.name, spec: e.spec, allocations: expect.arrayContaining(e.allocations) })),
    );
    expect(exported.indices.every((i) => i.status.shardAllocations.length === 4 && i.status.shardAllocations.every((a) => a.state === 'STARTED'))).toBe(true);
  }, CLI_TEST_TIMEOUT_MS);

  it('imports into another namespace with the same specs and allocations, and is safe to repeat', async () => {
    const run = await operatorCommand(['import', '--namespace', target.namespace], JSON.stringify(exported));
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ indicesRestored: INDICES, indicesUnchanged: [], nodesCreated: NODES });
    expect(essence(await listIndices(target))).toEqual(essence(sourceIndices));

    const again = await operatorCommand(['import', '--namespace', target.namespace], JSON.stringify(exported));
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(again.stdout)).toMatchObject({ indicesRestored: [], indicesUnchanged: INDICES, nodesCreated: [], nodesUnchanged: NODES });
  }, CLI_TEST_TIMEOUT_MS);

  it('refuses, before writing anything, to import over indices that own other copies', async () => {
    const other = await createTestNamespace('state-conflict');
    const clash = new Cluster(other);
    await clash.createIndex(INDICES[3], 1, 0);
    const run = await operatorCommand(['import', '--namespace', other], JSON.stringify(exported));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Unable to import the cluster state of namespace ${other}: Unable to import the cluster state into namespace ${other}: 1 index already exist with other shard copies (${INDICES[3]} (exported copy UID`);
    expect(run.stderr).toContain('Nothing was written.');
    expect((await listIndices(clash)).map((i) => i.metadata.name)).toEqual([INDICES[3]]);
  }, CLI_TEST_TIMEOUT_MS);

  it('imports into a namespace whose operator and data nodes already run without one copy being placed by them', async () => {
    const live = new Cluster(await createTestNamespace('state-live'));
    const sims = await Promise.all(NODES.map((name) => SimProcess.start({ name, namespace: live.namespace })));
    await OperatorProcess.start({ namespace: live.namespace, args: ['--resync-period=30'] });
    const run = await operatorCommand(['import', '--namespace', live.namespace], JSON.stringify(exported));
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ indicesRestored: INDICES, nodesUnchanged: NODES });
    // Every index is taken over as restored. (The race this guards against — the operator planning an index
    // between its creation and its status write — is narrow; restoring-guard.test.ts proves the guard itself.)
    expect(essence(await waitAllActive(live, INDICES, 120_000))).toEqual(essence(sourceIndices));
    for (const sim of sims) {
      const { stats } = await sim.stats();
      expect({ node: sim.name, createCalls: stats.createCalls, deleteCalls: stats.deleteCalls }).toEqual({ node: sim.name, createCalls: 0, deleteCalls: 0 });
    }
  }, CLI_TEST_TIMEOUT_MS);

  it('is adopted by an operator there: every index ACTIVE and green with no copy created, promoted, deleted or moved', async () => {
    const sims = await Promise.all(NODES.map((name) => SimProcess.start({ name, namespace: target.namespace })));
    await OperatorProcess.start({ namespace: target.namespace, args: ['--resync-period=30'] });
    const adopted = await waitAllActive(target, INDICES, 120_000);
    expect(essence(adopted)).toEqual(essence(sourceIndices));
    for (const sim of sims) {
      const { stats } = await sim.stats();
      expect({ node: sim.name, createCalls: stats.createCalls, promoteCalls: stats.promoteCalls, deleteCalls: stats.deleteCalls })
        .toEqual({ node: sim.name, createCalls: 0, promoteCalls: 0, deleteCalls: 0 });
    }
    // The restored indices carry the exported copy identity and no restoring marker.
    for (const i of adopted) {
      const copyUid = exported.indices.find((e) => e.name === i.metadata.name)?.copyUid;
      expect({ name: i.metadata.name, annotations: i.metadata.annotations }).toEqual({ name: i.metadata.name, annotations: { 'quidditch.io/copy-uid': copyUid } });
    }
  }, 180_000);
});

