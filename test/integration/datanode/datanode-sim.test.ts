import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../../../lib/api/v1';
import type { QuidditchNode } from '../../../lib/api/v1';
import { DataNodeClient } from '../../../lib/operator/datanode/client';
import { DataNodeSim, parseSimConfig } from '../../../lib/datanode-sim';
import type { SimStats } from '../../../lib/datanode-sim';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../support/kube';
import { SimProcess, startSimProcess } from './sim-process';
import { INSECURE_PLAINTEXT_GRPC } from '../../../lib/operator/tls/grpc-security';

const kc = testKubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const coords = (namespace: string) => ({ group: API_GROUP, version: API_VERSION, namespace, plural: 'quidditchnodes' });
const getNode = async (namespace: string, name: string) =>
  (await custom.getNamespacedCustomObject({ ...coords(namespace), name })) as QuidditchNode;
const stats = async (sim: SimProcess): Promise<SimStats> => (await (await fetch(`http://127.0.0.1:${sim.statsPort}/stats`)).json()) as SimStats;

let ns: string;
const sims: SimProcess[] = [];
const client = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 5000 });

const start = async (name: string, extra: string[] = []) => {
  const sim = await startSimProcess(['--insecure-plaintext-grpc', '--name', name, '--namespace', ns, '--host', '127.0.0.1', '--port', '0', '--stats-port', '0', '--heartbeat-interval', '0.5', ...extra], {
    KUBECONFIG: process.env.QUIDDITCH_TEST_KUBECONFIG,
  });
  sims.push(sim);
  return sim;
};

beforeAll(async () => {
  ns = await createTestNamespace('datanode-sim');
});
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.stop();
});

/** A test whose failure message carries the logs of the sims it started. */
const simTest = (name: string, fn: () => Promise<void>) =>
  it(name, async () => {
    try {
      await fn();
    } catch (err) {
      if (err instanceof Error) err.message += sims.map((s) => `\n--- datanode-sim logs ---\n${s.logs()}`).join('');
      throw err;
    }
  });
afterAll(async () => {
  client.close();
  await deleteNamespace(ns);
});

describe('datanode-sim as a process against the real API server', () => {
  simTest('registers its QuidditchNode with its address and keeps lastHeartbeat advancing', async () => {
    const sim = await start('data-0', ['--tier', 'warm', '--max-shards', '40', '--zone', 'zone-b']);
    const node = await waitFor(async () => {
      const n = await getNode(ns, 'data-0');
      return n.status?.lastHeartbeat ? n : undefined;
    }, { description: 'the first heartbeat of data-0' });
    expect(node.spec).toEqual({ nodeType: 'DATA', tier: 'warm', maxShards: 40, address: `127.0.0.1:${sim.grpcPort}`, zone: 'zone-b' });
    expect(node.status).toMatchObject({ allocatedShards: 0, resources: { memoryUsedBytes: expect.any(Number), memoryTotalBytes: expect.any(Number) } });
    expect(node.status?.state).toBeUndefined(); // the operator owns state
    const first = Date.parse(node.status!.lastHeartbeat!);
    await waitFor(async () => Date.parse((await getNode(ns, 'data-0')).status?.lastHeartbeat ?? '') > first, {
      description: 'lastHeartbeat of data-0 to advance',
      timeoutMs: 10_000,
    });
  });

  simTest('serves shards over gRPC and reports them in /stats and in its heartbeat', async () => {
    const sim = await start('data-1');
    const target = { name: 'data-1', address: sim.address };
    const shard = { namespace: ns, indexName: 'logs', indexUid: 'uid-1', shardId: 0, primary: true };
    expect(await client.createShard(target, { shard })).toMatchObject({ created: true, state: 'STARTED', nodeName: 'data-1' });
    expect(await client.createShard(target, { shard })).toMatchObject({ created: false });
    const body = await stats(sim);
    expect(body).toMatchObject({ node: 'data-1', namespace: ns, address: sim.address, grpcPort: sim.grpcPort, registered: true });
    expect(body.stats).toMatchObject({ createCalls: 2, createEffective: 1, creations: { [`${ns}/logs/uid-1/0/p`]: 1 } });
    expect(body.shards.map((s) => s.shard)).toEqual([shard]);
    expect((await client.listShards(target)).stats).toEqual(body.stats);
    await waitFor(async () => (await getNode(ns, 'data-1')).status?.allocatedShards === 1, { description: 'data-1 to report 1 allocated shard' });
    const notFound = await fetch(`http://127.0.0.1:${sim.statsPort}/nope`);
    expect(notFound.status).toBe(404);
  });

  simTest('updates the spec of an existing QuidditchNode and never writes status.state', async () => {
    await custom.createNamespacedCustomObject({
      ...coords(ns),
      body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'QuidditchNode', metadata: { name: 'data-2' }, spec: { nodeType: 'DATA', address: 'old-host:9303', zone: 'gone' } },
    });
    await custom.patchNamespacedCustomObjectStatus({ ...coords(ns), name: 'data-2', body: { status: { state: 'UNHEALTHY' } } }, mergePatch);
    const sim = await start('data-2');
    const node = await waitFor(async () => {
      const n = await getNode(ns, 'data-2');
      return n.status?.lastHeartbeat ? n : undefined;
    }, { description: 'the first heartbeat of data-2' });
    expect(node.spec).toEqual({ nodeType: 'DATA', tier: 'hot', maxShards: 1000, address: sim.address });
    expect(node.status?.state).toBe('UNHEALTHY');
  });

  simTest('registers again when its QuidditchNode is deleted', async () => {
    await start('data-3');
    const first = await waitFor(() => getNode(ns, 'data-3'), { description: 'data-3 to register' });
    await custom.deleteNamespacedCustomObject({ ...coords(ns), name: 'data-3' });
    const again = await waitFor(async () => {
      const n = await getNode(ns, 'data-3');
      return n.metadata.uid !== first.metadata.uid && n.status?.lastHeartbeat ? n : undefined;
    }, { description: 'data-3 to register again', timeoutMs: 10_000 });
    expect(again.spec.nodeType).toBe('DATA');
  });

  simTest('stops heartbeating and exits 0 on SIGTERM', async () => {
    const sim = await start('data-4');
    await waitFor(async () => (await getNode(ns, 'data-4')).status?.lastHeartbeat, { description: 'the first heartbeat of data-4' });
    expect(await sim.stop()).toBe(0);
    const last = (await getNode(ns, 'data-4')).status?.lastHeartbeat;
    // Not a fixed sleep: a witness sim with the same interval heartbeats three times after data-4's exit,
    // so data-4 had the chance to write three more heartbeats had anything survived its exit.
    await start('data-4-witness');
    const witnessBeats = new Set<string>();
    await waitFor(async () => {
      const beat = (await getNode(ns, 'data-4-witness').catch(() => undefined))?.status?.lastHeartbeat;
      if (beat) witnessBeats.add(beat);
      return witnessBeats.size >= 3;
    }, { description: 'three heartbeats of the witness', intervalMs: 100, timeoutMs: 20_000 });
    expect((await getNode(ns, 'data-4')).status?.lastHeartbeat).toBe(last);
  });
});

describe('DataNodeSim in-process', () => {
  it('registers with an advertised address and stops its heartbeats on stop()', async () => {
    const config = parseSimConfig(
      ['--insecure-plaintext-grpc', '--name', 'inproc', '--namespace', ns, '--host', '127.0.0.1', '--port', '0', '--advertise', 'inproc.data.svc:9303', '--heartbeat-interval', '0.2'],
      {},
    );
    const sim = new DataNodeSim(config, { kubeConfig: kc });
    const { address } = await sim.start();
    try {
      expect(address).toBe('inproc.data.svc:9303');
      const node = await getNode(ns, 'inproc');
      expect(node.spec.address).toBe('inproc.data.svc:9303');
      expect(node.status?.lastHeartbeat).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
      await waitFor(() => sim.snapshot().heartbeats >= 3, { description: 'three heartbeats' });
    } finally {
      await sim.stop();
    }
    const beats = sim.snapshot().heartbeats;
    // Not a fixed sleep: a witness timer with the sim's interval fires three times, so the event loop ran
    // every tick the sim's heartbeat timer would have had.
    await new Promise<void>((resolve) => {
      let ticks = 0;
      const witness = setInterval(() => {
        if (++ticks === 3) { clearInterval(witness); resolve(); }
      }, 200);
    });
    expect(sim.snapshot().heartbeats).toBe(beats);
  });
});
