import * as grpc from '@grpc/grpc-js';
import {
  CreateShardRequest,
  DeleteShardResponse,
  ListShardsRequest,
  ListShardsResponse,
  NodeStats,
  ShardInfo,
  ShardRef,
  shardKey,
  shardLabel,
} from '../operator/datanode/protocol';
import { DataNodeHandler, RpcError } from '../operator/datanode/server';

interface StoredCopy {
  readonly shard: ShardRef;
  readonly createdAt: Date;
  readonly settings: Record<string, string>;
  readonly mappingsJson: string;
}

export interface ShardStoreOptions {
  /** A new copy reports INITIALIZING for this long, then STARTED. @default 0 */
  readonly startDelayMs?: number;
  /** Clock, for tests. @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * The sim's shards: in memory, idempotent as the protocol demands, and counting every call and
 * every effective change so tests can prove each copy was created exactly once.
 */
export class ShardStore implements DataNodeHandler {
  private readonly copies = new Map<string, StoredCopy>();
  private readonly counters: Omit<NodeStats, 'nodeName' | 'creations'> = {
    createCalls: 0,
    createEffective: 0,
    deleteCalls: 0,
    deleteEffective: 0,
    promoteCalls: 0,
    promoteEffective: 0,
  };
  private readonly creations: Record<string, number> = {};
  private readonly startDelayMs: number;
  private readonly now: () => Date;

  constructor(
    readonly nodeName: string,
    options: ShardStoreOptions = {},
  ) {
    this.startDelayMs = options.startDelayMs ?? 0;
    this.now = options.now ?? (() => new Date());
  }

  createShard(request: CreateShardRequest): ShardInfo {
    this.counters.createCalls++;
    const key = shardKey(request.shard);
    const existing = this.copies.get(key);
    if (existing) return this.info(existing, false);
    const copy: StoredCopy = {
      shard: { ...request.shard },
      createdAt: this.now(),
      settings: { ...(request.settings ?? {}) },
      mappingsJson: request.mappingsJson ?? '',
    };
    this.copies.set(key, copy);
    this.counters.createEffective++;
    this.creations[key] = (this.creations[key] ?? 0) + 1;
    return this.info(copy, true);
  }

  getShardInfo(ref: ShardRef): ShardInfo {
    const copy = this.copies.get(shardKey(ref));
    if (!copy) throw this.notFound(ref);
    return this.info(copy, false);
  }

  deleteShard(ref: ShardRef): DeleteShardResponse {
    this.counters.deleteCalls++;
    const existed = this.copies.delete(shardKey(ref));
    if (existed) this.counters.deleteEffective++;
    return { existed };
  }

  promoteShard(ref: ShardRef): ShardInfo {
    this.counters.promoteCalls++;
    const primaryKey = shardKey({ ...ref, primary: true });
    const already = this.copies.get(primaryKey);
    if (already) return this.info(already, false);
    const replicaKey = shardKey({ ...ref, primary: false });
    const replica = this.copies.get(replicaKey);
    if (!replica) throw this.notFound({ ...ref, primary: false });
    const promoted: StoredCopy = { ...replica, shard: { ...replica.shard, primary: true } };
    this.copies.delete(replicaKey);
    this.copies.set(primaryKey, promoted);
    this.counters.promoteEffective++;
    return this.info(promoted, false);
  }

  listShards(request: ListShardsRequest = {}): ListShardsResponse {
    const shards = [...this.copies.values()]
      .filter((c) => (!request.namespace || c.shard.namespace === request.namespace) && (!request.indexName || c.shard.indexName === request.indexName))
      .map((c) => this.info(c, false))
      .sort((a, b) => (shardKey(a.shard) < shardKey(b.shard) ? -1 : 1));
    return { shards, stats: this.stats() };
  }

  /** Counters since start. */
  stats(): NodeStats {
    return { nodeName: this.nodeName, ...this.counters, creations: { ...this.creations } };
  }

  /** Number of copies held. */
  get size(): number {
    return this.copies.size;
  }

  /** Bytes the copies' definitions take (the sim stores no documents). */
  sizeBytes(): number {
    let total = 0;
    for (const c of this.copies.values()) total += c.mappingsJson.length + JSON.stringify(c.settings).length;
    return total;
  }

  private info(copy: StoredCopy, created: boolean): ShardInfo {
    const age = this.now().getTime() - copy.createdAt.getTime();
    return {
      shard: { ...copy.shard },
      state: age >= this.startDelayMs ? 'STARTED' : 'INITIALIZING',
      docsCount: 0,
      sizeBytes: copy.mappingsJson.length + JSON.stringify(copy.settings).length,
      nodeName: this.nodeName,
      createdAt: copy.createdAt.toISOString(),
      created,
    };
  }

  private notFound(ref: ShardRef): RpcError {
    return new RpcError(
      grpc.status.NOT_FOUND,
      `Unable to find shard ${shardLabel(ref)} of ${ref.namespace}/${ref.indexName} (uid ${ref.indexUid}) on node ${this.nodeName}: it holds no such copy.`,
    );
  }
}
