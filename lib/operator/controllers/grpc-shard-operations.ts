import * as grpc from '@grpc/grpc-js';
import type { ShardState } from '../../api/v1';
import { DataNodeClient, DataNodeError } from '../datanode/client';
import type { RecoverySource, ShardInfo, ShardRef } from '../datanode/protocol';
import type { CopyRef, CreatedCopy, HeldCopy, IndexContent, NodeTarget, RecoverySourceRef, ShardOperations } from './shard-operations';

/** ShardOperations over the data-node gRPC protocol. */
export class GrpcShardOperations implements ShardOperations {
  constructor(private readonly client: DataNodeClient) {}

  async createShard(node: NodeTarget, copy: CopyRef, content?: IndexContent, source?: RecoverySourceRef): Promise<CreatedCopy> {
    const base = content ? { shard: toRef(copy), settingsJson: content.settingsJson, mappingsJson: content.mappingsJson, settingsGeneration: content.generation } : { shard: toRef(copy) };
    const request = source ? { ...base, recoverySource: toSource(source) } : base;
    const info = await this.client.createShard(node, request);
    return { state: stateOf(info), docsCount: Number(info.docsCount), sizeBytes: Number(info.sizeBytes) };
  }

  async promoteShard(node: NodeTarget, copy: CopyRef): Promise<{ state: ShardState } | undefined> {
    try {
      return { state: stateOf(await this.client.promoteShard(node, toRef({ ...copy, primary: false }))) };
    } catch (err) {
      if (err instanceof DataNodeError && err.code === grpc.status.NOT_FOUND) return undefined;
      throw err;
    }
  }

  async demoteShard(node: NodeTarget, copy: CopyRef, source: RecoverySourceRef): Promise<{ state: ShardState } | undefined> {
    try {
      return { state: stateOf(await this.client.demoteShard(node, { shard: toRef({ ...copy, primary: true }), recoverySource: toSource(source) })) };
    } catch (err) {
      if (err instanceof DataNodeError && err.code === grpc.status.NOT_FOUND) return undefined;
      throw err;
    }
  }

  async updateSettings(node: NodeTarget, copy: CopyRef, content: IndexContent): Promise<{ applied: boolean; reason: string }> {
    const answer = await this.client.updateShardSettings(node, { shard: toRef(copy), settingsJson: content.settingsJson, mappingsJson: content.mappingsJson, settingsGeneration: content.generation });
    return { applied: answer.applied, reason: answer.refusedReason };
  }

  async deleteShard(node: NodeTarget, copy: CopyRef): Promise<void> {
    await this.client.deleteShard(node, toRef(copy));
  }

  async listShards(node: NodeTarget): Promise<HeldCopy[]> {
    const { shards } = await this.client.listShards(node);
    return shards.map((s) => ({
      namespace: s.shard.namespace,
      index: s.shard.indexName,
      indexUid: s.shard.indexUid,
      shardId: s.shard.shardId,
      primary: s.shard.primary,
      state: stateOf(s),
      createdAtMs: Date.parse(s.createdAt) || 0,
    }));
  }
}

function toRef(copy: CopyRef): ShardRef {
  return { namespace: copy.namespace, indexName: copy.index, indexUid: copy.indexUid, shardId: copy.shardId, primary: copy.primary };
}

function toSource(source: RecoverySourceRef): RecoverySource {
  return { nodeName: source.node, address: source.address, shard: toRef(source.copy) };
}

function stateOf(info: ShardInfo): ShardState {
  return info.state === 'STARTED' ? 'STARTED' : 'INITIALIZING';
}
