import { CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import type { QuidditchIndex } from '../../lib/api/v1';
import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, allocatedCopies, expectWellAllocated, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, createIndices, indexNames, inParallel, listIndices, waitAllActive, waitNodesHealthy } from './support';

const STORM_MS = 10_000;
const WRITERS = 6;

let cluster: Cluster;
let sims: SimProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-conflicts'));
  sims = await Promise.all(['d-0', 'd-1', 'd-2'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  await OperatorProcess.start({ namespace: cluster.namespace });
  // Copies go to HEALTHY nodes only; an index placed before a node is judged is rebalanced onto it later.
  await waitNodesHealthy(cluster, sims.map((s) => s.name));
}, 90_000);

afterAll(() => stopAll());

/** Every status each index went through, in watch order. */
function recordStatuses(namespace: string): { history: Map<string, QuidditchIndex[]>; stop: () => void } {
  const history = new Map<string, QuidditchIndex[]>();
  let req: { abort(): void } | undefined;
  void new Watch(cluster.kc)
    .watch(`/apis/quidditch.io/v1/namespaces/${namespace}/quidditchindices`, {}, (type, obj: QuidditchIndex) => {
      if (type === 'ADDED' || type === 'MODIFIED') history.set(obj.metadata.name ?? '', [...(history.get(obj.metadata.name ?? '') ?? []), obj]);
    }, () => undefined)
    .then((r) => (req = r));
  return { history, stop: () => req?.abort() };
}

describe('conflict storm', () => {
  it('honours the last spec written by concurrent writers and never regresses status', async () => {
    const names = indexNames('idx', 10);
    const recorder = recordStatuses(cluster.namespace);
    await createIndices(cluster, names, 2, 0);

    // Writers race each other and the operator: merge patches of spec.replicas and of labels, and
    // read-modify-write updates carrying resourceVersion (retried on 409), all on the same objects.
    const api = cluster.kc.makeApiClient(CustomObjectsApi);
    const coords = { group: 'quidditch.io', version: 'v1', namespace: cluster.namespace, plural: 'quidditchindices' };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    let conflicts = 0;
    const deadline = Date.now() + STORM_MS;
    await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const name = names[(w * 7 + n) % names.length];
        const value = `w${w}-${n}`;
        if (n % 3 === 2) {
          for (;;) {
            const cur = (await api.getNamespacedCustomObject({ ...coords, name })) as QuidditchIndex;
            cur.metadata.labels = { ...(cur.metadata.labels ?? {}), writer: value };
            cur.spec = { ...cur.spec, replicas: n % 3 };
            try {
              await api.replaceNamespacedCustomObject({ ...coords, name, body: cur });
              break;
            } catch (err) {
              if ((err as { code?: number }).code !== 409) throw err;
              conflicts++;
            }
          }
        } else {
          await api.patchNamespacedCustomObject({ ...coords, name, body: { metadata: { labels: { writer: value } }, spec: { replicas: n % 3 } } }, merge);
        }
      }
    }));
    // The last word, written after every storm write has been acknowledged: a known replica count and
    // writer label per index. (Which concurrent storm write the API server applied last is not knowable
    // from the order the responses arrive in, so the storm's own values cannot be the expectation.)
    const finalReplicas = (i: number): number => i % 3;
    const finalWriter = (i: number): string => `final-${i}`;
    await inParallel(names, 10, (name, i) => api.patchNamespacedCustomObject(
      { ...coords, name, body: { metadata: { labels: { writer: finalWriter(i) } }, spec: { replicas: finalReplicas(i) } } }, merge));

    const settled = await waitAllActive(cluster, names, 90_000);
    // Not a fixed sleep: stop recording once the watch has delivered every index's settled version.
    await waitFor(() => settled.every((i) => recorder.history.get(i.metadata.name ?? '')?.some((v) => v.metadata.resourceVersion === i.metadata.resourceVersion)), {
      timeoutMs: 30_000, intervalMs: 100, description: 'the recorder to have seen every settled index',
    });
    recorder.stop();
    for (const [i, name] of names.entries()) {
      const index = settled.find((x) => x.metadata.name === name)!;
      expect({ name, replicas: index.spec.replicas }).toEqual({ name, replicas: finalReplicas(i) });
      expect(allocatedCopies(index)).toHaveLength(2 * (1 + finalReplicas(i)));
      expectWellAllocated(index);
      // The operator's own writes (finalizer, status) never clobbered another writer's labels.
      expect({ name, writer: index.metadata.labels?.writer }).toEqual({ name, writer: finalWriter(i) });
    }
    expect(await heldCopies(sims)).toEqual(allAllocated(await listIndices(cluster)));

    // No status regression: observedGeneration never went backwards on any object.
    for (const [name, versions] of recorder.history) {
      const observed = versions.map((v) => v.status?.observedGeneration ?? 0);
      const regressions = observed.filter((g, k) => k > 0 && g < observed[k - 1]);
      expect({ name, regressions }).toEqual({ name, regressions: [] });
    }
    expect(recorder.history.size).toBe(names.length);
    // The storm really contended (read-modify-write writers hit 409s).
    expect(conflicts).toBeGreaterThan(0);
  });
});
