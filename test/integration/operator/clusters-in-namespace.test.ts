/**
 * Two clusters deployed separately into one namespace (different apps, stacks or GitOps releases):
 * each operator sees the other's Lease. While one of them runs without --cluster-name, the indices
 * both would reconcile are reconciled by neither, and both say so (index condition and Event, an
 * Event on each Lease, a metric, an error log); once both name their cluster, each serves its own.
 */
import { readFileSync } from 'node:fs';
import { INDEX_FINALIZER, type QuidditchIndex } from '../../../lib/api/v1';
import { CLUSTER_LABEL } from '../../../lib/model/labels';
import { ANOTHER_CLUSTER_IN_NAMESPACE, overlapIndexMessage } from '../../../lib/operator/peers/peer-leases';
import { createTestNamespace, kubectl, waitFor } from '../../support/kube';
import { allocatedCopies, Cluster, heldCopies } from './fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from './harness';

let cluster: Cluster;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('op-two-clusters'));
}, 60_000);

afterAll(async () => {
  await stopAll();
});

function create(name: string, clusterName?: string): Promise<QuidditchIndex> {
  return cluster.indices.create(cluster.namespace, {
    apiVersion: 'quidditch.io/v1',
    kind: 'QuidditchIndex',
    metadata: { name, namespace: cluster.namespace, ...(clusterName ? { labels: { [CLUSTER_LABEL]: clusterName } } : {}) },
    spec: { shards: 1, replicas: 0 },
  });
}

const ready = (i: QuidditchIndex) => i.status?.conditions?.find((c) => c.type === 'Ready');
/** An operator reconciled it: the finalizer, and its one copy started on the data node. */
const reconciled = (i: QuidditchIndex) => (i.metadata.finalizers ?? []).includes(INDEX_FINALIZER) && i.status?.state === 'ACTIVE';

async function overlapping(op: OperatorProcess): Promise<number | undefined> {
  const line = (await op.metrics()).split('\n').find((l) => l.startsWith('quidditch_overlapping_operators '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

function waitForMetric(op: OperatorProcess, value: number): Promise<true> {
  return waitFor(async () => (await overlapping(op)) === value || undefined, { timeoutMs: 60_000, intervalMs: 200, description: `${op.podName}: quidditch_overlapping_operators ${value}\n${allLogs()}` });
}

describe('two clusters\' operators in one namespace', () => {
  it('while one serves every index, neither reconciles the indices both would; once both name their cluster, each serves its own', async () => {
    // One data node naming no cluster (no --cluster): every operator here may use it.
    const sim = await SimProcess.start({ name: 'n1', namespace: cluster.namespace });
    // Cluster a alone, as deployed without ownIndicesOnly: it serves every index, as it always did.
    let a = await OperatorProcess.start({ namespace: cluster.namespace, podName: 'a-0', args: ['--lease-name=a-operator'] });
    await create('older');
    await cluster.waitForIndex('older', reconciled, 'reconciled by a');

    // Cluster b arrives from another release, with --cluster-name=b: both see the overlap.
    const b = await OperatorProcess.start({ namespace: cluster.namespace, podName: 'b-0', args: ['--lease-name=b-operator', '--cluster-name=b'] });
    await Promise.all([waitForMetric(a, 1), waitForMetric(b, 1)]);
    const onA = await cluster.waitForEvents('a-operator', [ANOTHER_CLUSTER_IN_NAMESPACE]);
    const onB = await cluster.waitForEvents('b-operator', [ANOTHER_CLUSTER_IN_NAMESPACE]);
    for (const events of [onA, onB]) {
      const e = events.find((x) => x.reason === ANOTHER_CLUSTER_IN_NAMESPACE);
      expect(e?.type).toBe('Warning');
      expect(e?.message).toContain('"a" (Lease a-operator, serving every index)');
      expect(e?.message).toContain('"b" (Lease b-operator, serving indices labelled quidditch.io/cluster=b)');
      expect(e?.message).toContain('Set `operator: { ownIndicesOnly: true }` on each of these clusters');
    }
    const errorLine = readFileSync(a.process.logPath, 'utf8').split('\n').find((l) => l.includes(`"reason":"${ANOTHER_CLUSTER_IN_NAMESPACE}"`));
    expect(JSON.parse(errorLine ?? '{}')).toMatchObject({ level: 'error', cluster: 'a', others: ['b'] });

    // b's index: both would reconcile it, so neither does — no finalizer, no plan — and both say why.
    await create('for-b', 'b');
    const message = overlapIndexMessage(cluster.namespace, 'for-b', [{ lease: 'a-operator' }, { lease: 'b-operator', cluster: 'b' }]);
    const refused = await cluster.waitForIndex('for-b', (i) => ready(i)?.reason === ANOTHER_CLUSTER_IN_NAMESPACE, 'Ready=False/AnotherClusterInNamespace');
    expect(ready(refused)).toMatchObject({ status: 'False', message });
    expect(refused.metadata.finalizers ?? []).toEqual([]);
    expect(refused.status?.state).toBeUndefined();
    expect(await heldCopies([sim], 'for-b')).toEqual([]);
    await cluster.waitForEvents('for-b', [ANOTHER_CLUSTER_IN_NAMESPACE]);
    // An index a served before, now labelled for b: refused by both, its recorded plan kept as it was.
    const before = await cluster.index('older');
    const labelled = await kubectl(['label', 'quidditchindices', 'older', `${CLUSTER_LABEL}=b`, '-n', cluster.namespace]);
    expect(labelled.code).toBe(0);
    const older = await cluster.waitForIndex('older', (i) => ready(i)?.reason === ANOTHER_CLUSTER_IN_NAMESPACE, 'Ready=False/AnotherClusterInNamespace');
    expect([older.status?.state, older.status?.shardAllocations, older.metadata.finalizers]).toEqual([before.status?.state, before.status?.shardAllocations, before.metadata.finalizers]);
    expect(allocatedCopies(before)).toEqual(['older/0/p@n1']); // so the comparison above is not of two empties
    expect(await heldCopies([sim], 'older')).toEqual(['older/0/p@n1']);
    // An index naming no cluster is a's alone: a serves it, and b does not flag it ClusterNotNamed.
    await create('unnamed');
    const unnamed = await cluster.waitForIndex('unnamed', reconciled, 'reconciled by a');
    expect(ready(unnamed)?.reason).not.toBe('ClusterNotNamed');
    // Still refused and untouched after a served another index.
    const stillRefused = await cluster.index('for-b');
    expect([stillRefused.metadata.finalizers ?? [], stillRefused.status?.state, ready(stillRefused)?.reason]).toEqual([[], undefined, ANOTHER_CLUSTER_IN_NAMESPACE]);
    expect(await heldCopies([sim], 'for-b')).toEqual([]);

    // The fix: a restarts with --cluster-name=a. While it is gone b serves for-b alone; then each serves its own.
    await a.stop();
    await cluster.waitForIndex('for-b', (i) => reconciled(i) && ready(i)?.reason !== ANOTHER_CLUSTER_IN_NAMESPACE, 'reconciled by b once a left');
    // b takes over the index a served before, with the copy a created (none lost, none added).
    const adopted = await cluster.waitForIndex('older', (i) => reconciled(i) && ready(i)?.status === 'True', 'served by b');
    expect(allocatedCopies(adopted)).toEqual(['older/0/p@n1']);
    expect(await heldCopies([sim])).toEqual(['for-b/0/p@n1', 'older/0/p@n1', 'unnamed/0/p@n1']);
    await waitForMetric(b, 0);
    a = await OperatorProcess.start({ namespace: cluster.namespace, podName: 'a-1', args: ['--lease-name=a-operator', '--cluster-name=a'] });
    await create('for-a', 'a');
    await cluster.waitForIndex('for-a', reconciled, 'reconciled by a');
    // Unlabelled indices are nobody's now, and both operators say so the same way.
    await cluster.waitForIndex('unnamed', (i) => ready(i)?.reason === 'ClusterNotNamed', 'Ready=False/ClusterNotNamed');
    expect([await overlapping(a), await overlapping(b)]).toEqual([0, 0]);
    const forB = await cluster.index('for-b');
    expect(ready(forB)?.reason).not.toBe(ANOTHER_CLUSTER_IN_NAMESPACE);
    expect(readFileSync(a.process.logPath, 'utf8')).not.toContain(ANOTHER_CLUSTER_IN_NAMESPACE);
  }, 420_000); // three operator starts; tsx compiles each on a loaded machine

  it('while neither names its cluster, neither reconciles any index; when one leaves, the other serves them all', async () => {
    const other = new Cluster(await createTestNamespace('op-two-unnamed'));
    const x = await OperatorProcess.start({ namespace: other.namespace, podName: 'x-0', args: ['--lease-name=x-operator', '--insecure-plaintext-grpc'] });
    const y = await OperatorProcess.start({ namespace: other.namespace, podName: 'y-0', args: ['--lease-name=y-operator', '--insecure-plaintext-grpc'] });
    await Promise.all([waitForMetric(x, 1), waitForMetric(y, 1)]);
    await other.indices.create(other.namespace, { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'shared', namespace: other.namespace }, spec: { shards: 1, replicas: 0 } });
    const refused = await other.waitForIndex('shared', (i) => ready(i)?.reason === ANOTHER_CLUSTER_IN_NAMESPACE, 'Ready=False/AnotherClusterInNamespace');
    expect(ready(refused)?.message).toBe(overlapIndexMessage(other.namespace, 'shared', [{ lease: 'x-operator' }, { lease: 'y-operator' }]));
    expect([refused.metadata.finalizers ?? [], refused.status?.state]).toEqual([[], undefined]);

    await y.stop();
    await other.waitForIndex('shared', (i) => (i.metadata.finalizers ?? []).includes(INDEX_FINALIZER) && i.status?.state !== undefined && ready(i)?.reason !== ANOTHER_CLUSTER_IN_NAMESPACE, 'served by x alone');
    await waitForMetric(x, 0);
    await other.waitForEvents('x-operator', ['NoOtherClusterInNamespace']);
  }, 300_000);

  it('with --cluster-name on both, each places its indices only on its own cluster\'s data nodes', async () => {
    const shared = new Cluster(await createTestNamespace('op-two-node-sets'));
    const [simA, simB] = await Promise.all([
      SimProcess.start({ name: 'a-data-0', namespace: shared.namespace, extraArgs: ['--cluster=a'] }),
      SimProcess.start({ name: 'b-data-0', namespace: shared.namespace, extraArgs: ['--cluster=b'] }),
    ]);
    expect((await shared.node('a-data-0'))?.metadata.labels?.[CLUSTER_LABEL]).toBe('a');
    const a = await OperatorProcess.start({ namespace: shared.namespace, podName: 'a-0', args: ['--lease-name=a-operator', '--cluster-name=a'] });
    const b = await OperatorProcess.start({ namespace: shared.namespace, podName: 'b-0', args: ['--lease-name=b-operator', '--cluster-name=b'] });
    for (const [name, label] of [['for-a', 'a'], ['for-b', 'b']]) {
      await shared.indices.create(shared.namespace, {
        apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name, namespace: shared.namespace, labels: { [CLUSTER_LABEL]: label } }, spec: { shards: 4, replicas: 0 },
      });
    }
    // Four primaries each: with both nodes in view the allocator would spread them over both.
    const forA = await shared.waitForIndex('for-a', reconciled, 'ACTIVE');
    const forB = await shared.waitForIndex('for-b', reconciled, 'ACTIVE');
    expect(new Set(allocatedCopies(forA).map((c) => c.split('@')[1]))).toEqual(new Set(['a-data-0']));
    expect(new Set(allocatedCopies(forB).map((c) => c.split('@')[1]))).toEqual(new Set(['b-data-0']));
    expect(await heldCopies([simB], 'for-a')).toEqual([]);
    expect(await heldCopies([simA], 'for-b')).toEqual([]);
    // Each operator counts (and judges) only its own cluster's node.
    for (const op of [a, b]) expect((await op.metrics()).split('\n').filter((l) => /^quidditch_nodes\{state="HEALTHY"\} /.test(l))).toEqual(['quidditch_nodes{state="HEALTHY"} 1']);
  }, 300_000);
});
