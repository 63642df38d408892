import * as grpc from '@grpc/grpc-js';
import { DataNodeClient, DataNodeError } from '../../../../lib/operator/datanode/client';
import { DataNodeHandler, DataNodeServer, startDataNodeServer } from '../../../../lib/operator/datanode/server';
import { ShardRef } from '../../../../lib/operator/datanode/protocol';
import { ShardStore } from '../../../../lib/datanode-sim/shard-store';
import { INSECURE_PLAINTEXT_GRPC } from '../../../../lib/operator/tls/grpc-security';

const ref = (shardId: number, primary = true): ShardRef => ({ namespace: 'search', indexName: 'logs', indexUid: 'uid-1', shardId, primary });

describe('DataNodeClient against a real gRPC server', () => {
  let store: ShardStore;
  let server: DataNodeServer;
  let client: DataNodeClient;
  let node: { name: string; address: string };

  beforeEach(async () => {
    store = new ShardStore('data-0');
    server = await startDataNodeServer(store, { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port: 0 });
    node = { name: 'data-0', address: `127.0.0.1:${server.port}` };
    client = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 2000, backoffMs: 50 });
  });
  afterEach(async () => {
    client.close();
    await server.stop(0);
  });

  it('creates a copy once and returns the same copy on repeated calls', async () => {
    const first = await client.createShard(node, { shard: ref(0), settings: { refresh_interval: '1s' }, mappingsJson: '{}' });
    const again = await client.createShard(node, { shard: ref(0) });
    expect(first).toMatchObject({ shard: ref(0), state: 'STARTED', nodeName: 'data-0', created: true });
    expect(again).toMatchObject({ shard: ref(0), created: false, createdAt: first.createdAt });
    const { shards, stats } = await client.listShards(node);
    expect(shards.map((s) => s.shard)).toEqual([ref(0)]);
    expect(stats).toMatchObject({ createCalls: 2, createEffective: 1, creations: { 'search/logs/uid-1/0/p': 1 } });
  });

  it('tells copies of a re-created index apart by uid', async () => {
    await client.createShard(node, { shard: ref(0) });
    await client.createShard(node, { shard: { ...ref(0), indexUid: 'uid-2' } });
    expect((await client.listShards(node, { indexName: 'logs' })).shards).toHaveLength(2);
    expect((await client.listShards(node, { indexName: 'other' })).shards).toHaveLength(0);
  });

  it('answers undefined for a copy it does not hold', async () => {
    expect(await client.getShardInfo(node, ref(3))).toBeUndefined();
    await client.createShard(node, { shard: ref(3) });
    expect(await client.getShardInfo(node, ref(3))).toMatchObject({ shard: ref(3), created: false });
  });

  it('deletes idempotently, reporting whether the copy existed', async () => {
    await client.createShard(node, { shard: ref(1, false) });
    expect(await client.deleteShard(node, ref(1, false))).toEqual({ existed: true });
    expect(await client.deleteShard(node, ref(1, false))).toEqual({ existed: false });
    expect(store.stats()).toMatchObject({ deleteCalls: 2, deleteEffective: 1 });
  });

  it('promotes a replica once and keeps it primary on repeated calls', async () => {
    await client.createShard(node, { shard: ref(2, false) });
    expect(await client.promoteShard(node, ref(2, false))).toMatchObject({ shard: ref(2, true) });
    expect(await client.promoteShard(node, ref(2, false))).toMatchObject({ shard: ref(2, true) });
    expect(store.stats()).toMatchObject({ promoteCalls: 2, promoteEffective: 1, createEffective: 1 });
    await expect(client.promoteShard(node, ref(9, false))).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('demotes a superseded primary once: it keeps its data, re-syncs from the current primary, and stays a replica on repeated calls', async () => {
    const primaryStore = new ShardStore('data-1');
    const primaryServer = await startDataNodeServer(primaryStore, { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port: 0 });
    try {
      const source = { nodeName: 'data-1', address: `127.0.0.1:${primaryServer.port}`, shard: ref(4) };
      // A store that reads its recovery source as the sim does (GetShardInfo on the source node).
      const recovering = new ShardStore('data-0', { recover: async (s) => ({ ...(await client.getShardInfo({ name: s.nodeName, address: s.address }, s.shard))! }) });
      await server.stop(0);
      server = await startDataNodeServer(recovering, { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port: 0 });
      node = { name: 'data-0', address: `127.0.0.1:${server.port}` };
      primaryStore.createShard({ shard: ref(4) });
      const stale = await client.createShard(node, { shard: ref(4) });
      const started = new Promise<void>((resolve) => recovering.subscribe((c) => c.kind === 'UPSERT' && !c.shard.shard.primary && c.shard.state === 'STARTED' && resolve()));
      const demoted = await client.demoteShard(node, { shard: ref(4), recoverySource: source });
      expect(demoted).toMatchObject({ shard: ref(4, false), state: 'INITIALIZING', createdAt: stale.createdAt });
      await started;
      expect(await client.demoteShard(node, { shard: ref(4), recoverySource: source })).toMatchObject({ shard: ref(4, false), state: 'STARTED' });
      const { shards, stats } = await client.listShards(node);
      expect(shards.map((s) => s.shard)).toEqual([ref(4, false)]);
      // Demoted, never re-created: the one creation is the original copy's.
      expect(stats).toMatchObject({ demoteCalls: 2, demoteEffective: 1, createEffective: 1, creations: { 'search/logs/uid-1/4/p': 1 } });
      await expect(client.demoteShard(node, { shard: ref(8), recoverySource: source })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    } finally {
      await primaryServer.stop(0);
    }
  });

  it('rejects a request without a complete shard ref, naming the missing fields', async () => {
    const bad = { ...ref(0), indexUid: '', namespace: '' };
    await expect(client.createShard(node, { shard: bad })).rejects.toThrow(
      `Unable to create shard logs/0 on node data-0 at ${node.address}: INVALID_ARGUMENT: shard.namespace, shard.indexUid is required`,
    );
    expect(store.stats().createCalls).toBe(0);
  });

  it('pushes settings to a copy once, answers the same generation again unchanged, and refuses a static change with a reason', async () => {
    const settings = JSON.stringify({ index: { refresh_interval: '1s', analysis: { analyzer: { a: { type: 'standard' } } } } });
    const mappings = JSON.stringify({ properties: { title: { type: 'text' } } });
    await client.createShard(node, { shard: ref(0), settingsJson: settings, mappingsJson: mappings, settingsGeneration: 1 });
    const dynamic = JSON.stringify({ index: { refresh_interval: '5s', analysis: { analyzer: { a: { type: 'standard' } } } } });
    const added = JSON.stringify({ properties: { title: { type: 'text' }, tags: { type: 'keyword' } } });
    const push = { shard: ref(0), settingsJson: dynamic, mappingsJson: added, settingsGeneration: 2 };
    expect(await client.updateShardSettings(node, push)).toMatchObject({ applied: true, refusedReason: '', shard: { settingsGeneration: 2 } });
    expect(await client.updateShardSettings(node, push)).toMatchObject({ applied: true, shard: { settingsGeneration: 2 } });
    expect(store.stats()).toMatchObject({ updateCalls: 2, updateEffective: 1, updateRefused: 0 });
    expect(store.definitions()['search/logs/uid-1/0/p']).toEqual({ settings: JSON.parse(dynamic), mappings: JSON.parse(added), settingsGeneration: 2 });

    const staticChange = { ...push, settingsJson: JSON.stringify({ index: { refresh_interval: '5s' } }), mappingsJson: JSON.stringify({ properties: { title: { type: 'keyword' } } }), settingsGeneration: 3 };
    const refused = await client.updateShardSettings(node, staticChange);
    expect(refused).toMatchObject({ applied: false, shard: { settingsGeneration: 2 } });
    expect(refused.refusedReason).toBe(
      'Node data-0 refused the settings of logs/0: static setting index.analysis.analyzer.a.type cannot change on an open index; ' +
        'mapping field types cannot change (title: text → keyword). Create a new index with the new settings and mappings and reindex into it, or revert the change.',
    );
    expect((await client.updateShardSettings(node, staticChange)).applied).toBe(false);
    expect(store.stats()).toMatchObject({ updateEffective: 1, updateRefused: 2 });
    await expect(client.updateShardSettings(node, { ...push, shard: ref(5) })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('reuses one channel per address', async () => {
    await client.getShardInfo(node, ref(0));
    await client.getShardInfo(node, ref(1));
    expect(client.addresses()).toEqual([node.address]);
    client.forget(node.address);
    expect(client.addresses()).toEqual([]);
  });
});

describe('DataNodeClient failures', () => {
  it('gives up with DEADLINE_EXCEEDED within the deadline when the server never answers', async () => {
    let calls = 0;
    const hang = new Promise<never>(() => undefined);
    const silent: DataNodeHandler = {
      createShard: () => {
        calls++;
        return hang;
      },
      getShardInfo: () => hang,
      deleteShard: () => hang,
      listShards: () => hang,
      promoteShard: () => hang,
      demoteShard: () => hang,
      updateShardSettings: () => hang,
      watchShards: () => undefined,
    };
    const server = await startDataNodeServer(silent, { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port: 0 });
    const node = { name: 'slow', address: `127.0.0.1:${server.port}` };
    const once = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 300, maxAttempts: 1 });
    const twice = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 300, maxAttempts: 2, backoffMs: 10 });
    try {
      const started = Date.now();
      const err = await once.createShard(node, { shard: ref(0) }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(300 + 1500);
      expect(err).toBeInstanceOf(DataNodeError);
      expect(err).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED, node: 'slow', address: node.address });
      expect(calls).toBe(1);
      // Create is idempotent, so a timed-out attempt is retried.
      await expect(twice.createShard(node, { shard: ref(0) })).rejects.toThrow(/DEADLINE_EXCEEDED.*\(after 2 attempts\)/);
      expect(calls).toBe(3);
    } finally {
      once.close();
      twice.close();
      await server.stop(0);
    }
  });

  it('says which node and address it could not reach', async () => {
    const probe = await startDataNodeServer(new ShardStore('x'), { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port: 0 });
    await probe.stop(0); // a port that nothing listens on now
    const client = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 1000, maxAttempts: 2, backoffMs: 10 });
    try {
      await expect(client.createShard({ name: 'data-7', address: `127.0.0.1:${probe.port}` }, { shard: ref(4) })).rejects.toThrow(
        new RegExp(
          `^Unable to create shard logs/4 on node data-7 at 127\\.0\\.0\\.1:${probe.port}: UNAVAILABLE: .*\\(after 2 attempts\\)\\. ` +
            'Check that the data node is running, that its spec.address is reachable from the operator, and that both ends use TLS certificates of the same CA\\.$',
        ),
      );
    } finally {
      client.close();
    }
  });

  it('retries until a restarted server answers', async () => {
    const first = await startDataNodeServer(new ShardStore('data-0'), { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port: 0 });
    const node = { name: 'data-0', address: `127.0.0.1:${first.port}` };
    const client = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 1000, maxAttempts: 20, backoffMs: 100, maxBackoffMs: 400 });
    let second: DataNodeServer | undefined;
    try {
      await client.createShard(node, { shard: ref(0) });
      await first.stop(0);
      const restarted = new ShardStore('data-0');
      const restart = new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          startDataNodeServer(restarted, { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port: first.port }).then((s) => {
            second = s;
            resolve();
          }, reject);
        }, 500),
      );
      const info = await client.createShard(node, { shard: ref(1) });
      await restart;
      expect(info).toMatchObject({ shard: ref(1), created: true });
      expect(restarted.stats().createEffective).toBe(1);
    } finally {
      client.close();
      await second?.stop(0);
    }
  });
});
