import pino from 'pino';
import type { QuidditchNode } from '../../../../lib/api/v1';
import { DataNodeClient } from '../../../../lib/operator/datanode/client';
import { DataNodeServer, startDataNodeServer } from '../../../../lib/operator/datanode/server';
import type { ShardRef } from '../../../../lib/operator/datanode/protocol';
import { ShardWatcher } from '../../../../lib/operator/datanode/shard-watcher';
import { ShardStore } from '../../../../lib/datanode-sim/shard-store';
import { INSECURE_PLAINTEXT_GRPC } from '../../../../lib/operator/tls/grpc-security';

const ref = (index: string, shardId: number, primary = true): ShardRef => ({ namespace: 'search', indexName: index, indexUid: `uid-${index}`, shardId, primary });

/** An in-memory node cache with the informer's event contract (the watcher's only view of nodes). */
class Nodes {
  private readonly items = new Map<string, QuidditchNode>();
  private readonly handlers = { add: [] as ((n: QuidditchNode) => void)[], update: [] as ((n: QuidditchNode) => void)[], delete: [] as ((n: QuidditchNode) => void)[] };
  get = (_ns: string, name: string) => this.items.get(name);
  list = () => [...this.items.values()];
  onAdd = (h: (n: QuidditchNode) => void) => void this.handlers.add.push(h);
  onUpdate = (h: (n: QuidditchNode) => void) => void this.handlers.update.push(h);
  onDelete = (h: (n: QuidditchNode) => void) => void this.handlers.delete.push(h);
  put(name: string, address: string) {
    const node = { apiVersion: 'quidditch.io/v1', kind: 'QuidditchNode', metadata: { name, namespace: 'search' }, spec: { nodeType: 'DATA', tier: 'hot', maxShards: 100, address } } as QuidditchNode;
    const existed = this.items.has(name);
    this.items.set(name, node);
    (existed ? this.handlers.update : this.handlers.add).forEach((h) => h(node));
  }
  remove(name: string) {
    const node = this.items.get(name)!;
    this.items.delete(name);
    this.handlers.delete.forEach((h) => h(node));
  }
}

describe('ShardWatcher', () => {
  const client = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC });
  const servers: DataNodeServer[] = [];
  const stores: ShardStore[] = [];
  let nodes: Nodes;
  let watcher: ShardWatcher;
  let changes: string[][];
  let opened: number;

  /** Waits until `check` holds (streams progress on their own; the test only observes). */
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise<void>((resolve) => setTimeout(resolve, 5));
  };
  const serve = async (name: string, options = {}, port = 0) => {
    const store = new ShardStore(name, options);
    const server = await startDataNodeServer(store, { security: INSECURE_PLAINTEXT_GRPC, host: '127.0.0.1', port });
    stores.push(store);
    servers.push(server);
    return { store, server, address: `127.0.0.1:${server.port}` };
  };

  beforeEach(() => {
    nodes = new Nodes();
    changes = [];
    opened = 0;
    watcher = new ShardWatcher({
      streams: {
        watchShards: (...args) => {
          opened++;
          return client.watchShards(...args);
        },
      },
      nodes,
      log: pino({ enabled: false }),
      backoffMs: 20,
      maxBackoffMs: 100,
      onChange: (keys) => void changes.push([...keys]),
    });
  });
  afterEach(async () => {
    watcher.stop();
    stores.splice(0).forEach((s) => s.close());
    for (const s of servers.splice(0)) await s.stop(0);
  });
  afterAll(() => client.close());

  it('knows nothing of a node until its snapshot arrives, then what it holds', async () => {
    const a = await serve('data-0');
    a.store.createShard({ shard: ref('logs', 0) });
    nodes.put('data-0', a.address);
    expect(watcher.copiesOn('data-0')).toBeUndefined(); // not started: no stream at all
    watcher.start();
    expect(watcher.copiesOn('data-0')).toBeUndefined(); // unknown, not empty
    expect(watcher.indexCopiesOn('data-0', 'search', 'logs')).toBeUndefined();
    await until(() => watcher.copiesOn('data-0') !== undefined);
    expect(watcher.copiesOn('data-0')).toEqual([
      { namespace: 'search', index: 'logs', indexUid: 'uid-logs', shardId: 0, primary: true, state: 'STARTED', docsCount: 0, sizeBytes: 0 },
    ]);
    // One index's copies on the node: the same copy, and none (known, not unknown) of another index.
    expect(watcher.indexCopiesOn('data-0', 'search', 'logs')).toEqual(watcher.copiesOn('data-0'));
    expect(watcher.indexCopiesOn('data-0', 'search', 'other')).toEqual([]);
    expect(changes).toEqual([['search/logs']]);
  });

  it('calls back with the index key when a copy is created, starts or goes, and not while nothing changes', async () => {
    const a = await serve('data-0', { startDelayMs: 30 });
    const b = await serve('data-1');
    nodes.put('data-0', a.address);
    nodes.put('data-1', b.address);
    watcher.start();
    await until(() => watcher.syncedNodes().length === 2);
    expect(changes).toEqual([]); // two empty nodes: nothing changed for any index
    a.store.createShard({ shard: ref('logs', 0) });
    b.store.createShard({ shard: ref('logs', 0, false) });
    await until(() => watcher.copiesOf('search', 'logs').filter((c) => c.state === 'STARTED').length === 2);
    expect(watcher.copiesOf('search', 'logs').map((c) => `${c.node}:${c.primary}`).sort()).toEqual(['data-0:true', 'data-1:false']);
    expect(new Set(changes.flat())).toEqual(new Set(['search/logs']));
    const before = changes.length;
    b.store.deleteShard(ref('logs', 0, false));
    await until(() => changes.length > before);
    expect(changes.at(-1)).toEqual(['search/logs']);
    expect(watcher.copiesOn('data-1')).toEqual([]);
    expect(watcher.indexCopiesOn('data-1', 'search', 'logs')).toEqual([]);
    // copiesOf (grouped by index) follows the same removal.
    expect(watcher.copiesOf('search', 'logs').map((c) => `${c.node}:${c.primary}`)).toEqual(['data-0:true']);
    expect(watcher.copiesOf('search', 'other')).toEqual([]);
  });

  it('forgets a node whose stream is lost and re-syncs when it is back', async () => {
    const a = await serve('data-0');
    a.store.createShard({ shard: ref('logs', 0) });
    nodes.put('data-0', a.address);
    watcher.start();
    await until(() => watcher.copiesOn('data-0')?.length === 1);
    await a.server.stop(0);
    await until(() => watcher.copiesOn('data-0') === undefined);
    expect(watcher.copiesOf('search', 'logs')).toEqual([]);
    // Back on the same address, without its copy (a restart without its volume).
    await serve('data-0', {}, a.server.port);
    await until(() => watcher.copiesOn('data-0') !== undefined);
    expect(watcher.copiesOn('data-0')).toEqual([]);
  });

  it('closes the stream of a deleted node and follows a node to its new address', async () => {
    const a = await serve('data-0');
    const moved = await serve('data-0');
    moved.store.createShard({ shard: ref('metrics', 1) });
    nodes.put('data-0', a.address);
    watcher.start();
    await until(() => watcher.copiesOn('data-0') !== undefined);
    nodes.put('data-0', moved.address);
    await until(() => watcher.copiesOn('data-0')?.length === 1);
    nodes.remove('data-0');
    expect(watcher.copiesOn('data-0')).toBeUndefined();
    expect(changes.at(-1)).toEqual(['search/metrics']);
  });

  it('refuses a stream from a node that is not the one it dialled', async () => {
    const other = await serve('data-9');
    other.store.createShard({ shard: ref('logs', 0) });
    nodes.put('data-0', other.address);
    watcher.start();
    // A second stream is opened only after the first one's snapshot was refused.
    await until(() => opened >= 2);
    expect(watcher.copiesOn('data-0')).toBeUndefined();
    expect(changes).toEqual([]);
  });
});
