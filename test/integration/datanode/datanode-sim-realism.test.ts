/**
 * The reference data node behaves like a real one: copies take time to start, survive a restart
 * only with their data directory, grow, fill a disk, fail on demand, and keep their settings and
 * mappings. Sims run as processes against the real API server; the operator is not involved.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../../../lib/api/v1';
import type { QuidditchNode } from '../../../lib/api/v1';
import { DataNodeClient, DataNodeError } from '../../../lib/operator/datanode/client';
import type { ShardsEvent } from '../../../lib/operator/datanode/protocol';
import type { SimStats } from '../../../lib/datanode-sim';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../support/kube';
import { SimProcess, startSimProcess } from './sim-process';
import { INSECURE_PLAINTEXT_GRPC } from '../../../lib/operator/tls/grpc-security';

const custom = testKubeConfig().makeApiClient(CustomObjectsApi);
const getNode = async (namespace: string, name: string) =>
  (await custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: 'quidditchnodes', name })) as QuidditchNode;
const stats = async (sim: SimProcess): Promise<SimStats> => (await (await fetch(`http://127.0.0.1:${sim.statsPort}/stats`)).json()) as SimStats;

let ns: string;
const sims: SimProcess[] = [];
const client = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 3000, maxAttempts: 1 });
const shard = (shardId: number, primary = true, indexName = 'logs') => ({ namespace: ns, indexName, indexUid: 'uid-1', shardId, primary });

const start = async (name: string, extra: string[] = []) => {
  const sim = await startSimProcess(['--insecure-plaintext-grpc', '--name', name, '--namespace', ns, '--host', '127.0.0.1', '--port', '0', '--stats-port', '0', '--heartbeat-interval', '0.5', ...extra], {
    KUBECONFIG: process.env.QUIDDITCH_TEST_KUBECONFIG,
  });
  sims.push(sim);
  return { sim, target: { name, address: sim.address } };
};

beforeAll(async () => {
  ns = await createTestNamespace('sim-realism');
});
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.stop();
});
afterAll(async () => {
  client.close();
  await deleteNamespace(ns);
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

describe('datanode-sim realism, as a process', () => {
  simTest('keeps its copies, settings and mappings across a restart with its data directory, and loses them without it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-dir-'));
    const settingsJson = JSON.stringify({ index: { refresh_interval: '1s', max_result_window: 20000, analysis: { analyzer: { folded: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding'] } } } } });
    const mappingsJson = JSON.stringify({ properties: { title: { type: 'text', analyzer: 'folded' }, ts: { type: 'date' } } });
    let { sim, target } = await start('keep-0', ['--data-dir', dir]);
    await client.createShard(target, { shard: shard(0), settingsJson, mappingsJson, settingsGeneration: 1 });
    await client.createShard(target, { shard: shard(1, false) });
    const first = await stats(sim);
    expect(first.shards.find((s) => s.shard.shardId === 0)).toMatchObject({ settings: JSON.parse(settingsJson), mappings: JSON.parse(mappingsJson), settingsGeneration: 1 });
    expect(await sim.stop()).toBe(0);

    ({ sim, target } = await start('keep-0', ['--data-dir', dir]));
    const again = await stats(sim);
    expect(again.shards.map((s) => s.shard)).toEqual([shard(0), shard(1, false)]);
    expect(again.shards[0]).toMatchObject({ settings: JSON.parse(settingsJson), mappings: JSON.parse(mappingsJson), createdAt: first.shards[0].createdAt });
    expect(again.stats.createEffective).toBe(0);
    expect(await client.createShard(target, { shard: shard(0) })).toMatchObject({ created: false });
    expect(await sim.stop()).toBe(0);

    ({ sim } = await start('keep-0'));
    expect((await stats(sim)).shards).toEqual([]);
  });

  simTest('reports its disk capacity and use in its QuidditchNode status, and documents that grow under ingest', async () => {
    const { sim, target } = await start('disk-0', ['--disk-capacity', '2Gi', '--ingest-rate', '500', '--doc-size-bytes', '100']);
    await client.createShard(target, { shard: shard(0) });
    const grown = await waitFor(async () => (await stats(sim)).shards.find((s) => s.docsCount > 0), { description: 'documents to arrive in disk-0/logs/0' });
    expect(grown.sizeBytes).toBeGreaterThanOrEqual(grown.docsCount * 100);
    const node = await waitFor(async () => {
      const n = await getNode(ns, 'disk-0');
      return (n.status?.resources?.diskUsedBytes ?? 0) > 0 ? n : undefined;
    }, { description: 'disk-0 to report disk use' });
    expect(node.status?.resources).toMatchObject({ diskTotalBytes: 2 * 1024 ** 3, diskUsedBytes: expect.any(Number) });
  });

  simTest('streams a snapshot, then a copy starting after its start delay, and a copy failing with a reason', async () => {
    const { target } = await start('watch-0', ['--start-delay-ms', '500', '--fail-copies', 'logs/1']);
    const events: ShardsEvent[] = [];
    const stream = client.watchShards(target, {}, { event: (e) => events.push(e), end: () => undefined });
    try {
      await waitFor(() => events.find((e) => e.kind === 'SNAPSHOT'), { description: 'the snapshot' });
      expect(events[0]).toMatchObject({ kind: 'SNAPSHOT', shards: [], nodeName: 'watch-0' });
      expect(await client.createShard(target, { shard: shard(0) })).toMatchObject({ state: 'INITIALIZING' });
      await client.createShard(target, { shard: shard(1) });
      const all = () => events.flatMap((e) => e.shards.map((s) => ({ kind: e.kind, ...s })));
      await waitFor(() => all().find((s) => s.shard.shardId === 0 && s.state === 'STARTED'), { description: 'logs/0 STARTED on the stream' });
      const failed = await waitFor(() => all().find((s) => s.shard.shardId === 1 && s.state === 'FAILED'), { description: 'logs/1 FAILED on the stream' });
      expect(failed.failureReason).toMatch(/^injected fault/);
      // Each copy went INITIALIZING → its final state, nothing else, and no copy was reported twice per state.
      expect(all().filter((s) => s.shard.shardId === 0).map((s) => s.state)).toEqual(['INITIALIZING', 'STARTED']);
    } finally {
      stream.cancel();
    }
  });

  simTest('fails the configured fraction of creates, hangs the first call it is told to, and answers after', async () => {
    const { target } = await start('fault-0', ['--fail-create-ratio', '1']);
    await expect(client.createShard(target, { shard: shard(0) })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect((await client.listShards(target)).shards).toEqual([]);

    const hung = await start('fault-1', ['--hang', 'CreateShard:1']);
    const err = await client.createShard(hung.target, { shard: shard(0) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataNodeError);
    expect(err).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    expect(await client.createShard(hung.target, { shard: shard(0) })).toMatchObject({ created: true });
  });

  simTest('applies a dynamic setting and an added field to an existing copy, refuses a static one, and shows both in /stats', async () => {
    const { sim, target } = await start('settings-0');
    await client.createShard(target, { shard: shard(0), settingsJson: '{"index":{"refresh_interval":"1s","number_of_routing_shards":4}}', mappingsJson: '{"properties":{"a":{"type":"keyword"}}}', settingsGeneration: 1 });
    const ok = await client.updateShardSettings(target, { shard: shard(0), settingsJson: '{"index":{"refresh_interval":"30s","number_of_routing_shards":4}}', mappingsJson: '{"properties":{"b":{"type":"long"}}}', settingsGeneration: 2 });
    expect(ok).toMatchObject({ applied: true, shard: { settingsGeneration: 2 } });
    const refused = await client.updateShardSettings(target, { shard: shard(0), settingsJson: '{"index":{"refresh_interval":"30s","number_of_routing_shards":8}}', mappingsJson: '', settingsGeneration: 3 });
    expect(refused).toMatchObject({ applied: false, refusedReason: expect.stringContaining('static setting index.number_of_routing_shards cannot change on an open index') });
    const { shards, stats: counters } = await stats(sim);
    expect(shards[0]).toMatchObject({
      settingsGeneration: 2,
      settings: { index: { refresh_interval: '30s', number_of_routing_shards: 4 } },
      mappings: { properties: { a: { type: 'keyword' }, b: { type: 'long' } } },
    });
    expect(counters).toMatchObject({ updateCalls: 2, updateEffective: 1, updateRefused: 1 });
  });

  simTest('refuses to start on the data directory of another node', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-dir-'));
    const { sim } = await start('owner-0', ['--data-dir', dir]);
    await sim.stop();
    await expect(start('thief-0', ['--data-dir', dir])).rejects.toThrow(/it holds the data of node owner-0, not thief-0/);
  });
});
