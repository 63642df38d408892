import * as grpc from '@grpc/grpc-js';
import { DataNodeClient, DataNodeError } from '../../../../lib/operator/datanode/client';
import { DataNodeServer, startDataNodeServer } from '../../../../lib/operator/datanode/server';
import type { ShardRef, ShardsEvent } from '../../../../lib/operator/datanode/protocol';
import { ShardStore } from '../../../../lib/datanode-sim/shard-store';
import { INSECURE_PLAINTEXT_GRPC } from '../../../../lib/operator/tls/grpc-security';

const ref = (shardId: number, primary = true): ShardRef => ({ namespace: 'search', indexName: 'logs', indexUid: 'uid-1', shardId, primary });

/** Collects a stream's events and lets a test wait for the next one that matches. */
class Recorder {
  readonly events: ShardsEvent[] = [];
  ended?: { error?: DataNodeError };
  private waiters: Array<() => void> = [];
  event = (e: ShardsEvent) => {
    this.events.push(e);
    this.wake();
  };
  end = (error?: DataNodeError) => {
    this.ended = { error };
    this.wake();
  };
  async until<T>(find: () => T | undefined): Promise<T> {
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
  next(kind: string, from = 0): Promise<ShardsEvent> {
    return this.until(() => this.events.slice(from).find((e) => e.kind === kind));
  }
  private wake() {
    this.waiters.splice(0).forEach((w) => w());
  }
}

describe('WatchShards', () => {
  let store: ShardStore;
  let server: DataNodeServer;
  let client: DataNodeClient;
  let node: { name: string; address: string };

  const open = async (options = {}) => {
    store = new ShardStore('data-0', options);
    server = await startDataNodeServer(store, { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port: 0 });
    node = { name: 'data-0', address: `127.0.0.1:${server.port}` };
  };
  beforeEach(() => {
    client = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 2000 });
  });
  afterEach(async () => {
    client.close();
    store.close();
    await server.stop(0);
  });

  it('sends a snapshot of the copies held, then each copy as it is created, starts and goes', async () => {
    await open({ startDelayMs: 50 });
    store.createShard({ shard: ref(0) });
    const rec = new Recorder();
    const stream = client.watchShards(node, {}, rec);
    const snapshot = await rec.next('SNAPSHOT');
    expect(snapshot).toMatchObject({ nodeName: 'data-0', shards: [{ shard: ref(0) }] });

    await client.createShard(node, { shard: ref(1) });
    const created = await rec.until(() => rec.events.find((e) => e.kind === 'UPSERT' && e.shards[0].shard.shardId === 1 && e.shards[0].state === 'INITIALIZING'));
    expect(created.shards).toHaveLength(1);
    // Its start is pushed, not left for a poll to find.
    await rec.until(() => rec.events.find((e) => e.kind === 'UPSERT' && e.shards[0].shard.shardId === 1 && e.shards[0].state === 'STARTED'));

    await client.deleteShard(node, ref(0));
    expect(await rec.next('REMOVED')).toMatchObject({ shards: [{ shard: ref(0) }] });
    stream.cancel();
    expect(rec.ended).toBeUndefined(); // cancel is silent
  });

  it('reports a promotion as the replica removed and the primary upserted', async () => {
    await open();
    store.createShard({ shard: ref(2, false) });
    const rec = new Recorder();
    client.watchShards(node, {}, rec);
    await rec.next('SNAPSHOT');
    await client.promoteShard(node, ref(2, false));
    expect(await rec.next('REMOVED')).toMatchObject({ shards: [{ shard: ref(2, false) }] });
    await rec.until(() => rec.events.find((e) => e.kind === 'UPSERT' && e.shards[0].shard.primary));
  });

  it('sends docs and size of growing copies at most once per stats interval, and nothing while nothing grows', async () => {
    await open({ ingestRate: 1000, docSizeBytes: 10 });
    store.createShard({ shard: ref(0) });
    const rec = new Recorder();
    client.watchShards(node, { statsIntervalMs: 200 }, rec);
    const first = (await rec.next('SNAPSHOT')).shards[0];
    const grown = await rec.until(() => rec.events.find((e) => e.kind === 'UPSERT' && e.shards[0].docsCount > first.docsCount));
    expect(grown.shards[0].sizeBytes).toBeGreaterThan(first.sizeBytes);
  });

  it('ends the stream with OK when the node stops, so the caller re-opens it', async () => {
    await open();
    const rec = new Recorder();
    client.watchShards(node, {}, rec);
    await rec.next('SNAPSHOT');
    await server.stop(1000);
    const ended = await rec.until(() => rec.ended);
    // Either a clean end or UNAVAILABLE, depending on which the transport saw first.
    if (ended.error) expect(ended.error.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('reports a copy that failed to start as FAILED with the reason', async () => {
    const { Faults } = await import('../../../../lib/datanode-sim/faults');
    await open({ faults: new Faults({ failCopies: ['logs/3/r'] }) });
    const rec = new Recorder();
    client.watchShards(node, {}, rec);
    await rec.next('SNAPSHOT');
    await client.createShard(node, { shard: ref(3, false) });
    const failed = await rec.until(() => rec.events.flatMap((e) => e.shards).find((s) => s.state === 'FAILED'));
    expect(failed.failureReason).toMatch(/^injected fault/);
  });
});
