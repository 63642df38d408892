import { shardKey, type ShardInfo, type WatchShardsRequest } from '../operator/datanode/protocol';
import type { ShardEventSink } from '../operator/datanode/server';
import type { ShardChange } from './shard-store';

/** What a WatchShards stream needs from the store. */
export interface WatchableStore {
  readonly nodeName: string;
  /** The node's default least ms between two docs/size updates. */
  readonly statsIntervalMs: number;
  infos(): ShardInfo[];
  subscribe(listener: (change: ShardChange) => void): () => void;
}

/** Below this the node would spend its time sending sizes: requests for less get this. */
export const MIN_STATS_INTERVAL_MS = 200;

/**
 * Serves one WatchShards stream: a SNAPSHOT, then every change as the store makes it (state
 * changes are never delayed), and every `stats interval` the copies whose docs or size moved
 * since this stream last told them — nothing at all while nothing changes.
 */
export function watchShards(store: WatchableStore, request: WatchShardsRequest, sink: ShardEventSink): void {
  const nodeName = store.nodeName;
  // docs/size this stream last sent per copy, to send only what moved.
  const sent = new Map<string, string>();
  const remember = (s: ShardInfo) => sent.set(shardKey(s.shard), `${s.docsCount}/${s.sizeBytes}`);
  const unsubscribe = store.subscribe((change) => {
    if (change.kind === 'REMOVED') sent.delete(shardKey(change.shard.shard));
    else remember(change.shard);
    sink.send({ kind: change.kind, shards: [change.shard], nodeName });
  });
  const snapshot = store.infos();
  snapshot.forEach(remember);
  sink.send({ kind: 'SNAPSHOT', shards: snapshot, nodeName });
  const intervalMs = Math.max(MIN_STATS_INTERVAL_MS, request.statsIntervalMs || store.statsIntervalMs);
  const timer = setInterval(() => {
    const moved = store.infos().filter((s) => sent.get(shardKey(s.shard)) !== `${s.docsCount}/${s.sizeBytes}`);
    moved.forEach(remember);
    if (moved.length > 0) sink.send({ kind: 'UPSERT', shards: moved, nodeName });
  }, intervalMs);
  sink.signal.addEventListener('abort', () => {
    clearInterval(timer);
    unsubscribe();
  });
}
