import * as os from 'node:os';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import pino, { Logger } from 'pino';
import { DataNodeServer, startDataNodeServer } from '../operator/datanode/server';
import type { NodeStats, ShardInfo } from '../operator/datanode/protocol';
import type { SimConfig } from './config';
import { NodeRegistration } from './registration';
import { ShardStore } from './shard-store';
import { withKeepAlive } from '../operator/kube/keep-alive';
import { startStatsServer } from './stats-server';

/** What GET /stats answers. */
export interface SimStats {
  readonly node: string;
  readonly namespace: string;
  readonly address: string;
  readonly grpcPort: number;
  readonly registered: boolean;
  readonly heartbeats: number;
  readonly lastHeartbeat?: string;
  readonly stats: NodeStats;
  readonly shards: ShardInfo[];
}

export interface DataNodeSimDeps {
  /** Credentials for the API server (k8s mode). @default loaded from config.kubeconfig, $KUBECONFIG, ~/.kube/config or in-cluster */
  readonly kubeConfig?: KubeConfig;
  /** @default a silent logger */
  readonly logger?: Logger;
}

/**
 * The reference data node: serves the shard API from memory and, in k8s mode, registers its
 * QuidditchNode and heartbeats every `heartbeatSeconds`. Nothing runs before `start()`; a
 * failed registration or heartbeat is logged and tried again on the next beat, as a real node
 * would rather wait for the API server than crash.
 */
export class DataNodeSim {
  readonly store: ShardStore;
  private grpc?: DataNodeServer;
  private stats?: { port: number; close(): Promise<void> };
  private registration?: NodeRegistration;
  private registered = false;
  private heartbeats = 0;
  private lastHeartbeat?: string;
  private timer?: NodeJS.Timeout;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly logger: Logger;

  constructor(
    readonly config: SimConfig,
    private readonly deps: DataNodeSimDeps = {},
  ) {
    this.logger = deps.logger ?? pino({ enabled: false });
    this.store = new ShardStore(config.name, { startDelayMs: config.startDelayMs });
  }

  /** Starts serving; resolves once gRPC (and /stats) listen and the first registration was tried. */
  async start(): Promise<{ grpcPort: number; statsPort?: number; address: string }> {
    this.grpc = await startDataNodeServer(this.store, { host: this.config.host, port: this.config.port });
    const address = this.config.advertise ?? `127.0.0.1:${this.grpc.port}`;
    if (this.config.statsPort !== undefined) {
      this.stats = await startStatsServer(this.config.statsPort, () => this.snapshot(address));
    }
    if (this.config.mode === 'k8s') {
      const kc = this.deps.kubeConfig ?? loadKubeConfig(this.config.kubeconfig);
      this.registration = new NodeRegistration(kc.makeApiClient(CustomObjectsApi), this.config.namespace, this.config.name, {
        nodeType: 'DATA',
        tier: this.config.tier,
        maxShards: this.config.maxShards,
        address,
        ...(this.config.zone ? { zone: this.config.zone } : {}),
      });
      await this.beat();
    }
    this.log().info({ grpcPort: this.grpc.port, statsPort: this.stats?.port, address }, 'serving');
    return { grpcPort: this.grpc.port, statsPort: this.stats?.port, address };
  }

  /** Stops heartbeats (waiting for one in flight), then the servers. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
    await this.stats?.close();
    await this.grpc?.stop(1000);
    this.log().info({ heartbeats: this.heartbeats }, 'stopped');
  }

  /** What GET /stats answers. */
  snapshot(address = this.config.advertise ?? `127.0.0.1:${this.grpc?.port ?? 0}`): SimStats {
    const { shards, stats } = this.store.listShards();
    return {
      node: this.config.name,
      namespace: this.config.namespace,
      address,
      grpcPort: this.grpc?.port ?? 0,
      registered: this.registered,
      heartbeats: this.heartbeats,
      lastHeartbeat: this.lastHeartbeat,
      stats,
      shards,
    };
  }

  private beat(): Promise<void> {
    this.inFlight = this.beatOnce().finally(() => {
      if (!this.stopped) this.timer = setTimeout(() => void this.beat(), this.config.heartbeatSeconds * 1000);
    });
    return this.inFlight;
  }

  private async beatOnce(): Promise<void> {
    const reg = this.registration;
    if (!reg) return;
    try {
      if (!this.registered) {
        await reg.register();
        this.registered = true;
        this.log().info({ namespace: reg.namespace, address: reg.spec.address }, 'registered QuidditchNode');
      }
      const now = new Date();
      await reg.heartbeat(
        {
          allocatedShards: this.store.size,
          resources: { diskUsedBytes: this.store.sizeBytes(), memoryUsedBytes: process.memoryUsage().rss, memoryTotalBytes: os.totalmem() },
        },
        now,
      );
      this.heartbeats++;
      this.lastHeartbeat = now.toISOString();
      this.log().debug({ allocatedShards: this.store.size }, 'heartbeat');
    } catch (err) {
      this.log().warn({ err: (err as Error).message }, 'heartbeat failed; retrying on the next beat');
    }
  }

  private log(): Logger {
    return this.logger;
  }
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  // Heartbeats every few seconds: reuse the TLS connection instead of a handshake per beat.
  return withKeepAlive(kc);
}
