/**
 * The migration's export (what the `export` step's Job runs): refuses while an operator holds the
 * leader Lease, then writes the state the Raft masters start from into their ConfigMap.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { INITIAL_STATE_KEY, parseClusterState } from '../../../lib/api/v1';
import { createTestNamespace, testKubeConfig } from '../../support/kube';
import { runOperatorCommand, type CommandResult } from '../../support/run-command';
import { Cluster } from '../operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../operator/harness';

const LEASE = 'search-operator';

function exportCommand(namespace: string): Promise<CommandResult> {
  return runOperatorCommand(['export', `--namespace=${namespace}`, '--configmap=search-initial-state', `--wait-for-lease=${LEASE}`]);
}

let cluster: Cluster;
let operator: OperatorProcess;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('migration-export'));
  await SimProcess.start({ name: 'data-0', namespace: cluster.namespace });
  operator = await OperatorProcess.start({ namespace: cluster.namespace, args: [`--lease-name=${LEASE}`] });
  await cluster.createIndex('logs', 2, 0);
  await cluster.waitForActive('logs');
}, 120_000);

afterAll(async () => {
  await stopAll();
});

describe('the migration export into the masters\' initial state', () => {
  it('refuses while the operator holds its Lease, and writes nothing', async () => {
    const run = await exportCommand(cluster.namespace);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the operator ${operator.podName}`);
    expect(run.stderr).toContain(`still holds Lease ${cluster.namespace}/${LEASE}, so the state may still change`);
    const cms = await cluster.kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: cluster.namespace });
    expect(cms.items.map((c) => c.metadata?.name)).not.toContain('search-initial-state');
  }, 300_000);

  it('writes the state into the ConfigMap once the operator has stopped (and released the Lease)', async () => {
    await operator.stop();
    const run = await exportCommand(cluster.namespace);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({ configmap: `${cluster.namespace}/search-initial-state`, indices: 1, nodes: 1 });
    const cm = await testKubeConfig().makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'search-initial-state', namespace: cluster.namespace });
    const state = parseClusterState(JSON.parse(cm.data?.[INITIAL_STATE_KEY] ?? 'null'));
    const live = await cluster.index('logs');
    expect(state.indices).toEqual([expect.objectContaining({ name: 'logs', copyUid: live.metadata.uid, spec: live.spec })]);
    expect(state.indices[0].status.shardAllocations).toEqual(live.status?.shardAllocations);
    // Safe to repeat: a second run replaces it with the same content.
    expect((await exportCommand(cluster.namespace)).code).toBe(0);
  }, 300_000);
});
