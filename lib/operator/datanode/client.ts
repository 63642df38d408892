import * as grpc from '@grpc/grpc-js';
import {
  CreateShardRequest,
  dataNodeService,
  DeleteShardResponse,
  DemoteShardRequest,
  ListShardsRequest,
  ListShardsResponse,
  ShardInfo,
  ShardRef,
  shardLabel,
  ShardsEvent,
  UpdateShardSettingsRequest,
  UpdateShardSettingsResponse,
  WatchShardsRequest,
} from './protocol';
import { channelCredentials, GrpcSecurity } from '../tls/grpc-security';
import { TLS_ROLES } from '../tls/tls-roles';

/** What a WatchShards stream tells its caller. */
export interface ShardsStreamListener {
  event(event: ShardsEvent): void;
  /** The stream ended: with the node's status (error) or cleanly (undefined); never after cancel(). */
  end(error?: DataNodeError): void;
}

/** An open WatchShards stream. */
export interface ShardsStream {
  /** Closes the stream; no listener call follows. Idempotent. */
  cancel(): void;
}

/** Where to reach a data node: its QuidditchNode name and spec.address. */
export interface DataNodeTarget {
  readonly name: string;
  readonly address: string;
}

export interface DataNodeClientOptions {
  /**
   * Transport security: mutual TLS with the caller's certificate, or INSECURE_PLAINTEXT_GRPC
   * (development only). Required, so that plaintext is always a visible choice.
   */
  readonly security: GrpcSecurity;
  /** Deadline of each attempt, in milliseconds. @default 5000 */
  readonly deadlineMs?: number;
  /** Attempts per call, the first included; 1 disables retries. @default 3 */
  readonly maxAttempts?: number;
  /** Wait before the first retry; doubles on every further retry. @default 200 */
  readonly backoffMs?: number;
  /** Longest wait between attempts. @default 2000 */
  readonly maxBackoffMs?: number;
  /**
   * Extra gRPC channel options. By default a lost connection is re-dialled after 200 ms growing
   * to 2 s (grpc-js starts at 1 s growing to 120 s, too slow for a restarted node), and a
   * connection with a call open (a WatchShards stream always is) is pinged every 5 s, so a node
   * that froze or vanished without closing its socket is noticed within about 10 s.
   */
  readonly channelOptions?: grpc.ChannelOptions;
}

/** A call failed for good (after retries where they apply). */
export class DataNodeError extends Error {
  constructor(
    message: string,
    /** The gRPC status of the last attempt. */
    readonly code: grpc.status,
    readonly node: string,
    readonly address: string,
  ) {
    super(message);
    this.name = 'DataNodeError';
  }
}

/** Statuses after which the same idempotent call may succeed on a later attempt. */
const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

/**
 * Calls data nodes over gRPC. One channel per address, reused by every call until `close()`.
 * Every RPC of the protocol is idempotent, so every call is retried (bounded) on UNAVAILABLE and
 * DEADLINE_EXCEEDED; other statuses fail at once.
 */
export class DataNodeClient {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly channelOptions: grpc.ChannelOptions;
  private readonly credentials: grpc.ChannelCredentials;

  constructor(options: DataNodeClientOptions) {
    this.credentials = channelCredentials(options.security);
    this.deadlineMs = options.deadlineMs ?? 5000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.backoffMs = options.backoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 2000;
    this.channelOptions = {
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
      'grpc.keepalive_time_ms': 5000,
      'grpc.keepalive_timeout_ms': 5000,
      // TLS: name the role in SNI instead of the address (an IP there is deprecated, RFC 6066).
      ...(options.security.kind === 'mutual-tls' ? { 'grpc.ssl_target_name_override': TLS_ROLES.dataNode } : {}),
      ...options.channelOptions,
    };
  }

  /** Creates the copy, or returns the existing one (`created` false). */
  createShard(node: DataNodeTarget, request: CreateShardRequest): Promise<ShardInfo> {
    return this.call(node, 'CreateShard', request, `create shard ${shardLabel(request.shard)}`);
  }

  /** The copy, or undefined when the node does not hold it. */
  async getShardInfo(node: DataNodeTarget, shard: ShardRef): Promise<ShardInfo | undefined> {
    try {
      return await this.call<ShardInfo>(node, 'GetShardInfo', { shard }, `get shard ${shardLabel(shard)}`);
    } catch (err) {
      if (err instanceof DataNodeError && err.code === grpc.status.NOT_FOUND) return undefined;
      throw err;
    }
  }

  /** Deletes the copy; `existed` is false when it was already gone. */
  deleteShard(node: DataNodeTarget, shard: ShardRef): Promise<DeleteShardResponse> {
    return this.call(node, 'DeleteShard', { shard }, `delete shard ${shardLabel(shard)}`);
  }

  /** Makes the replica `shard` (primary false) the primary. */
  promoteShard(node: DataNodeTarget, shard: ShardRef): Promise<ShardInfo> {
    return this.call(node, 'PromoteShard', { shard }, `promote shard ${shardLabel(shard)}`);
  }

  /** Makes the stale primary `request.shard` (primary true) a replica re-syncing from `request.recoverySource`. */
  demoteShard(node: DataNodeTarget, request: DemoteShardRequest): Promise<ShardInfo> {
    return this.call(node, 'DemoteShard', request, `demote shard ${shardLabel(request.shard)}`);
  }

  /** The copies the node holds and its operation counters. */
  listShards(node: DataNodeTarget, request: ListShardsRequest = {}): Promise<ListShardsResponse> {
    return this.call(node, 'ListShards', request, 'list shards');
  }

  /**
   * Pushes the index's current settings and mappings to an existing copy. A refusal is an answer
   * (`applied` false, `refusedReason`), not an error; NOT_FOUND is an error.
   */
  updateShardSettings(node: DataNodeTarget, request: UpdateShardSettingsRequest): Promise<UpdateShardSettingsResponse> {
    return this.call(node, 'UpdateShardSettings', request, `update settings of shard ${shardLabel(request.shard)}`);
  }

  /**
   * Opens a WatchShards stream (no deadline, no retry: the caller re-opens it after `end`, and
   * gets a fresh SNAPSHOT first).
   */
  watchShards(node: DataNodeTarget, request: WatchShardsRequest, listener: ShardsStreamListener): ShardsStream {
    const client = this.channel(node.address) as unknown as Record<string, (req: object) => grpc.ClientReadableStream<ShardsEvent>>;
    const call = client['WatchShards'](request);
    let open = true;
    const finish = (error?: DataNodeError) => {
      if (!open) return;
      open = false;
      listener.end(error);
    };
    call.on('data', (event: ShardsEvent) => {
      if (open) listener.event(event);
    });
    call.on('error', (err: grpc.ServiceError) =>
      finish(
        new DataNodeError(
          `Unable to watch shards on node ${node.name} at ${node.address}: ${grpc.status[err.code]}: ${err.details ?? err.message}. ${hint(err.code)}`,
          err.code,
          node.name,
          node.address,
        ),
      ),
    );
    call.on('end', () => finish());
    return {
      cancel: () => {
        if (!open) return;
        open = false;
        call.cancel();
      },
    };
  }

  /** Closes the channel to `address` (e.g. when a node moved); the next call dials again. */
  forget(address: string): void {
    this.clients.get(address)?.close();
    this.clients.delete(address);
  }

  /** Addresses with an open channel, in dial order. */
  addresses(): string[] {
    return [...this.clients.keys()];
  }

  /** Closes every channel. */
  close(): void {
    for (const address of [...this.clients.keys()]) this.forget(address);
  }

  private channel(address: string): grpc.Client {
    let client = this.clients.get(address);
    if (!client) {
      const Service = dataNodeService();
      client = new Service(address, this.credentials, this.channelOptions);
      this.clients.set(address, client);
    }
    return client;
  }

  private async call<Res>(node: DataNodeTarget, method: string, request: object, what: string): Promise<Res> {
    let last: grpc.ServiceError | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        const backoff = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 2));
        await sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
      try {
        return await this.once<Res>(node.address, method, request);
      } catch (err) {
        last = err as grpc.ServiceError;
        if (!RETRYABLE.has(last.code)) break;
      }
    }
    const code = last?.code ?? grpc.status.UNKNOWN;
    const attempts = RETRYABLE.has(code) && this.maxAttempts > 1 ? ` (after ${this.maxAttempts} attempts)` : '';
    throw new DataNodeError(
      `Unable to ${what} on node ${node.name} at ${node.address}: ${grpc.status[code]}: ${last?.details ?? last?.message}${attempts}. ` +
        hint(code),
      code,
      node.name,
      node.address,
    );
  }

  private once<Res>(address: string, method: string, request: object): Promise<Res> {
    const client = this.channel(address) as unknown as Record<
      string,
      (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Res) => void) => void
    >;
    return new Promise<Res>((resolve, reject) =>
      client[method](request, { deadline: Date.now() + this.deadlineMs }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }
}

function hint(code: grpc.status): string {
  switch (code) {
    case grpc.status.UNAVAILABLE:
      return 'Check that the data node is running, that its spec.address is reachable from the operator, and that both ends use TLS certificates of the same CA.';
    case grpc.status.DEADLINE_EXCEEDED:
      return 'The data node did not answer in time; check its load and logs.';
    case grpc.status.INVALID_ARGUMENT:
      return 'The request is malformed; this is a bug in the caller.';
    default:
      return 'See the data node logs.';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
