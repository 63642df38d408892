/**
 * Zones that are real (issue 13, item 5), against the real API server with sims as processes. The
 * test API server runs no kubelet, so the test creates the Kubernetes Node objects itself, labelled
 * topology.kubernetes.io/zone as a cloud provider labels them, and starts each sim with
 * --kubernetes-node (what the StatefulSet passes from spec.nodeName). The operator resolves every data
 * node's zone from its Node; then one whole zone is stopped.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { QuidditchIndex, QuidditchNode } from '../../lib/api/v1';
import { ZONE_LABEL } from '../../lib/api/v1';
import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, expectWellAllocated, heldCopies } from '../integration/operator/fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { allAllocated, listIndices, recordStatuses, waitAllActive } from './support';

const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const LOST = 'zone-c';
let cluster: Cluster;
let core: CoreV1Api;
/** Data node (QuidditchNode) name → its zone, as its Kubernetes Node's label says. */
const zoneOfNode = new Map<string, string>();
const sims: SimProcess[] = [];
const kubernetesNodes: string[] = [];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-zone-loss'));
  core = cluster.kc.makeApiClient(CoreV1Api);
  // Two data nodes per zone, each on a Kubernetes Node of its own (cluster-scoped: named after the namespace).
  for (const zone of ZONES) {
    for (const i of [0, 1]) {
      const name = `d-${zone.slice(-1)}${i}`;
      const node = `${cluster.namespace}-${zone}-${i}`;
      await core.createNode({ body: { metadata: { name: node, labels: { [ZONE_LABEL]: zone } } } });
      kubernetesNodes.push(node);
      zoneOfNode.set(name, zone);
      // One at a time: six processes compiling at once can miss the ready-line deadline on a busy machine.
      sims.push(await SimProcess.start({ name, namespace: cluster.namespace, extraArgs: [`--kubernetes-node=${node}`, '--start-delay-ms=100'] }));
    }
  }
  await OperatorProcess.start({ namespace: cluster.namespace, args: ['--heartbeat-timeout=3', '--grpc-timeout=1', '--node-left-delay=0', '--log-level=debug'] });
}, 600_000);

afterAll(async () => {
  await stopAll();
  for (const node of kubernetesNodes) await core?.deleteNode({ name: node }).catch(() => undefined);
});

/**
 * Shards (with the status they were seen in) that had two serving copies in one zone while two zones
 * were available. A relocation's source (RELOCATING) is leaving and not counted; copies recorded on
 * the lost zone's nodes are counted in that zone, as they were until the operator re-planned.
 */
function sharedZones(history: readonly QuidditchIndex[]): string[] {
  const bad: string[] = [];
  for (const index of history) {
    for (let shard = 0; shard < index.spec.shards; shard++) {
      const copies = (index.status?.shardAllocations ?? []).filter((a) => a.shardId === shard && a.state !== 'UNASSIGNED' && a.state !== 'RELOCATING');
      const zones = copies.map((a) => zoneOfNode.get(a.nodeId));
      if (new Set(zones).size !== zones.length) bad.push(`${index.metadata.name}/${shard} at rv ${index.metadata.resourceVersion}: ${JSON.stringify(copies)}`);
    }
  }
  return bad;
}

const settled = (i: QuidditchIndex) => (i.status?.shardAllocations ?? []).every((a) => !a.relocatingFrom && !a.relocatingTo && a.state === 'STARTED');

describe('zones from the Kubernetes Nodes the data nodes run on', () => {
  it('resolves every data node\'s zone from its Kubernetes Node\'s topology.kubernetes.io/zone label', async () => {
    let nodes: (QuidditchNode | undefined)[];
    try {
      nodes = await waitFor(async () => {
        const all = await Promise.all(sims.map((s) => cluster.node(s.name)));
        return all.every((n) => n?.status?.state === 'HEALTHY' && n.status.zone === zoneOfNode.get(n.metadata.name ?? '')) ? all : undefined;
      }, { timeoutMs: 30_000, intervalMs: 200, description: 'all six data nodes HEALTHY with the zone of their Kubernetes Node' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${JSON.stringify(await Promise.all(sims.map((s) => cluster.node(s.name))), null, 1)}\n${allLogs(30)}`, { cause: err });
    }
    for (const n of nodes) {
      // Nothing set the zone on the node itself: it came from the Node object.
      expect(n?.spec.zone).toBeUndefined();
      expect(n?.spec.kubernetesNode).toBe(`${cluster.namespace}-${zoneOfNode.get(n?.metadata.name ?? '')}-${n?.metadata.name?.slice(-1)}`);
      expect(n?.status?.conditions?.find((c) => c.type === 'ZoneResolved')).toMatchObject({ status: 'True', reason: 'KubernetesNodeLabel' });
    }
    const events = await cluster.waitForEvents('d-a0', ['ZoneChanged']);
    expect(events.find((e) => e.reason === 'ZoneChanged')?.message).toContain('zone-a');
  });

  it('keeps an index with replicas 1 at least yellow when a whole zone stops, then green on the other two, never two copies of a shard in one zone', async () => {
    // More shards than nodes: every node holds several copies, so the lost zone takes primaries and replicas.
    await cluster.createIndex('spread', 12, 1);
    let [index] = await waitAllActive(cluster, ['spread'], 90_000);
    expectWellAllocated(index);
    expect(sharedZones([index])).toEqual([]);
    const lost = sims.filter((s) => zoneOfNode.get(s.name) === LOST);
    expect((await heldCopies(lost)).length).toBeGreaterThan(0);

    const recorder = recordStatuses(cluster);
    // The zone goes dark at once: both its data nodes die without a word.
    await Promise.all(lost.map((s) => s.kill()));
    try {
      await waitFor(async () => (await Promise.all(lost.map((s) => cluster.node(s.name)))).every((n) => n?.status?.state === 'UNHEALTHY'), {
        timeoutMs: 30_000, intervalMs: 200, description: `the ${LOST} data nodes to turn UNHEALTHY`,
      });
      index = await cluster.waitForIndex('spread', (i) => i.status?.health === 'green' && i.status.state === 'ACTIVE' && settled(i)
        && (i.status.shardAllocations ?? []).every((a) => zoneOfNode.get(a.nodeId) !== LOST), `green again with no copy in ${LOST}`, 120_000);
    } finally {
      recorder.stop();
    }
    expectWellAllocated(index);
    // Every shard has its two copies in the two remaining zones, one in each.
    for (let shard = 0; shard < 12; shard++) {
      const zones = (index.status?.shardAllocations ?? []).filter((a) => a.shardId === shard).map((a) => zoneOfNode.get(a.nodeId)).sort();
      expect(`${shard}: ${zones.join(',')}`).toBe(`${shard}: zone-a,zone-b`);
    }
    const survivors = sims.filter((s) => zoneOfNode.get(s.name) !== LOST);
    expect(await heldCopies(survivors)).toEqual(allAllocated(await listIndices(cluster)));

    // Sampled over the whole change (every status the API server stored): never red, yellow while
    // the replicas were re-created, and never two copies of a shard in one zone.
    const seen = recorder.history.filter((i) => i.metadata.name === 'spread');
    expect(seen.length).toBeGreaterThan(0);
    const healths = seen.map((i) => i.status?.health);
    const compact = (i: QuidditchIndex) => `rv ${i.metadata.resourceVersion} ${i.status?.health}: ${(i.status?.shardAllocations ?? []).map((a) => `${a.shardId}${a.primary ? 'p' : 'r'}@${a.nodeId}:${a.state}`).join(' ')} | ${JSON.stringify(i.status?.conditions?.filter((c) => c.status === 'False' || c.type === 'Degraded').map((c) => [c.type, c.reason, c.message]))}`;
    if (healths.includes('red')) throw new Error(`a stored status was red:\n${seen.map(compact).join('\n')}\n${allLogs(60)}`);
    expect(healths).toContain('yellow');
    expect(sharedZones(seen)).toEqual([]);
  });

  it('lets an explicit spec.zone win over the Kubernetes Node\'s label, and falls back to the label once it is removed', async () => {
    const zoneOf = async (name: string) => (await cluster.node(name))?.status;
    await cluster.nodes.patchSpec(cluster.namespace, 'd-a0', { zone: 'rack-7' });
    const set = await waitFor(async () => ((await zoneOf('d-a0'))?.zone === 'rack-7' ? zoneOf('d-a0') : undefined), { timeoutMs: 20_000, intervalMs: 200, description: 'd-a0 in zone rack-7' });
    expect(set?.conditions?.find((c) => c.type === 'ZoneResolved')).toMatchObject({ status: 'True', reason: 'SpecZone' });
    await cluster.nodes.patchSpec(cluster.namespace, 'd-a0', { zone: null });
    const back = await waitFor(async () => ((await zoneOf('d-a0'))?.zone === 'zone-a' ? zoneOf('d-a0') : undefined), { timeoutMs: 20_000, intervalMs: 200, description: 'd-a0 back in zone-a' });
    expect(back?.conditions?.find((c) => c.type === 'ZoneResolved')).toMatchObject({ status: 'True', reason: 'KubernetesNodeLabel' });
    // Events are written fire-and-forget: wait for both changes to be recorded.
    const changes = await waitFor(async () => {
      const messages = (await cluster.events('d-a0')).filter((e) => e.reason === 'ZoneChanged').map((e) => e.message);
      return messages.some((m) => m.includes('zone-a → rack-7')) && messages.some((m) => m.includes('rack-7 → zone-a')) ? messages : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200, description: 'ZoneChanged events of d-a0 for both changes' });
    expect(changes.length).toBeGreaterThanOrEqual(3);
  });
});
