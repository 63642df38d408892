import type { QuidditchIndex } from '../../lib/api/v1';
import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, expectWellAllocated, heldCopies } from '../integration/operator/fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, creationCounts, listIndices, recordStatuses, waitAllActive } from './support';

// A StatefulSet scale-up from 2 to 4 data nodes under two indices: the new nodes join empty, and the
// operator moves copies onto them (create-before-delete, recovering from the primary, throttled)
// until every node holds within one copy of the others, never leaving a shard with fewer serving
// copies than spec asks or without a serving primary.
let cluster: Cluster;
let operator: OperatorProcess;
const sims: SimProcess[] = [];

// Recovery takes time per MiB the source holds, so moves are in flight long enough to be seen.
const SIM_ARGS = ['--start-delay-ms=200', '--ingest-rate=50', '--recovery-ms-per-mib=500', '--stats-interval-ms=200'];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-rebalance'));
  for (const name of ['d-0', 'd-1']) sims.push(await SimProcess.start({ name, namespace: cluster.namespace, extraArgs: SIM_ARGS }));
  operator = await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=5'] });
}, 300_000);

afterAll(() => stopAll());

/** Per recorded status, every shard with fewer serving copies than 1 + replicas, or not exactly one serving primary. */
function underServed(history: readonly QuidditchIndex[]): string[] {
  const bad: string[] = [];
  const serving = (state: string) => state === 'STARTED' || state === 'RELOCATING';
  for (const index of history) {
    for (let shard = 0; shard < index.spec.shards; shard++) {
      const copies = (index.status?.shardAllocations ?? []).filter((a) => a.shardId === shard && serving(a.state));
      if (copies.length < 1 + (index.spec.replicas ?? 1) || copies.filter((a) => a.primary).length !== 1) {
        bad.push(`${index.metadata.name}/${shard} at rv ${index.metadata.resourceVersion}: ${JSON.stringify(copies)}`);
      }
    }
  }
  return bad;
}

/** The sum of a metric's series whose labels include `labels` (e.g. 'controller="index"'), from /metrics text; 0 when absent. */
function metricSum(text: string, name: string, labels = ''): number {
  return text.split('\n')
    .filter((l) => l.startsWith(`${name} `) || (l.startsWith(`${name}{`) && l.includes(labels)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** The bytes a RelocationFinished Event names ("... (123 bytes)"); NaN when it names none. */
const eventBytes = (message: string) => Number(/\((\d+) bytes\)/.exec(message)?.[1]);

const loads = (indices: readonly QuidditchIndex[], nodes: readonly string[]) =>
  nodes.map((n) => indices.flatMap((i) => i.status?.shardAllocations ?? []).filter((a) => a.nodeId === n).length);

describe('scale-up from 2 to 4 data nodes', () => {
  it('moves copies onto the new nodes until every node is within one of even, never below the replica count', async () => {
    await waitFor(async () => (await Promise.all(sims.map((x) => cluster.node(x.name)))).every((n) => n?.status?.state === 'HEALTHY'), { timeoutMs: 30_000, intervalMs: 200, description: 'both data nodes HEALTHY' });
    await cluster.createIndex('pair', 6, 1);
    await cluster.createIndex('solo', 4, 0);
    await waitAllActive(cluster, ['pair', 'solo'], 60_000);
    const created = await creationCounts(sims, cluster.namespace);

    const recorder = recordStatuses(cluster);
    for (const name of ['d-2', 'd-3']) sims.push(await SimProcess.start({ name, namespace: cluster.namespace, extraArgs: SIM_ARGS }));
    const names = sims.map((s) => s.name);
    let indices: QuidditchIndex[];
    try {
      indices = await waitFor(
        async () => {
          const now = await listIndices(cluster);
          const settled = now.every((i) => i.status?.state === 'ACTIVE' && i.status.health === 'green' && !i.status.shardAllocations?.some((a) => a.relocatingFrom || a.relocatingTo));
          const l = loads(now, names);
          return settled && Math.max(...l) - Math.min(...l) <= 1 ? now : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250, description: 'every node within one copy of even, nothing moving' },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nloads: ${JSON.stringify(loads(await listIndices(cluster), names))}\n${allLogs(40)}`, { cause: err });
    } finally {
      recorder.stop();
    }
    for (const index of indices) expectWellAllocated(index);
    // 16 copies on 4 nodes: each new node took some, and the nodes hold exactly what status records.
    expect(loads(indices, names).every((n) => n === 4)).toBe(true);
    expect(await heldCopies(sims)).toEqual(allAllocated(indices));
    // Sampled over the whole change: never fewer serving copies than spec asks, always one serving primary.
    expect(recorder.history.some((i) => i.status?.shardAllocations?.some((a) => a.state === 'RELOCATING'))).toBe(true);
    expect(underServed(recorder.history)).toEqual([]);
    // Each move created its target once; the copies that stayed were not created again.
    const after = await creationCounts(sims, cluster.namespace);
    for (const [copy, n] of after) expect(`${copy}: ${n}`).toBe(`${copy}: ${copy.includes('@d-2') || copy.includes('@d-3') ? 1 : created.get(copy) ?? 0}`);
    // Every move created its target once and nothing else was created (above), so the copies created
    // since the scale-up are the moves: each counted once when it finished, with the size its node
    // reports. The sims ingest documents, so every moved copy holds data (at least one 1 KiB
    // document), and the Events name the same bytes.
    const text = await operator.metrics();
    const moves = metricSum(text, 'quidditch_relocations_finished_total');
    const bytes = metricSum(text, 'quidditch_relocation_bytes_total');
    const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
    expect(moves).toBeGreaterThanOrEqual(8); // d-2 and d-3 hold 4 copies each
    expect(moves).toBe(total(after) - total(created));
    const finished = await waitFor(async () => {
      const f = (await cluster.events()).filter((e) => e.reason === 'RelocationFinished');
      return f.length >= moves ? f : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200, description: `${moves} RelocationFinished Events` });
    expect(finished).toHaveLength(moves);
    expect(finished.filter((e) => !(eventBytes(e.message) >= 1024)).map((e) => e.message)).toEqual([]);
    expect(finished.reduce((sum, e) => sum + eventBytes(e.message), 0)).toBe(bytes);
    expect(metricSum(text, 'quidditch_relocations_in_flight')).toBe(0);

    // A new operator process reads the finished moves from status and counts none of them again.
    await operator.stop();
    operator = await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=5'] });
    const restarted = await waitFor(async () => {
      const t = await operator.metrics();
      const reconciled = metricSum(t, 'reconcile_total', 'controller="index"') >= indices.length && metricSum(t, 'workqueue_depth', 'controller="index"') === 0;
      return reconciled ? t : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, description: 'the new operator reconciled every index' });
    expect(metricSum(restarted, 'quidditch_relocations_finished_total')).toBe(0);
    expect(metricSum(restarted, 'quidditch_relocation_bytes_total')).toBe(0);
    expect((await cluster.events()).filter((e) => e.reason === 'RelocationFinished')).toHaveLength(moves);
  });
});
