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
  ShardsEvent,
  UpdateShardSettingsRequest,
  UpdateShardSettingsResponse,
  WatchShardsRequest,
} from './protocol';
import { GrpcSecurity, peerRole, serverCredentials } from '../tls/grpc-security';
import { TLS_ROLES } from '../tls/tls-roles';

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
  demoteShard(request: DemoteShardRequest): ShardInfo | Promise<ShardInfo>;
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
  /**
   * Transport security. With mutual TLS only clients with a certificate of the CA connect, and
   * only the operator's certificate may call anything but GetShardInfo (which peers read for
   * recovery). INSECURE_PLAINTEXT_GRPC (development only) lets anyone who reaches the port call it.
   */
  readonly security: GrpcSecurity;
  /** @default '0.0.0.0' */
  readonly host?: string;
  /** 0 picks a free port. @default 9303 */
  readonly port?: number;
}

/** Serves `handler` as the DataNode service. */
export async function startDataNodeServer(
  handler: DataNodeHandler,
  options: DataNodeServerOptions,
): Promise<DataNodeServer> {
  const server = new grpc.Server();
  const tls = options.security.kind === 'mutual-tls';
  // Open WatchShards streams, ended on stop() so a graceful shutdown does not wait for them.
  const streams = new Set<AbortController>();
  const only = (method: string, roles: readonly string[]): Authorize => (tls ? (call) => authorize(call, method, roles) : () => undefined);
  const operatorOnly = (method: string) => only(method, [TLS_ROLES.operator]);
  const withRef = <R>(auth: Authorize, fn: (ref: ShardRef) => R | Promise<R>) =>
    unary<{ shard?: ShardRef }, R>(auth, (req) => fn(requireRef(req.shard)));
  server.addService(dataNodeService().service, {
    createShard: unary<CreateShardRequest, ShardInfo>(operatorOnly('CreateShard'), (req) => handler.createShard({ ...req, shard: requireRef(req.shard) })),
    // Peers read a copy's info to recover from it; nothing else is theirs to call.
    getShardInfo: withRef(only('GetShardInfo', [TLS_ROLES.operator, TLS_ROLES.dataNode]), (ref) => handler.getShardInfo(ref)),
    deleteShard: withRef(operatorOnly('DeleteShard'), (ref) => handler.deleteShard(ref)),
    promoteShard: withRef(operatorOnly('PromoteShard'), (ref) => handler.promoteShard(ref)),
    demoteShard: unary<DemoteShardRequest, ShardInfo>(operatorOnly('DemoteShard'), (req) => handler.demoteShard({ ...req, shard: requireRef(req.shard) })),
    listShards: unary<ListShardsRequest, ListShardsResponse>(operatorOnly('ListShards'), (req) => handler.listShards(req)),
    updateShardSettings: unary<UpdateShardSettingsRequest, UpdateShardSettingsResponse>(operatorOnly('UpdateShardSettings'), (req) =>
      handler.updateShardSettings({ ...req, shard: requireRef(req.shard) }),
    ),
    watchShards: serverStream(operatorOnly('WatchShards'), handler, streams),
  });
  const host = options.host ?? '0.0.0.0';
  const address = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 9303}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, serverCredentials(options.security), (err, bound) =>
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

/** Undefined when the caller may make the call, else the refusal. */
type Authorize = (call: PeerCall) => RpcError | undefined;
type PeerCall = Parameters<typeof peerRole>[0];

function authorize(call: PeerCall, method: string, roles: readonly string[]): RpcError | undefined {
  const role = peerRole(call);
  if (role !== undefined && roles.includes(role)) return undefined;
  return new RpcError(
    grpc.status.PERMISSION_DENIED,
    `Unable to serve ${method}: the caller's certificate is ${role === undefined ? 'missing' : `issued to ${role}`}, and only ${roles.join(' or ')} may call it.`,
  );
}

function unary<Req, Res>(auth: Authorize, fn: (request: Req) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => {
        const refused = auth(call);
        if (refused) throw refused;
        return fn(call.request);
      })
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

function serverStream(auth: Authorize, handler: DataNodeHandler, streams: Set<AbortController>): grpc.handleServerStreamingCall<WatchShardsRequest, ShardsEvent> {
  return (call) => {
    const refused = auth(call);
    if (refused) {
      call.emit('error', { code: refused.code, details: refused.message });
      return;
    }
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
