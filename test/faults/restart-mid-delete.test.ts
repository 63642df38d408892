import type { QuidditchIndex } from '../../lib/api/v1';
import { createTestNamespace } from '../support/kube';
import { Cluster, heldCopies } from '../integration/operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { createIndices, indexNames, inParallel, listIndices, waitAllActive, waitAllGone, waitForSome, waitNodesHealthy } from './support';

let cluster: Cluster;
let sims: SimProcess[];
const DELETE_HANGS = 12;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-mid-delete'));
  // d-0 is slow to delete: its first DELETE_HANGS DeleteShard calls never answer (each ends at the
  // operator's 5 s deadline, then is retried), so deletions are still pending at the kill however
  // fast the rest runs. Without it, on a loaded machine all 40 could finish before the kill.
  sims = await Promise.all(['d-0', 'd-1', 'd-2'].map((name) =>
    SimProcess.start({ name, namespace: cluster.namespace, extraArgs: name === 'd-0' ? ['--hang', `DeleteShard:${DELETE_HANGS}`] : [] })));
}, 90_000);

afterAll(() => stopAll());

describe('operator restart in the middle of deletions', () => {
  it('finishes every deletion after the restart: no copy left on any sim, every finalizer removed', async () => {
    const operator = await OperatorProcess.start({ namespace: cluster.namespace });
    await waitNodesHealthy(cluster, sims.map((s) => s.name));
    const names = indexNames('idx', 40);
    await createIndices(cluster, names, 4, 1);
    await waitAllActive(cluster, names, 60_000);
    expect(await heldCopies(sims)).toHaveLength(40 * 4 * 2);

    await inParallel(names, 16, (name) => cluster.indices.delete(cluster.namespace, name));
    // SIGKILL as soon as the first deletion has started, while most are still pending.
    const deleting = (i: QuidditchIndex): boolean => i.status?.state === 'DELETING';
    await waitForSome(cluster, deleting, 'an index to be DELETING');
    await operator.kill();
    const remainingAtKill = (await listIndices(cluster)).length;
    const copiesAtKill = (await heldCopies(sims)).length;
    expect(remainingAtKill).toBeGreaterThan(0);
    expect(copiesAtKill).toBeGreaterThan(0);

    await OperatorProcess.start({ namespace: cluster.namespace });
    await waitAllGone(cluster, names, 60_000);
    expect(await heldCopies(sims)).toEqual([]);
  });
});
