/**
 * Restoring a backup where the data still is: the index objects are lost (deleted with the operator
 * down, so their copies stay on the data nodes), the export is imported into the same namespace and
 * the operator started again. The restored indices own their old copies through the exported copy
 * UID: the operator's orphan sweep — proven to run by the one index left out of the import, whose
 * copies it deletes — leaves theirs alone, and nothing is created again.
 */

import type { ClusterState } from '../../../lib/api/v1';
import { createTestNamespace, waitFor } from '../../support/kube';
import { allocatedCopies, Cluster, heldCopies } from '../operator/fixtures';
import { OperatorProcess, SimProcess, stopAll } from '../operator/harness';
import { creationCounts, duplicates, waitAllActive, waitAllGone, waitNodesHealthy } from '../../faults/support';
import { runOperatorCommand } from '../../support/run-command';


const operatorCommand = runOperatorCommand;

let cluster: Cluster;
let sims: SimProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('state-restore'));
  sims = await Promise.all(['data-0', 'data-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
}, 60_000);

afterAll(async () => {
  await stopAll();
});

describe('restoring a backup into the namespace whose data nodes hold the copies', () => {
  it('adopts every copy of the restored indices, while the orphan sweep removes the copies of the index left out', async () => {
    const operator = await OperatorProcess.start({ namespace: cluster.namespace });
    await waitNodesHealthy(cluster, sims.map((s) => s.name));
    for (const name of ['kept-a', 'kept-b', 'dropped']) await cluster.createIndex(name, 2, 1);
    const before = await waitAllActive(cluster, ['kept-a', 'kept-b', 'dropped'], 60_000);
    const run = await operatorCommand(['export', '--namespace', cluster.namespace]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const exported = JSON.parse(run.stdout) as ClusterState;

    // The loss: with the operator down, the objects go (finalizers stripped) while the sims keep the data.
    await operator.stop();
    for (const name of ['kept-a', 'kept-b', 'dropped']) {
      await cluster.indices.patchFinalizers(cluster.namespace, name, undefined, []);
      await cluster.indices.delete(cluster.namespace, name);
    }
    await waitAllGone(cluster, ['kept-a', 'kept-b', 'dropped'], 30_000);
    const heldBefore = await heldCopies(sims);
    expect(heldBefore).toHaveLength(12);

    const partial: ClusterState = { ...exported, indices: exported.indices.filter((i) => i.name !== 'dropped') };
    const imported = await operatorCommand(['import', '--namespace', cluster.namespace], JSON.stringify(partial));
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: '' });

    await OperatorProcess.start({ namespace: cluster.namespace, args: ['--resync-period=10'] });
    // The sweep ran: the left-out index's four copies are deleted as orphans (after their 30 s grace).
    await cluster.waitForEvents(undefined, ['OrphanCopyDeleted'], 150_000);
    const restored = await waitAllActive(cluster, ['kept-a', 'kept-b'], 60_000);
    const dropped = heldBefore.filter((c) => c.startsWith('dropped/'));
    const kept = heldBefore.filter((c) => !c.startsWith('dropped/'));
    await waitFor(async () => (await heldCopies(sims)).every((c) => !dropped.includes(c)), { timeoutMs: 60_000, intervalMs: 500, description: 'the dropped index\'s copies to be swept' });

    // The restored ones hold exactly their copies, as before, each created once; only orphans were deleted.
    expect(await heldCopies(sims)).toEqual(kept);
    expect(restored.flatMap(allocatedCopies).sort()).toEqual(before.filter((i) => i.metadata.name !== 'dropped').flatMap(allocatedCopies).sort());
    expect(duplicates(await creationCounts(sims, cluster.namespace))).toEqual({});
    let deletes = 0;
    for (const sim of sims) deletes += (await sim.stats()).stats.deleteEffective;
    expect(deletes).toBe(dropped.length);
  }, 420_000);
});
