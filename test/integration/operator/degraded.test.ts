import { createTestNamespace, waitFor } from '../../support/kube';
import { Cluster, allocatedCopies, expectWellAllocated, heldCopies } from './fixtures';
import { OperatorProcess, SimProcess, stopAll } from './harness';

let cluster: Cluster;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('op-degraded'));
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=4', '--grpc-timeout=1'] });
}, 60_000);

afterAll(async () => {
  await stopAll();
});

describe('an operator with no usable data nodes', () => {
  it('waits in CREATING with reason NoHealthyNodes, then goes ACTIVE as soon as nodes register', async () => {
    await cluster.createIndex('early', 2, 1);
    const waiting = await cluster.waitForIndex('early', (i) => i.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'NoHealthyNodes') ?? false, 'Ready=False/NoHealthyNodes');
    expect(waiting.status?.state).toBe('CREATING');
    expect(waiting.status?.health).toBe('red');
    expect((await cluster.waitForEvents('early', ['NoHealthyNodes'])).map((e) => e.reason)).toContain('NoHealthyNodes');

    const sims = await Promise.all(['n-0', 'n-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
    const active = await cluster.waitForActive('early', 'green', 30_000);
    expectWellAllocated(active);
    expect(await heldCopies(sims, 'early')).toEqual(allocatedCopies(active));
  });

  it('reports a node whose address answers nothing as a Warning event and a Degraded condition, and keeps running', async () => {
    // A registered, heartbeating node object whose address nobody listens on.
    await cluster.nodes.create(cluster.namespace, {
      apiVersion: 'quidditch.io/v1',
      kind: 'QuidditchNode',
      metadata: { name: 'ghost', namespace: cluster.namespace },
      spec: { nodeType: 'DATA', address: '127.0.0.1:1' },
    });
    await cluster.nodes.patchStatus(cluster.namespace, 'ghost', undefined, { lastHeartbeat: new Date().toISOString() });
    await cluster.createIndex('wide', 3, 2); // 9 copies on 3 nodes: one of each shard must go to ghost
    const degraded = await cluster.waitForIndex('wide', (i) => i.status?.conditions?.some((c) => c.type === 'Degraded' && c.status === 'True' && c.reason === 'NodeUnreachable') ?? false, 'Degraded/NodeUnreachable');
    expect(degraded.status?.conditions?.find((c) => c.type === 'Degraded')?.message).toContain('ghost');
    const warnings = (await cluster.waitForEvents('wide', ['ShardOperationFailed'])).filter((e) => e.type === 'Warning');
    expect(warnings.map((w) => w.reason)).toContain('ShardOperationFailed');
    expect(warnings.find((w) => w.reason === 'ShardOperationFailed')?.message).toContain('ghost');

    // Once ghost stops heartbeating it turns UNHEALTHY and its copies move away (here: nowhere, 2 nodes only → yellow).
    await waitFor(async () => (await cluster.node('ghost'))?.status?.state === 'UNHEALTHY', { timeoutMs: 20_000, intervalMs: 200, description: 'ghost UNHEALTHY' });
    const settled = await cluster.waitForIndex('wide', (i) => i.status?.state === 'ACTIVE' && !i.status.shardAllocations!.some((a) => a.nodeId === 'ghost'), 'ACTIVE without ghost', 30_000);
    expect(settled.status?.health).toBe('yellow');
    expect(settled.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'TooFewNodes' });
  });
});
