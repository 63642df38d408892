/**
 * In-memory stand-ins for a fast reconciler test: an IndexApi with resourceVersions and 409s (and
 * conflicts injectable on demand), data nodes that hold copies, and an event list. Integration tests
 * run the same reconciler against the real API server and real sims; these only make the logic fast
 * to exercise step by step.
 */
import pino from 'pino';
import type { QuidditchIndex, QuidditchNode, ShardState } from '../../../../lib/api/v1';
import { AllocationLedger } from '../../../../lib/operator/controllers/allocation-ledger';
import type { IndexApi } from '../../../../lib/operator/controllers/index-api';
import { applyMergePatch } from '../../../../lib/operator/kube/merge-patch';
import { IndexReconciler, IndexReconcilerDeps } from '../../../../lib/operator/controllers/index-reconciler';
import type { CopyRef, HeldCopy, IndexContent, NodeTarget, RecoverySourceRef, ShardOperations } from '../../../../lib/operator/controllers/shard-operations';
import type { ReconcileContext } from '../../../../lib/operator/runtime/reconciler';
import type { ObservedCopies } from '../../../../lib/operator/datanode/observed-copies';

const conflict = () => Object.assign(new Error('Operation cannot be fulfilled: the object has been modified'), { code: 409 });

export class FakeIndexApi implements IndexApi {
  readonly objects = new Map<string, QuidditchIndex>();
  private rv = 100;
  /** Writes to fail with 409 before any succeeds. */
  conflictsToInject = 0;
  writes = 0;

  put(index: QuidditchIndex): QuidditchIndex {
    const stored = structuredClone({ ...index, metadata: { ...index.metadata, resourceVersion: String(++this.rv), uid: index.metadata.uid ?? `uid-${index.metadata.name}` } });
    this.objects.set(`${index.metadata.namespace}/${index.metadata.name}`, stored);
    return structuredClone(stored);
  }

  async get(namespace: string, name: string): Promise<QuidditchIndex | undefined> {
    const o = this.objects.get(`${namespace}/${name}`);
    return o && structuredClone(o);
  }

  private async write(namespace: string, name: string, rv: string | undefined, change: (o: QuidditchIndex) => void): Promise<QuidditchIndex> {
    const o = this.objects.get(`${namespace}/${name}`);
    if (!o) throw Object.assign(new Error('not found'), { code: 404 });
    if (this.conflictsToInject > 0) {
      this.conflictsToInject--;
      this.put(o); // someone else wrote: the version moves on
      throw conflict();
    }
    if (rv && rv !== o.metadata.resourceVersion) throw conflict();
    const next = structuredClone(o);
    change(next);
    this.writes++;
    return this.put(next);
  }

  patchStatus(namespace: string, name: string, rv: string | undefined, status: unknown): Promise<QuidditchIndex> {
    return this.write(namespace, name, rv, (o) => (o.status = structuredClone(status) as QuidditchIndex['status']));
  }

  updateStatus(current: QuidditchIndex, status: unknown): Promise<QuidditchIndex> {
    const merged = applyMergePatch(current.status ?? {}, status);
    return this.patchStatus(current.metadata.namespace ?? 'default', current.metadata.name ?? '', current.metadata.resourceVersion, merged);
  }

  patchFinalizers(namespace: string, name: string, rv: string | undefined, finalizers: string[]): Promise<QuidditchIndex> {
    return this.write(namespace, name, rv, (o) => (o.metadata.finalizers = [...finalizers]));
  }
}

/** Data nodes holding copies by `index/shard/p|r`; `startAfter` answers INITIALIZING for that many calls per copy. */
export class FakeNodes implements ShardOperations {
  readonly held = new Map<string, Map<string, { state: ShardState; createdAtMs: number; uid: string; index: string; namespace: string; shardId: number; primary: boolean; generation?: number }>>();
  /** Setting keys a node refuses to change in place (static settings). */
  refuseKeys: string[] = [];
  updates = 0;

  async updateSettings(node: NodeTarget, copy: CopyRef, content: IndexContent): Promise<{ applied: boolean; reason: string }> {
    this.updates++;
    const c = this.on(node.name).get(`${copy.index}/${copy.shardId}`);
    if (!c) throw new Error('NOT_FOUND');
    const bad = Object.keys(JSON.parse(content.settingsJson)).find((k) => this.refuseKeys.includes(k));
    if (bad) return { applied: false, reason: `${bad} is a static setting` };
    c.generation = content.generation;
    return { applied: true, reason: '' };
  }
  readonly calls: string[] = [];
  /** The settings JSON each creation carried. */
  readonly contents: (string | undefined)[] = [];
  creations = 0;
  /** New copies answer INITIALIZING until startAll() (a slow data node). */
  slow = false;
  /** Nodes whose (fake) WatchShards stream is synced: copiesOn answers for them. */
  readonly synced = new Set<string>();

  startAll(): void {
    for (const m of this.held.values()) for (const c of m.values()) c.state = 'STARTED';
  }

  /** The ObservedCopies view of what the nodes hold. */
  readonly observed: ObservedCopies = {
    copiesOn: (node) => (this.synced.has(node) ? [...this.on(node).values()].map((c) => ({ namespace: c.namespace, index: c.index, indexUid: c.uid, shardId: c.shardId, primary: c.primary, state: c.state as 'STARTED' | 'INITIALIZING', docsCount: 0, sizeBytes: 0, settingsGeneration: c.generation })) : undefined),
    copiesOf: () => [],
    indexCopiesOn: (node, namespace, index) => this.observed.copiesOn(node)?.filter((c) => c.namespace === namespace && c.index === index),
  };

  private on(node: string) {
    let m = this.held.get(node);
    if (!m) this.held.set(node, (m = new Map()));
    return m;
  }

  /** CreateShard answers a new copy's documents (0) and bytes (64), as a real node's ShardInfo does. */
  answerSizes = false;

  async createShard(node: NodeTarget, copy: CopyRef, content?: IndexContent): Promise<{ state: ShardState; docsCount?: number; sizeBytes?: number }> {
    this.calls.push(`create ${copy.shardId}${copy.primary ? 'p' : 'r'}@${node.name}`);
    this.contents.push(content?.settingsJson);
    const gen = content?.generation;
    const m = this.on(node.name);
    const key = `${copy.index}/${copy.shardId}`;
    const existing = m.get(key);
    if (existing) return { state: existing.state };
    this.creations++;
    if (this.slow) {
      m.set(key, { state: 'INITIALIZING', createdAtMs: 0, uid: copy.indexUid, index: copy.index, namespace: copy.namespace, shardId: copy.shardId, primary: copy.primary, generation: gen });
      return { state: 'INITIALIZING' };
    }
    m.set(key, { state: this.slow ? 'INITIALIZING' : 'STARTED', createdAtMs: 0, uid: copy.indexUid, index: copy.index, namespace: copy.namespace, shardId: copy.shardId, primary: copy.primary, generation: gen });
    return this.answerSizes ? { state: 'STARTED', docsCount: 0, sizeBytes: 64 } : { state: 'STARTED' };
  }

  async promoteShard(node: NodeTarget, copy: CopyRef): Promise<{ state: ShardState } | undefined> {
    this.calls.push(`promote ${copy.shardId}@${node.name}`);
    const c = this.on(node.name).get(`${copy.index}/${copy.shardId}`);
    if (!c) return undefined;
    c.primary = true;
    return { state: c.state };
  }

  async demoteShard(node: NodeTarget, copy: CopyRef, source: RecoverySourceRef): Promise<{ state: ShardState } | undefined> {
    this.calls.push(`demote ${copy.shardId}@${node.name} from ${source.node}`);
    const c = this.on(node.name).get(`${copy.index}/${copy.shardId}`);
    if (!c) return undefined;
    if (c.primary) {
      c.primary = false;
      c.state = 'INITIALIZING'; // re-syncs from the current primary; startAll() ends it
    }
    return { state: c.state };
  }

  async deleteShard(node: NodeTarget, copy: CopyRef): Promise<void> {
    this.calls.push(`delete ${copy.shardId}@${node.name}`);
    this.on(node.name).delete(`${copy.index}/${copy.shardId}`);
  }

  async listShards(node: NodeTarget): Promise<HeldCopy[]> {
    return [...this.on(node.name).values()].map((c) => ({ namespace: c.namespace, index: c.index, indexUid: c.uid, shardId: c.shardId, primary: c.primary, state: c.state, createdAtMs: c.createdAtMs }));
  }
}

export class ListStore<T extends { metadata: { name?: string; namespace?: string } }> {
  constructor(private readonly source: () => T[]) {}
  get(namespace: string, name: string): T | undefined {
    return this.source().find((o) => o.metadata.namespace === namespace && o.metadata.name === name);
  }
  list(namespace?: string): T[] {
    return this.source().filter((o) => !namespace || o.metadata.namespace === namespace);
  }
}

export const NS = 'ns';

export function dataNode(name: string, state: 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' = 'HEALTHY'): QuidditchNode {
  return { apiVersion: 'quidditch.io/v1', kind: 'QuidditchNode', metadata: { name, namespace: NS }, spec: { nodeType: 'DATA', address: `${name}:9300` }, status: { state } };
}

export function newIndex(name: string, shards: number, replicas: number, extra: Partial<QuidditchIndex['metadata']> = {}): QuidditchIndex {
  return { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name, namespace: NS, generation: 1, ...extra }, spec: { shards, replicas } };
}

export const ctx: ReconcileContext = { log: pino({ enabled: false }), reconcileId: 'unit', signal: new AbortController().signal };

/** A reconciler over the fakes; `nodes` is read live, so tests change node states between reconciles. */
export function fakeCluster(nodes: QuidditchNode[], overrides: Partial<IndexReconcilerDeps> = {}) {
  const api = new FakeIndexApi();
  const shards = new FakeNodes();
  const events: { reason: string; message: string; type: string }[] = [];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const deps: IndexReconcilerDeps = {
    indices: api,
    indexCache: new ListStore(() => [...api.objects.values()]),
    nodeCache: new ListStore(() => nodes),
    shards,
    events: { record: (_o, type, reason, message) => void events.push({ type, reason, message }) },
    ledger: new AllocationLedger(),
    now: () => new Date(clock),
    deleteTimeoutMs: 5_000,
    ...overrides,
  };
  const reconciler = new IndexReconciler(deps);
  return {
    api, shards, events, nodes, deps, reconciler,
    advance: (ms: number) => void (clock += ms),
    reconcile: (name: string) => reconciler.reconcile(`${NS}/${name}`, ctx),
    index: (name: string) => api.objects.get(`${NS}/${name}`)!,
  };
}
