import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** File name of the data-node protocol; ships next to this module (and next to the bundle). */
export const PROTO_FILE = 'quidditch_datanode.proto';
/** Overrides where the .proto is read from (a path to the file). */
export const PROTO_PATH_ENV = 'QUIDDITCH_PROTO_PATH';

/**
 * Where the .proto is: $QUIDDITCH_PROTO_PATH when set (an explicit choice wins), else next to
 * this module's __dirname — which, once bundled by esbuild, is the bundle's folder, so the image
 * copies the .proto next to the bundle.
 */
export function protoPath(env: NodeJS.ProcessEnv = process.env, dir: string = __dirname): string {
  const candidates = [env[PROTO_PATH_ENV], path.join(dir, PROTO_FILE)].filter((p): p is string => !!p);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `Unable to load data-node protocol ${PROTO_FILE}: not found at ${candidates.join(' or ')}. ` +
        `Copy ${PROTO_FILE} next to the program or set ${PROTO_PATH_ENV} to its path.`,
    );
  }
  return found;
}

let cached: grpc.ServiceClientConstructor | undefined;

/** The DataNode service definition, loaded once per process. */
export function dataNodeService(): grpc.ServiceClientConstructor {
  if (!cached) {
    const definition = protoLoader.loadSync(protoPath(), {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      quidditch: { datanode: { v1: { DataNode: grpc.ServiceClientConstructor } } };
    };
    cached = pkg.quidditch.datanode.v1.DataNode;
  }
  return cached;
}

// Message types as proto-loader presents them (camelCase, 64-bit integers as numbers).

export interface ShardRef {
  namespace: string;
  indexName: string;
  indexUid: string;
  shardId: number;
  primary: boolean;
}

export type ShardState = 'SHARD_STATE_UNSPECIFIED' | 'INITIALIZING' | 'STARTED' | 'FAILED';

/** Where a new copy recovers its data from (see the .proto). */
export interface RecoverySource {
  nodeName: string;
  address: string;
  shard: ShardRef;
}

export interface CreateShardRequest {
  shard: ShardRef;
  /** Legacy flat settings; used only when settingsJson is empty. */
  settings?: Record<string, string>;
  mappingsJson?: string;
  /** spec.settings as a JSON object. */
  settingsJson?: string;
  /** metadata.generation the settings and mappings come from. */
  settingsGeneration?: number;
  recoverySource?: RecoverySource | null;
}

export interface ShardInfo {
  shard: ShardRef;
  state: ShardState;
  docsCount: number;
  sizeBytes: number;
  nodeName: string;
  createdAt: string;
  created: boolean;
  /** Why the copy is FAILED ('' otherwise). */
  failureReason: string;
  /** The settings generation the copy applied (0 = unknown). */
  settingsGeneration: number;
}

export interface DeleteShardResponse {
  existed: boolean;
}

export interface DemoteShardRequest {
  /** The stale primary (primary true). */
  shard: ShardRef;
  /** The current primary it re-syncs from. */
  recoverySource?: RecoverySource | null;
}

export interface ListShardsRequest {
  namespace?: string;
  indexName?: string;
}

export interface NodeStats {
  nodeName: string;
  createCalls: number;
  createEffective: number;
  /** Creates refused by `--fail-create-ratio` (the sim's fault injection). */
  createInjectedFailures: number;
  deleteCalls: number;
  deleteEffective: number;
  promoteCalls: number;
  promoteEffective: number;
  demoteCalls: number;
  demoteEffective: number;
  updateCalls: number;
  updateEffective: number;
  updateRefused: number;
  /** Times each copy was created, by `shardKey`. */
  creations: Record<string, number>;
}

export interface ListShardsResponse {
  shards: ShardInfo[];
  stats: NodeStats;
}

export interface UpdateShardSettingsRequest {
  shard: ShardRef;
  settingsJson: string;
  mappingsJson: string;
  settingsGeneration: number;
}

export interface UpdateShardSettingsResponse {
  shard: ShardInfo;
  applied: boolean;
  /** Why the copy refused ('' when applied). */
  refusedReason: string;
}

export interface WatchShardsRequest {
  /** Least ms between two docs/size updates of one copy; 0 = the node's default. */
  statsIntervalMs?: number;
}

export type ShardsEventKind = 'SNAPSHOT' | 'UPSERT' | 'REMOVED';

export interface ShardsEvent {
  kind: ShardsEventKind | 'KIND_UNSPECIFIED';
  shards: ShardInfo[];
  nodeName: string;
}

/** A stable text key of one copy: namespace/index/uid/shard/p (primary) or /r (replica). */
export function shardKey(ref: ShardRef): string {
  return `${ref.namespace}/${ref.indexName}/${ref.indexUid}/${ref.shardId}/${ref.primary ? 'p' : 'r'}`;
}

/** `index/shard`, as people read it in messages. */
export function shardLabel(ref: Pick<ShardRef, 'indexName' | 'shardId' | 'primary'>): string {
  return `${ref.indexName}/${ref.shardId}${ref.primary ? '' : ' (replica)'}`;
}
