import type { ShardAllocation } from '../../../lib/api/v1';
import { CustomResourceClient } from '../../../lib/operator/kube/custom-resource-client';
import { createTestNamespace, kubectl, waitFor } from '../../support/kube';
import { Cluster } from './fixtures';
import { OperatorProcess, SimProcess, stopAll } from './harness';

let cluster: Cluster;
let mirrors: CustomResourceClient<ShardAllocation>;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('op-mirror'));
  mirrors = new CustomResourceClient<ShardAllocation>(cluster.kc, 'shardallocations');
  await Promise.all(['m-0', 'm-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--shard-allocation-mirror'] });
}, 60_000);

afterAll(async () => {
  await stopAll();
});

const list = async () => {
  const out = await kubectl(['get', 'qshard', '-n', cluster.namespace, '-o', 'json']);
  return (JSON.parse(out.stdout) as { items: ShardAllocation[] }).items;
};

describe('--shard-allocation-mirror', () => {
  it('keeps one ShardAllocation per copy in step with the index status, and removes them with the index', async () => {
    await cluster.createIndex('mirrored', 2, 1);
    const index = await cluster.waitForActive('mirrored');
    const expected = index.status!.shardAllocations!.map((a) => `${a.shardId}/${a.nodeId}/${a.primary}/${a.state}`).sort();
    await waitFor(async () => {
      const items = await list();
      const got = items.map((m) => `${m.spec.shardId}/${m.spec.assignedNode}/${m.spec.isPrimary}/${m.status?.state}`).sort();
      return JSON.stringify(got) === JSON.stringify(expected);
    }, { timeoutMs: 20_000, intervalMs: 200, description: 'mirrors to match the index status' });

    // Deleted by someone: put back.
    const victim = (await list())[0].metadata.name!;
    await mirrors.delete(cluster.namespace, victim);
    await waitFor(async () => (await mirrors.get(cluster.namespace, victim)) !== undefined, { timeoutMs: 20_000, intervalMs: 200, description: `${victim} to be re-created` });

    const table = await kubectl(['get', 'qshard', '-n', cluster.namespace]);
    expect(table.stdout).toMatch(/INDEX\s+SHARD\s+PRIMARY\s+NODE\s+STATE/);

    await cluster.indices.delete(cluster.namespace, 'mirrored');
    await waitFor(async () => (await list()).length === 0, { timeoutMs: 20_000, intervalMs: 200, description: 'mirrors to be removed with the index' });
  });
});
