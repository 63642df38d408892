import * as grpc from '@grpc/grpc-js';
import {
  CreateShardRequest,
  dataNodeService,
  DeleteShardResponse,
  ListShardsRequest,
  ListShardsResponse,
  ShardInfo,
  ShardRef,
  ShardsEvent,
  UpdateShardSettingsRequest,
  UpdateShardSettingsResponse,
  WatchShardsRequest,
} from './protocol';

/** Where a WatchShards handler sends its events, until `signal` aborts (caller gone or server stopping). */
export interface ShardEventSink {
  send(event: ShardsEvent): void;
  readonly signal: AbortSignal;
}

/**
 * What a data node does for each RPC. Implementations must be idempotent (see the .proto) and
 * throw `RpcError` for answers other than OK (e.g. NOT_FOUND); any other error becomes INTERNAL.
 * Requests reach the handler with a complete ShardRef (the server rejects incomplete ones).
 */
export interface DataNodeHandler {
  createShard(request: CreateShardRequest): ShardInfo | Promise<ShardInfo>;
  getShardInfo(ref: ShardRef): ShardInfo | Promise<ShardInfo>;
  deleteShard(ref: ShardRef): DeleteShardResponse | Promise<DeleteShardResponse>;
  listShards(request: ListShardsRequest): ListShardsResponse | Promise<ListShardsResponse>;
  promoteShard(ref: ShardRef): ShardInfo | Promise<ShardInfo>;
  updateShardSettings(request: UpdateShardSettingsRequest): UpdateShardSettingsResponse | Promise<UpdateShardSettingsResponse>;
  /**
   * Sends a SNAPSHOT, then every change, to `sink` until `sink.signal` aborts; must stop sending
   * (and release what it subscribed to) then. Throwing ends the stream with that status.
   */
  watchShards(request: WatchShardsRequest, sink: ShardEventSink): void | Promise<void>;
}

/** An answer with a gRPC status other than OK. */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** A running data-node gRPC server. */
export interface DataNodeServer {
  /** The bound port (useful when 0 was asked for). */
  readonly port: number;
  /** Stops accepting calls, lets running ones finish for up to `graceMs`, then cuts them. */
  stop(graceMs?: number): Promise<void>;
}

export interface DataNodeServerOptions {
  /** @default '0.0.0.0' */
  readonly host?: string;
  /** 0 picks a free port. @default 9303 */
  readonly port?: number;
}

/** Serves `handler` as the DataNode service (insecure transport: the data network is private). */
export async function startDataNodeServer(
  handler: DataNodeHandler,
  options: DataNodeServerOptions = {},
): Promise<DataNodeServer> {
  const server = new grpc.Server();
  // Open WatchShards streams, ended on stop() so a graceful shutdown does not wait for them.
  const streams = new Set<AbortController>();
  const withRef = <R>(fn: (ref: ShardRef) => R | Promise<R>) =>
    unary<{ shard?: ShardRef }, R>((req) => fn(requireRef(req.shard)));
  server.addService(dataNodeService().service, {
    createShard: unary<CreateShardRequest, ShardInfo>((req) => handler.createShard({ ...req, shard: requireRef(req.shard) })),
    getShardInfo: withRef((ref) => handler.getShardInfo(ref)),
    deleteShard: withRef((ref) => handler.deleteShard(ref)),
    promoteShard: withRef((ref) => handler.promoteShard(ref)),
    listShards: unary<ListShardsRequest, ListShardsResponse>((req) => handler.listShards(req)),
    updateShardSettings: unary<UpdateShardSettingsRequest, UpdateShardSettingsResponse>((req) =>
      handler.updateShardSettings({ ...req, shard: requireRef(req.shard) }),
    ),
    watchShards: serverStream(handler, streams),
  });
  const host = options.host ?? '0.0.0.0';
  const address = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 9303}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(new Error(`Unable to serve the data-node API on ${address}: ${err.message}. Choose a free port.`)) : resolve(bound),
    ),
  );
  return {
    port,
    stop: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.abort();
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

function unary<Req, Res>(fn: (request: Req) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (response) => callback(null, response),
        (err: unknown) =>
          callback({
            code: err instanceof RpcError ? err.code : grpc.status.INTERNAL,
            details: err instanceof Error ? err.message : String(err),
          }),
      );
  };
}

function serverStream(handler: DataNodeHandler, streams: Set<AbortController>): grpc.handleServerStreamingCall<WatchShardsRequest, ShardsEvent> {
  return (call) => {
    const abort = new AbortController();
    streams.add(abort);
    const end = () => {
      streams.delete(abort);
      if (!abort.signal.aborted) abort.abort();
    };
    call.on('cancelled', end);
    call.on('close', end);
    // Stopping the server (or the handler giving up) ends the stream with OK: the caller re-opens it.
    abort.signal.addEventListener('abort', () => {
      streams.delete(abort);
      if (!call.cancelled && call.writable) call.end();
    });
    const sink: ShardEventSink = {
      signal: abort.signal,
      send: (event) => {
        if (!abort.signal.aborted && !call.cancelled) call.write(event);
      },
    };
    Promise.resolve()
      .then(() => handler.watchShards(call.request, sink))
      .catch((err: unknown) => {
        if (abort.signal.aborted || call.cancelled) return;
        streams.delete(abort);
        // grpc-js's way to end a server stream with a status other than OK.
        call.emit('error', {
          code: err instanceof RpcError ? err.code : grpc.status.INTERNAL,
          details: err instanceof Error ? err.message : String(err),
        });
      });
  };
}

function requireRef(ref: ShardRef | undefined | null): ShardRef {
  const missing = !ref
    ? ['shard']
    : (['namespace', 'indexName', 'indexUid'] as const).filter((k) => !ref[k]).map((k) => `shard.${k}`);
  if (missing.length > 0) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, `${missing.join(', ')} is required: every call names the copy it acts on.`);
  }
  return ref as ShardRef;
}
