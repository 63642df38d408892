import { DataNodeClient } from '../../../../lib/operator/datanode/client';
import { DataNodeServer, startDataNodeServer } from '../../../../lib/operator/datanode/server';
import { GrpcShardOperations } from '../../../../lib/operator/controllers/grpc-shard-operations';
import { ShardStore } from '../../../../lib/datanode-sim/shard-store';
import { INSECURE_PLAINTEXT_GRPC } from '../../../../lib/operator/tls/grpc-security';

describe('GrpcShardOperations', () => {
  let store: ShardStore;
  let server: DataNodeServer;
  const client = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 2000 });
  const ops = new GrpcShardOperations(client);
  const copy = { namespace: 'search', index: 'logs', indexUid: 'u1', shardId: 0, primary: true };
  let node: { name: string; address: string };

  beforeEach(async () => {
    store = new ShardStore('data-0');
    server = await startDataNodeServer(store, { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port: 0 });
    node = { name: 'data-0', address: `127.0.0.1:${server.port}` };
  });
  afterEach(async () => {
    store.close();
    await server.stop(0);
  });
  afterAll(() => client.close());

  it("creates a copy with the index's settings and mappings, pushes a dynamic change, and passes a refusal through", async () => {
    const settingsJson = JSON.stringify({ index: { refresh_interval: '1s', codec: 'default' } });
    await ops.createShard(node, copy, { settingsJson, mappingsJson: '{"properties":{"a":{"type":"text"}}}', generation: 1 });
    expect(store.definitions()['search/logs/u1/0/p']).toEqual({
      settings: JSON.parse(settingsJson),
      mappings: { properties: { a: { type: 'text' } } },
      settingsGeneration: 1,
    });
    expect(await ops.updateSettings(node, copy, { settingsJson: '{"index":{"refresh_interval":"5s","codec":"default"}}', mappingsJson: '', generation: 2 })).toEqual({ applied: true, reason: '' });
    const refused = await ops.updateSettings(node, copy, { settingsJson: '{"index":{"refresh_interval":"5s","codec":"best_compression"}}', mappingsJson: '', generation: 3 });
    expect(refused).toEqual({ applied: false, reason: expect.stringContaining('static setting index.codec cannot change on an open index') });
  });

  it('demotes a primary to a replica (idempotent) and answers undefined for a copy the node does not hold', async () => {
    await ops.createShard(node, copy);
    const source = { node: 'data-1', address: '127.0.0.1:1', copy };
    // The sim without a recover function counts its source as empty: it re-opens at once.
    expect(await ops.demoteShard(node, { ...copy, primary: false }, source)).toEqual({ state: 'INITIALIZING' });
    expect((await ops.listShards(node)).map((c) => c.primary)).toEqual([false]);
    expect(await ops.demoteShard(node, copy, source)).toBeDefined();
    expect(store.stats()).toMatchObject({ demoteCalls: 2, demoteEffective: 1 });
    expect(await ops.demoteShard(node, { ...copy, shardId: 7 }, source)).toBeUndefined();
  });
});
