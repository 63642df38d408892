/**
 * Shard state reaches the operator by the data nodes' WatchShards streams, not by polling: an
 * index whose copies take seconds to start goes ACTIVE as soon as they have, with a resync period
 * far too long to help, and the operator writes nothing while it waits.
 */
import { Watch } from '@kubernetes/client-node';
import type { QuidditchIndex } from '../../../lib/api/v1';
import { createTestNamespace, waitFor } from '../../support/kube';
import { Cluster } from './fixtures';
import { OperatorProcess, SimProcess, stopAll } from './harness';

const START_DELAY_MS = 3000;
let cluster: Cluster;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('op-shard-watch'));
  await Promise.all(['data-0', 'data-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace, extraArgs: [`--start-delay-ms=${START_DELAY_MS}`] })));
  // A resync every 10 minutes: only the shard streams can bring these indices to ACTIVE within the test.
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--resync-period=600'] });
  // Copies go to HEALTHY nodes only: a node the operator has not judged yet would get its copy in a
  // later plan, and the writes counted below would be that placement, not waiting.
  await waitFor(async () => (await Promise.all(['data-0', 'data-1'].map((n) => cluster.node(n)))).every((n) => n?.status?.state === 'HEALTHY'), { timeoutMs: 30_000, intervalMs: 200, description: 'both data nodes HEALTHY' });
}, 90_000);

afterAll(() => stopAll());

/** Every version of each index the API server stored, in watch order. */
function recordVersions(namespace: string): { history: Map<string, QuidditchIndex[]>; stop: () => void } {
  const history = new Map<string, QuidditchIndex[]>();
  let req: { abort(): void } | undefined;
  void new Watch(cluster.kc)
    .watch(`/apis/quidditch.io/v1/namespaces/${namespace}/quidditchindices`, {}, (type, obj: QuidditchIndex) => {
      if (type === 'ADDED' || type === 'MODIFIED') history.set(obj.metadata.name ?? '', [...(history.get(obj.metadata.name ?? '') ?? []), obj]);
    }, () => undefined)
    .then((r) => (req = r));
  return { history, stop: () => req?.abort() };
}

describe('shard state pushed by data nodes', () => {
  it.each([
    ['one', 1, 1],
    ['twenty', 20, 0],
  ])('%s (%i shards, %i replicas) whose copies start slowly goes ACTIVE without a resync and without writes while it waits', async (name, shards, replicas) => {
    const recorder = recordVersions(cluster.namespace);
    try {
      await cluster.createIndex(name, shards, replicas);
      const active = await cluster.waitForActive(name, 'green', 60_000);
      expect(active.status?.shardAllocations?.every((a) => a.state === 'STARTED')).toBe(true);
      const versions = recorder.history.get(name) ?? [];
      // While every copy is INITIALIZING nothing changes, so nothing may be written: each
      // stored version differs from the one before it (no write without a change), and at most
      // three show the index waiting on copies that all initialize: the plan, what the creates
      // answered, and the docs/size totals once every copy has been reported.
      const statuses = versions.map((v) => JSON.stringify({ status: v.status, finalizers: v.metadata.finalizers }));
      expect(statuses.filter((s, i) => i > 0 && s === statuses[i - 1])).toEqual([]);
      // A data-node call that timed out on a loaded machine is a real change (NodeUnreachable), not waiting.
      const waiting = versions.filter(
        (v) =>
          v.status?.state === 'CREATING' &&
          (v.status.shardAllocations ?? []).length > 0 &&
          v.status.shardAllocations!.every((a) => a.state === 'INITIALIZING') &&
          v.status.conditions?.find((c) => c.type === 'Ready')?.reason !== 'NodeUnreachable',
      );
      if (waiting.length > 3) throw new Error(`${waiting.length} writes while every copy initialized:\n${waiting.map((v) => JSON.stringify(v.status)).join('\n')}`);
    } finally {
      recorder.stop();
    }
  });
});
