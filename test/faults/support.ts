/**
 * Helpers the fault tests share on top of the operator harness (test/integration/operator):
 * a private control plane for tests that restart kube-apiserver or compact etcd, bulk index
 * creation and waiting, pausing processes, and the exactly-once checks on the sims' counters.
 */
import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import type { QuidditchIndex } from '../../lib/api/v1';
import { ControlPlane, ControlPlaneOptions } from '../support/control-plane';
import { applyCrds } from '../support/crds';
import { rawRequest } from '../support/raw-request';
import { waitFor } from '../support/kube';
import type { ManagedProcess } from '../support/managed-process';
import { allLogs, SimProcess } from '../integration/operator/harness';
import { allocatedCopies, Cluster } from '../integration/operator/fixtures';
import { mapLimit } from '../../lib/operator/controllers/map-limit';

/**
 * A control plane of this test file's own, made the one the harness and the kube helpers use
 * (they read QUIDDITCH_TEST_KUBECONFIG when called). `release()` stops it and restores the shared one.
 */
export interface PrivateControlPlane {
  readonly cp: ControlPlane;
  release(): Promise<void>;
}

export async function startPrivateControlPlane(opts: ControlPlaneOptions = {}): Promise<PrivateControlPlane> {
  const cp = await ControlPlane.start(opts);
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  await applyCrds(kc);
  const saved = { test: process.env.QUIDDITCH_TEST_KUBECONFIG, kube: process.env.KUBECONFIG };
  process.env.QUIDDITCH_TEST_KUBECONFIG = cp.kubeconfigPath;
  process.env.KUBECONFIG = cp.kubeconfigPath;
  return {
    cp,
    release: async () => {
      await cp.stop();
      process.env.QUIDDITCH_TEST_KUBECONFIG = saved.test;
      process.env.KUBECONFIG = saved.kube;
    },
  };
}

/** POSTs to etcd's JSON gateway (v3 API over HTTP on the client URL). */
async function etcdCall<T>(etcdUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`Unable to call etcd ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Compacts etcd's history up to its current revision, as kube-apiserver's periodic compaction does; returns that revision. */
export async function compactEtcd(etcdUrl: string): Promise<number> {
  const range = await etcdCall<{ header: { revision: string } }>(etcdUrl, '/v3/kv/range', { key: Buffer.from('compact-probe').toString('base64') });
  const revision = Number(range.header.revision);
  await etcdCall(etcdUrl, '/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

/** Opens a watch on the namespace's QuidditchIndexes from `resourceVersion` and returns the first event's type and code. */
export async function watchFrom(kc: KubeConfig, namespace: string, resourceVersion: string): Promise<{ type: string; code?: number }> {
  const res = await rawRequest(kc, {
    method: 'GET',
    path: `/apis/quidditch.io/v1/namespaces/${namespace}/quidditchindices?watch=1&resourceVersion=${resourceVersion}&timeoutSeconds=2`,
  });
  if (res.status !== 200) return { type: 'HTTP', code: res.status };
  const first = res.body.split('\n').find((l) => l.trim());
  if (!first) return { type: 'NONE' };
  const event = JSON.parse(first) as { type: string; object: { code?: number } };
  return { type: event.type, code: event.object.code };
}

/** Freezes a process (SIGSTOP) as a hung node or a paused VM is frozen: sockets stay open, nothing is answered. */
export function pause(proc: ManagedProcess): void {
  process.kill(proc.pid!, 'SIGSTOP');
}

export function resume(proc: ManagedProcess): void {
  process.kill(proc.pid!, 'SIGCONT');
}

/** Runs `fn` over `items` with at most `limit` in flight (the operator's own helper). */
export const inParallel = mapLimit;

export const indexNames = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

/** Creates indices `limit` at a time (as many clients would), all with the same shape. */
export function createIndices(cluster: Cluster, names: readonly string[], shards: number, replicas: number, limit = 16): Promise<void> {
  return inParallel(names, limit, (name) => cluster.createIndex(name, shards, replicas));
}

/** Every QuidditchIndex in the namespace, in one list call. */
export async function listIndices(cluster: Cluster): Promise<QuidditchIndex[]> {
  const api = cluster.kc.makeApiClient(CustomObjectsApi);
  const list = (await api.listNamespacedCustomObject({ group: 'quidditch.io', version: 'v1', namespace: cluster.namespace, plural: 'quidditchindices' })) as { items: QuidditchIndex[] };
  return list.items;
}

/**
 * ACTIVE, green, its generation observed, and no copy moving: a rebalance onto a node that became
 * HEALTHY after the index was placed keeps an index green while its copies are RELOCATING and
 * INITIALIZING, so green alone is not a state to compare allocations against (CI run13).
 */
const isSettled = (i: QuidditchIndex): boolean =>
  i.status?.state === 'ACTIVE' && i.status.health === 'green' && i.status.observedGeneration === i.metadata.generation &&
  (i.status.shardAllocations ?? []).every((a) => a.state === 'STARTED');

/** Waits until every named index is ACTIVE, green, has observed its generation and has every copy STARTED; returns them. */
export async function waitAllActive(cluster: Cluster, names: readonly string[], timeoutMs: number): Promise<QuidditchIndex[]> {
  const wanted = new Set(names);
  let lastPending: string[] = [];
  try {
    return await waitFor(async () => {
      const settled = (await listIndices(cluster)).filter((i) => wanted.has(i.metadata.name ?? '') && isSettled(i));
      lastPending = names.filter((n) => !settled.some((i) => i.metadata.name === n));
      return lastPending.length === 0 ? settled : undefined;
    }, { timeoutMs, intervalMs: 500, description: `${names.length} indices to be ACTIVE and green` });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${lastPending.length} pending, e.g. ${lastPending.slice(0, 5).join(', ')}\n${allLogs(40)}`, { cause: err });
  }
}

/**
 * Waits until the operator has judged every named data node HEALTHY. Copies are placed on HEALTHY
 * nodes only, so a node not judged yet when indices are created gets its share later, by
 * rebalancing, and allocations taken before that are not the final ones.
 */
export async function waitNodesHealthy(cluster: Cluster, names: readonly string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await Promise.all(names.map((n) => cluster.node(n)))).every((n) => n?.status?.state === 'HEALTHY'), {
    timeoutMs, intervalMs: 200, description: `data nodes ${names.join(', ')} to be HEALTHY`,
  });
}

/** Waits until none of the named indices exists any more (their finalizers were removed). */
export async function waitAllGone(cluster: Cluster, names: readonly string[], timeoutMs: number): Promise<void> {
  const wanted = new Set(names);
  try {
    await waitFor(async () => !(await listIndices(cluster)).some((i) => wanted.has(i.metadata.name ?? '')), {
      timeoutMs, intervalMs: 300, description: `${names.length} indices to be deleted`,
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${allLogs(40)}`, { cause: err });
  }
}

/** Times each copy was created, summed over the sims, by shard key (namespace/index/uid/shard/p|r), for one namespace. */
export async function creationCounts(sims: readonly SimProcess[], namespace: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const sim of sims) {
    const { stats } = await sim.stats();
    for (const [key, times] of Object.entries(stats.creations)) {
      if (key.startsWith(`${namespace}/`)) counts.set(`${key}@${sim.name}`, (counts.get(`${key}@${sim.name}`) ?? 0) + times);
    }
  }
  return counts;
}

/** Copies created more than once on one node: `key@node → times`. Empty when every creation happened exactly once. */
export function duplicates(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].filter(([, times]) => times !== 1));
}

/** The allocations of all given indices in heldCopies form (`index/shard/p|r@node`), sorted. */
export function allAllocated(indices: readonly QuidditchIndex[]): string[] {
  return indices.flatMap(allocatedCopies).sort();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls (every 20 ms, to catch short-lived states) until some index in the namespace satisfies `check`. */
export async function waitForSome(cluster: Cluster, check: (i: QuidditchIndex) => boolean, description: string, timeoutMs = 30_000): Promise<QuidditchIndex> {
  return waitFor(async () => (await listIndices(cluster)).find(check), { timeoutMs, intervalMs: 20, description });
}

/** Every version of every index in `cluster`'s namespace the API server stored, in watch order (its history of a change). */
export function recordStatuses(cluster: Cluster): { history: QuidditchIndex[]; stop: () => void } {
  const history: QuidditchIndex[] = [];
  let req: { abort(): void } | undefined;
  void new Watch(cluster.kc)
    .watch(`/apis/quidditch.io/v1/namespaces/${cluster.namespace}/quidditchindices`, {}, (type, obj: QuidditchIndex) => {
      if (type === 'ADDED' || type === 'MODIFIED') history.push(obj);
    }, () => undefined)
    .then((r) => (req = r));
  return { history, stop: () => req?.abort() };
}
