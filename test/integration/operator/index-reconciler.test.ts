/**
 * The reconcilers driven directly (no manager, no leader election) against the real API server and
 * in-process reference data nodes, so each phase can be checked step by step — including that a
 * second reconcile of the same state changes nothing.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import pino from 'pino';
import type { QuidditchIndex, QuidditchNode } from '../../../lib/api/v1';
import { DataNodeSim } from '../../../lib/datanode-sim';
import { DataNodeClient } from '../../../lib/operator/datanode/client';
import { AllocationLedger } from '../../../lib/operator/controllers/allocation-ledger';
import { GrpcShardOperations } from '../../../lib/operator/controllers/grpc-shard-operations';
import { IndexReconciler } from '../../../lib/operator/controllers/index-reconciler';
import { NodeReconciler } from '../../../lib/operator/controllers/node-reconciler';
import { KubeEventRecorder, warnOnFailedEvent } from '../../../lib/operator/kube/event-recorder';
import type { ReconcileContext } from '../../../lib/operator/runtime/reconciler';
import { createTestNamespace, waitFor } from '../../support/kube';
import { Cluster } from './fixtures';
import { ListedStore } from './listed-store';
import { createTestPki, TLS_ROLES } from '../../support/test-tls';

const ctx: ReconcileContext = { log: pino({ enabled: false }), reconcileId: 'test', signal: new AbortController().signal };
let cluster: Cluster;
let sims: DataNodeSim[];
let indexStore: ListedStore<QuidditchIndex>;
let nodeStore: ListedStore<QuidditchNode>;
let indexReconciler: IndexReconciler;
let nodeReconciler: NodeReconciler;
let client: DataNodeClient;
let now = () => new Date();

async function reconcileIndex(name: string) {
  await Promise.all([indexStore.refresh(), nodeStore.refresh()]);
  return indexReconciler.reconcile(`${cluster.namespace}/${name}`, ctx);
}

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('reconciler'));
  const api = cluster.kc.makeApiClient(CustomObjectsApi);
  // Mutual TLS as deployed: the sims serve with a data-node certificate, the client dials with the operator's.
  const pki = await createTestPki();
  const grpcTls = { kind: 'files', dir: await pki.files(TLS_ROLES.dataNode), refreshMs: 60_000 } as const;
  sims = ['a', 'b', 'c'].map((name) => new DataNodeSim(
    { name, namespace: cluster.namespace, host: '127.0.0.1', port: 0, tier: 'hot', maxShards: 1000, heartbeatSeconds: 3600, startDelayMs: 0, mode: 'k8s', logLevel: 'silent', grpcTls },
    { kubeConfig: cluster.kc },
  ));
  await Promise.all(sims.map((s) => s.start()));
  indexStore = new ListedStore(api, cluster.namespace, 'quidditchindices');
  nodeStore = new ListedStore(api, cluster.namespace, 'quidditchnodes');
  // 5 s: the first call to each node includes its TLS handshake, slow on a loaded test machine.
  client = new DataNodeClient({ deadlineMs: 5000, maxAttempts: 1, security: await pki.security(TLS_ROLES.operator) });
  const shards = new GrpcShardOperations(client);
  const events = new KubeEventRecorder(cluster.kc, 'quidditch-operator-test', warnOnFailedEvent(ctx.log));
  const ledger = new AllocationLedger();
  indexReconciler = new IndexReconciler({
    indices: cluster.indices, indexCache: indexStore, nodeCache: nodeStore, shards, events, ledger, now: () => now(), deleteTimeoutMs: 5_000,
  });
  nodeReconciler = new NodeReconciler({
    nodes: cluster.nodes, nodeCache: nodeStore, indices: cluster.indices, indexCache: indexStore, shards, events, now: () => now(),
    heartbeatTimeoutMs: 60_000, orphanGraceMs: 0, sweepIntervalMs: 0,
  });
  // Nodes become HEALTHY through the node reconciler, as in the operator.
  await nodeStore.refresh();
  for (const s of sims) await nodeReconciler.reconcile(`${cluster.namespace}/${s.config.name}`, ctx);
}, 60_000);

afterAll(async () => {
  client?.close();
  await Promise.all((sims ?? []).map((s) => s.stop()));
});

const creations = () => sims.reduce((n, s) => n + s.store.stats().createEffective, 0);

describe('IndexReconciler', () => {
  it('persists the plan, creates each copy once, and a second reconcile changes nothing', async () => {
    await cluster.createIndex('catalog', 4, 1);
    expect(await reconcileIndex('catalog')).toEqual({ kind: 'done' });
    expect(creations()).toBe(8);
    // A replica created once its primary has answered recovers from it (INITIALIZING until it has).
    // There is no shard stream here: once the nodes hold every copy started, a reconcile records it.
    await waitFor(() => (sims.every((s) => s.store.infos().every((i) => i.state === 'STARTED')) ? true : undefined), { timeoutMs: 10_000, intervalMs: 50, description: 'every copy started on the nodes' });
    expect(await reconcileIndex('catalog')).toEqual({ kind: 'done' });
    const first = await cluster.index('catalog');
    expect(first.status).toMatchObject({ state: 'ACTIVE', health: 'green' });
    expect(first.metadata.finalizers).toEqual(['quidditch.io/index-protection']);
    expect(creations()).toBe(8);

    expect(await reconcileIndex('catalog')).toEqual({ kind: 'done' });
    const second = await cluster.index('catalog');
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(creations()).toBe(8);
  });

  it('re-creates nothing when a crash left the plan persisted but copies uncreated (INITIALIZING)', async () => {
    const idx = await cluster.index('catalog');
    const copies = idx.status!.shardAllocations!;
    // Simulate "plan written, then the operator died before telling the nodes": drop shard 0's copies from the nodes
    // and mark them INITIALIZING, as the plan write would have left them.
    for (const a of copies.filter((c) => c.shardId === 0)) {
      sims.find((s) => s.config.name === a.nodeId)!.store.deleteShard({ namespace: cluster.namespace, indexName: 'catalog', indexUid: idx.metadata.uid!, shardId: 0, primary: a.primary });
    }
    await cluster.indices.patchStatus(cluster.namespace, 'catalog', undefined, {
      ...idx.status, shardAllocations: copies.map((c) => (c.shardId === 0 ? { ...c, state: 'INITIALIZING' } : c)),
    });
    const before = creations();
    expect(await reconcileIndex('catalog')).toEqual({ kind: 'done' });
    expect(creations() - before).toBe(2); // exactly the two lost copies, nothing else
    expect((await cluster.index('catalog')).status?.health).toBe('green');
  });

  it('promotes the surviving replica when the primary\'s node turns UNHEALTHY, then places a new replica', async () => {
    const idx = await cluster.index('catalog');
    const primary0 = idx.status!.shardAllocations!.find((a) => a.shardId === 0 && a.primary)!;
    const replica0 = idx.status!.shardAllocations!.find((a) => a.shardId === 0 && !a.primary)!;
    // The primary's node stops heartbeating long enough ago.
    await cluster.nodes.patchStatus(cluster.namespace, primary0.nodeId, undefined, { lastHeartbeat: new Date(Date.now() - 120_000).toISOString() });
    await nodeStore.refresh();
    await nodeReconciler.reconcile(`${cluster.namespace}/${primary0.nodeId}`, ctx);
    expect((await cluster.node(primary0.nodeId))?.status?.state).toBe('UNHEALTHY');

    await reconcileIndex('catalog');
    // The new replica recovers from the promoted primary (CreateShard with a recovery_source), so it
    // starts a moment later: reconcile again until its node says it has (no stream in this test).
    const after = await waitFor(async () => {
      await reconcileIndex('catalog');
      const i = await cluster.index('catalog');
      return i.status?.health === 'green' ? i : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100, description: 'the new replica to start' });
    const shard0 = after.status!.shardAllocations!.filter((a) => a.shardId === 0);
    expect(shard0.find((a) => a.primary)?.nodeId).toBe(replica0.nodeId);
    expect(shard0).toHaveLength(2);
    expect(shard0.every((a) => a.nodeId !== primary0.nodeId && a.state === 'STARTED')).toBe(true);
    const holder = sims.find((s) => s.config.name === replica0.nodeId)!;
    expect(holder.store.stats().promoteEffective).toBeGreaterThanOrEqual(1);
    expect(after.status?.health).toBe('green');
  });

  it('finalizes: deletes every copy, then removes the finalizer', async () => {
    await cluster.createIndex('short-lived', 2, 0);
    await reconcileIndex('short-lived');
    const uid = (await cluster.index('short-lived')).metadata.uid;
    await cluster.indices.delete(cluster.namespace, 'short-lived');
    expect(await reconcileIndex('short-lived')).toEqual({ kind: 'done' });
    expect(await cluster.indices.get(cluster.namespace, 'short-lived')).toBeUndefined();
    const left = sims.flatMap((s) => s.store.listShards().shards).filter((c) => c.shard.indexUid === uid);
    expect(left).toEqual([]);
  });
});

describe('NodeReconciler', () => {
  it('sweeps copies that no index assigns to a healthy node, and keeps the claimed ones', async () => {
    const node = sims[2];
    const name = node.config.name;
    const claimedBefore = node.store.listShards().shards.length;
    node.store.createShard({ shard: { namespace: cluster.namespace, indexName: 'deleted-long-ago', indexUid: 'old-uid', shardId: 0, primary: true } });
    await cluster.nodes.patchStatus(cluster.namespace, name, undefined, { lastHeartbeat: new Date().toISOString() });
    await Promise.all([indexStore.refresh(), nodeStore.refresh()]);
    const result = await nodeReconciler.reconcile(`${cluster.namespace}/${name}`, ctx);
    expect(result.kind).toBe('requeueAfter');
    expect(node.store.listShards().shards.map((c) => c.shard.indexName)).not.toContain('deleted-long-ago');
    expect(node.store.listShards().shards).toHaveLength(claimedBefore);
    expect((await cluster.waitForEvents(name, ['OrphanCopyDeleted'])).map((e) => e.reason)).toContain('OrphanCopyDeleted');
  });

  it('treats copies named after another namespace as its own only for an index imported from there', async () => {
    const node = sims[1];
    const name = node.config.name;
    // An index imported from namespace `elsewhere`: its copies carry that namespace and the exported UID.
    await cluster.indices.create(cluster.namespace, {
      apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex',
      metadata: { name: 'moved', namespace: cluster.namespace, annotations: { 'quidditch.io/copy-uid': 'exported-uid', 'quidditch.io/copy-namespace': 'elsewhere' } },
      spec: { shards: 2, replicas: 0 },
    });
    await cluster.indices.patchStatus(cluster.namespace, 'moved', undefined, { shardAllocations: [{ shardId: 0, nodeId: name, primary: true, state: 'STARTED' }] });
    const copy = (indexName: string, shardId: number, namespace = 'elsewhere') => ({ shard: { namespace, indexName, indexUid: 'exported-uid', shardId, primary: true } });
    node.store.createShard(copy('moved', 0)); // claimed through the copy identity
    node.store.createShard(copy('moved', 1)); // same family, claimed by no allocation: an orphan
    node.store.createShard(copy('unrelated', 0)); // another namespace's business: left alone
    node.store.createShard(copy('moved', 0, cluster.namespace)); // this namespace's name, not the identity the index claims: an orphan
    await cluster.nodes.patchStatus(cluster.namespace, name, undefined, { lastHeartbeat: new Date().toISOString() });
    await Promise.all([indexStore.refresh(), nodeStore.refresh()]);
    await nodeReconciler.reconcile(`${cluster.namespace}/${name}`, ctx);
    const held = node.store.listShards().shards.filter((c) => c.shard.indexName === 'moved' || c.shard.indexName === 'unrelated').map((c) => `${c.shard.namespace}/${c.shard.indexName}/${c.shard.shardId}`).sort();
    expect(held).toEqual(['elsewhere/moved/0', 'elsewhere/unrelated/0']);
    await cluster.indices.patchFinalizers(cluster.namespace, 'moved', undefined, []);
    await cluster.indices.delete(cluster.namespace, 'moved');
  });

  it('requeues a healthy node for the moment its heartbeat expires', async () => {
    now = () => new Date();
    const name = sims[1].config.name;
    const beat = new Date(Date.now() - 20_000);
    await cluster.nodes.patchStatus(cluster.namespace, name, undefined, { lastHeartbeat: beat.toISOString() });
    await nodeStore.refresh();
    const t = Date.now();
    const result = await nodeReconciler.reconcile(`${cluster.namespace}/${name}`, ctx);
    expect(result.kind).toBe('requeueAfter');
    const expected = beat.getTime() + 60_000 - t;
    expect((result as { ms: number }).ms).toBeGreaterThan(expected - 2_000);
    expect((result as { ms: number }).ms).toBeLessThanOrEqual(expected + 1);
  });
});
