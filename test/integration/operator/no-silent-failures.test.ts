/**
 * Failures the operator survives must still be visible: a failed orphan sweep (warn + metric + retry
 * with backoff), copies an index deletion leaves behind (every one named), events that cannot be
 * written (warn). Reconcilers driven directly against the real API server and in-process data nodes;
 * time is a ManualClock so the backoff is checked step by step, not by waiting.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import type { QuidditchIndex, QuidditchNode } from '../../../lib/api/v1';
import { DataNodeSim } from '../../../lib/datanode-sim';
import { AllocationLedger } from '../../../lib/operator/controllers/allocation-ledger';
import { GrpcShardOperations } from '../../../lib/operator/controllers/grpc-shard-operations';
import { IndexReconciler } from '../../../lib/operator/controllers/index-reconciler';
import { NodeReconciler } from '../../../lib/operator/controllers/node-reconciler';
import { DataNodeClient } from '../../../lib/operator/datanode/client';
import { KubeEventRecorder, warnOnFailedEvent } from '../../../lib/operator/kube/event-recorder';
import { createLogger } from '../../../lib/operator/logger';
import { OperatorMetrics } from '../../../lib/operator/metrics';
import { ManualClock } from '../../../lib/operator/runtime/manual-clock';
import type { ReconcileContext } from '../../../lib/operator/runtime/reconciler';
import { freePort } from '../../support/free-port';
import { createTestNamespace, waitFor } from '../../support/kube';
import { createTestPki, TestPki, TLS_ROLES } from '../../support/test-tls';
import { Cluster } from './fixtures';
import { ListedStore } from './listed-store';

/** Every JSON line the logger wrote. */
const lines: Array<Record<string, unknown>> = [];
const log = createLogger({
  level: 'debug',
  destination: new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), cb()) }),
});
const ctx: ReconcileContext = { log, reconcileId: 'test', signal: new AbortController().signal };
const warnings = (msg: string) => lines.filter((l) => l.level === 'warn' && l.msg === msg);

let cluster: Cluster;
let clock: ManualClock;
let metrics: OperatorMetrics;
let indexStore: ListedStore<QuidditchIndex>;
let nodeStore: ListedStore<QuidditchNode>;
let client: DataNodeClient;
let events: KubeEventRecorder;
const sims: DataNodeSim[] = [];
let pki: TestPki;

async function startSim(name: string, port: number, mode: 'k8s' | 'none'): Promise<DataNodeSim> {
  const grpcTls = { kind: 'files', dir: await pki.files(TLS_ROLES.dataNode), refreshMs: 60_000 } as const;
  const sim = new DataNodeSim(
    { name, namespace: cluster.namespace, host: '127.0.0.1', port, tier: 'hot', maxShards: 1000, heartbeatSeconds: 3600, startDelayMs: 0, mode, logLevel: 'silent', grpcTls },
    { kubeConfig: cluster.kc },
  );
  sims.push(sim);
  return sim.start().then(() => sim);
}

/** A QuidditchNode whose address nothing listens on (yet): connection refused. */
async function createNode(name: string, port: number): Promise<void> {
  await cluster.nodes.create(cluster.namespace, {
    apiVersion: 'quidditch.io/v1', kind: 'QuidditchNode', metadata: { name, namespace: cluster.namespace },
    spec: { nodeType: 'DATA', tier: 'hot', address: `127.0.0.1:${port}` },
  });
}

const sweepFailures = async () => (await metrics.orphanSweepFailures.get()).values[0]?.value ?? 0;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('silent'));
  const api = cluster.kc.makeApiClient(CustomObjectsApi);
  indexStore = new ListedStore(api, cluster.namespace, 'quidditchindices');
  nodeStore = new ListedStore(api, cluster.namespace, 'quidditchnodes');
  pki = await createTestPki();
  client = new DataNodeClient({ deadlineMs: 1000, maxAttempts: 1, security: await pki.security(TLS_ROLES.operator) });
  metrics = new OperatorMetrics();
  events = new KubeEventRecorder(cluster.kc, 'quidditch-operator-test', warnOnFailedEvent(log, metrics));
  clock = new ManualClock(Date.now());
  // Right after the CRDs were installed the server may answer 429 "storage is (re)initializing".
  await waitFor(async () => (await Promise.all([indexStore.refresh(), nodeStore.refresh()]), true), { timeoutMs: 30_000, description: 'the CRDs to serve lists' });
}, 60_000);

afterAll(async () => {
  client?.close();
  await Promise.all(sims.map((s) => s.stop()));
});

describe('orphan sweep of a healthy node', () => {
  it('logs a failed sweep at warn, counts it, retries it after 1 s then 2 s, and succeeds once the node answers', async () => {
    const port = await freePort();
    await createNode('flaky', port);
    const reconciler = new NodeReconciler({
      nodes: cluster.nodes, nodeCache: nodeStore, indices: cluster.indices, indexCache: indexStore, shards: new GrpcShardOperations(client), events,
      // A heartbeat timeout far beyond the manual time the retries below take, so the node stays HEALTHY.
      now: () => new Date(clock.now()), heartbeatTimeoutMs: 600_000, orphanGraceMs: 0, sweepIntervalMs: 30_000, metrics,
    });
    const reconcile = async () => {
      await Promise.all([indexStore.refresh(), nodeStore.refresh()]);
      return reconciler.reconcile(`${cluster.namespace}/flaky`, ctx);
    };

    // Nothing listens: the node's state is still written, the sweep failure is reported and scheduled.
    expect(await reconcile()).toEqual({ kind: 'requeueAfter', ms: 1_000 });
    expect((await cluster.node('flaky'))?.status?.state).toBe('HEALTHY');
    expect(await sweepFailures()).toBe(1);
    expect(warnings('orphan sweep failed; retrying with backoff')).toEqual([
      expect.objectContaining({ node: `${cluster.namespace}/flaky`, failures: 1, retryInMs: 1_000, err: expect.stringMatching(/\S/) }),
    ]);

    // Before the retry is due a reconcile (e.g. a heartbeat) does not sweep, but keeps the retry scheduled.
    clock.advance(400);
    expect(await reconcile()).toEqual({ kind: 'requeueAfter', ms: 600 });
    expect(await sweepFailures()).toBe(1);

    clock.advance(600);
    expect(await reconcile()).toEqual({ kind: 'requeueAfter', ms: 2_000 });
    expect(await sweepFailures()).toBe(2);

    // The node comes up holding a copy no index claims; a following retry sweeps it. (Which one
    // depends on when the gRPC channel re-dials after its failures, in real time: each failure in
    // between must still be reported and push the next retry further out.)
    const sim = await startSim('flaky', port, 'none');
    sim.store.createShard({ shard: { namespace: cluster.namespace, indexName: 'gone', indexUid: 'old-uid', shardId: 0, primary: true } });
    let pendingMs = 2_000;
    const delays: number[] = [];
    const last = await waitFor(async () => {
      clock.advance(pendingMs);
      const failuresBefore = await sweepFailures();
      const result = (await reconcile()) as { kind: string; ms: number };
      if ((await sweepFailures()) > failuresBefore) {
        delays.push(result.ms);
        pendingMs = result.ms;
        return undefined;
      }
      return { result, failuresBefore };
    }, { timeoutMs: 30_000, intervalMs: 300, description: 'a sweep to succeed once the node listens' });
    // Backoff kept doubling while it failed; the successful sweep requeues for the heartbeat recheck only.
    expect(delays).toEqual([4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000].slice(0, delays.length));
    expect(last.result.kind).toBe('requeueAfter');
    expect(last.result.ms).toBeGreaterThan(30_000);
    expect(warnings('orphan sweep failed; retrying with backoff')).toHaveLength(2 + delays.length);
    expect(sim.store.listShards().shards).toEqual([]);
    expect((await cluster.waitForEvents('flaky', ['OrphanCopyDeleted'])).map((e) => e.reason)).toContain('OrphanCopyDeleted');
  });
});

describe('index deletion with copies it cannot delete', () => {
  let reconciler: IndexReconciler;
  // A clock of its own: the sweep test above moved the shared one ahead of the wall clock, and the
  // deletion's wait is measured from the deletionTimestamp the API server sets (wall clock).
  const deletionClock = new ManualClock(Date.now());
  const reconcile = async (name: string) => {
    await Promise.all([indexStore.refresh(), nodeStore.refresh()]);
    return reconciler.reconcile(`${cluster.namespace}/${name}`, ctx);
  };

  beforeAll(async () => {
    reconciler = new IndexReconciler({
      indices: cluster.indices, indexCache: indexStore, nodeCache: nodeStore, shards: new GrpcShardOperations(client), events,
      ledger: new AllocationLedger(), now: () => new Date(deletionClock.now()), deleteTimeoutMs: 5_000,
    });
    const sim = await startSim('a', 0, 'k8s');
    const nodes = new NodeReconciler({
      nodes: cluster.nodes, nodeCache: nodeStore, indices: cluster.indices, indexCache: indexStore, shards: new GrpcShardOperations(client), events,
      now: () => new Date(), heartbeatTimeoutMs: 60_000,
    });
    await nodeStore.refresh();
    await nodes.reconcile(`${cluster.namespace}/${sim.config.name}`, ctx);
  });

  /** An ACTIVE index on node a, whose status also claims copies on the given nodes (as a crash could leave it). */
  async function indexWithCopiesOn(name: string, extra: Array<{ nodeId: string; shardId: number; primary: boolean }>): Promise<void> {
    await cluster.createIndex(name, 1, 0);
    await reconcile(name);
    const idx = await cluster.index(name);
    expect(idx.status?.state).toBe('ACTIVE');
    await cluster.indices.patchStatus(cluster.namespace, name, undefined, {
      ...idx.status, shardAllocations: [...(idx.status?.shardAllocations ?? []), ...extra.map((c) => ({ ...c, state: 'STARTED' }))],
    });
    await cluster.indices.delete(cluster.namespace, name);
  }

  it('names every copy it gave up on in ShardsLeftBehind: unreachable ones after the timeout, and ones whose node object is gone', async () => {
    await createNode('dead', await freePort());
    await indexWithCopiesOn('doomed', [{ nodeId: 'dead', shardId: 0, primary: false }, { nodeId: 'ghost', shardId: 0, primary: false }]);

    // Within the timeout the unreachable node holds the deletion.
    expect((await reconcile('doomed')).kind).toBe('requeueAfter');
    expect(await cluster.indices.get(cluster.namespace, 'doomed')).toBeDefined();

    deletionClock.advance(60_000); // well past deleteTimeoutMs, measured from the deletionTimestamp
    expect(await reconcile('doomed')).toEqual({ kind: 'done' });
    expect(await cluster.indices.get(cluster.namespace, 'doomed')).toBeUndefined();
    const left = (await cluster.waitForEvents('doomed', ['ShardsLeftBehind'])).find((e) => e.reason === 'ShardsLeftBehind');
    expect(left?.type).toBe('Warning');
    expect(left?.message).toMatch(/^Gave up after \d+s on 2 copies: dead \(.+\): replica 0 \| ghost \(no QuidditchNode object\): replica 0\. /);
    expect(warnings('index deleted with shard copies left behind').at(-1)?.abandoned).toEqual([
      expect.stringMatching(/^dead: shard 0 \(replica\): /),
      'ghost: shard 0 (replica): no QuidditchNode object',
    ]);
  });

  it('does not wait for a node whose object is gone, but still names its copy', async () => {
    await indexWithCopiesOn('orphaned', [{ nodeId: 'vanished', shardId: 0, primary: false }]);
    expect(await reconcile('orphaned')).toEqual({ kind: 'done' });
    expect(await cluster.indices.get(cluster.namespace, 'orphaned')).toBeUndefined();
    const left = (await cluster.waitForEvents('orphaned', ['ShardsLeftBehind'])).find((e) => e.reason === 'ShardsLeftBehind');
    expect(left?.message).toBe('Left 1 copies: vanished (no QuidditchNode object): replica 0. They are removed if the node returns.');
  });
});

describe('an event the API server refuses', () => {
  it('is logged at warn with what it was about, and counted', async () => {
    const before = (await metrics.eventsFailed.get()).values[0]?.value ?? 0;
    const missing = `${cluster.namespace}-does-not-exist`;
    events.record({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'nowhere', namespace: missing } }, 'Warning', 'SomethingHappened', 'lost?');
    const line = await waitFor(() => warnings('unable to record event').find((l) => l.reason === 'SomethingHappened'), { timeoutMs: 15_000, description: 'a warn line for the lost event' });
    expect(line).toMatchObject({ involvedObject: `QuidditchIndex ${missing}/nowhere`, err: expect.stringMatching(/\S/) });
    expect((await metrics.eventsFailed.get()).values[0]?.value).toBe(before + 1);
  });
});
