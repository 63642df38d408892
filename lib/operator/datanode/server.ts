import * as grpc from '@grpc/grpc-js';
import {
  CreateShardRequest,
  dataNodeService,
  DeleteShardResponse,
  ListShardsRequest,
  ListShardsResponse,
  ShardInfo,
  ShardRef,
} from './protocol';

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
  const withRef = <R>(fn: (ref: ShardRef) => R | Promise<R>) =>
    unary<{ shard?: ShardRef }, R>((req) => fn(requireRef(req.shard)));
  server.addService(dataNodeService().service, {
    createShard: unary<CreateShardRequest, ShardInfo>((req) => handler.createShard({ ...req, shard: requireRef(req.shard) })),
    getShardInfo: withRef((ref) => handler.getShardInfo(ref)),
    deleteShard: withRef((ref) => handler.deleteShard(ref)),
    promoteShard: withRef((ref) => handler.promoteShard(ref)),
    listShards: unary<ListShardsRequest, ListShardsResponse>((req) => handler.listShards(req)),
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

function requireRef(ref: ShardRef | undefined | null): ShardRef {
  const missing = !ref
    ? ['shard']
    : (['namespace', 'indexName', 'indexUid'] as const).filter((k) => !ref[k]).map((k) => `shard.${k}`);
  if (missing.length > 0) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, `${missing.join(', ')} is required: every call names the copy it acts on.`);
  }
  return ref as ShardRef;
}
