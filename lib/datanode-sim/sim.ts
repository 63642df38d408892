import * as os from 'node:os';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import pino, { Logger } from 'pino';
import { DataNodeServer, startDataNodeServer } from '../operator/datanode/server';
import { DataNodeClient } from '../operator/datanode/client';
import { shardKey, type NodeStats, type RecoverySource, type ShardInfo } from '../operator/datanode/protocol';
import { DataDir } from './data-dir';
import { Faults, withHangs } from './faults';
import type { SimConfig } from './config';
import { NodeRegistration } from './registration';
import { ShardStore } from './shard-store';
import { withKeepAlive } from '../operator/kube/keep-alive';
import { startStatsServer } from './stats-server';
import { fileCertificateProvider, GrpcSecurity, INSECURE_PLAINTEXT_GRPC, mutualTls } from '../operator/tls/grpc-security';

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
  readonly shards: SimShard[];
  /** Disk the copies take and the node's capacity. */
  readonly disk: { readonly usedBytes: number; readonly capacityBytes: number };
}

/** A copy as /stats shows it: what the protocol reports plus the settings and mappings it stores. */
export type SimShard = ShardInfo & { readonly settings: unknown; readonly mappings: unknown };

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
  private shuttingDown = false;
  private readonly logger: Logger;
  private readonly faults: Faults;
  /** Reads recovery sources (peer recovery), as a real node copies from the primary's node. */
  private readonly peers: DataNodeClient;
  private readonly security: GrpcSecurity;

  constructor(
    readonly config: SimConfig,
    private readonly deps: DataNodeSimDeps = {},
  ) {
    this.logger = deps.logger ?? pino({ enabled: false });
    this.faults = new Faults(config.faults, config.seed ?? 1);
    const tls = config.grpcTls;
    // One certificate serves and dials: peers accept it for recovery reads (GetShardInfo) only.
    this.security = tls.kind === 'files' ? mutualTls(fileCertificateProvider(tls.dir, tls.refreshMs)) : INSECURE_PLAINTEXT_GRPC;
    this.peers = new DataNodeClient({ deadlineMs: 2000, maxAttempts: 3, security: this.security });
    this.store = new ShardStore(config.name, {
      startDelayMs: config.startDelayMs,
      startJitterMs: config.startJitterMs,
      recoveryMsPerMiB: config.recoveryMsPerMiB,
      ingestRate: config.ingestRate,
      docSizeBytes: config.docSizeBytes,
      diskCapacityBytes: config.diskCapacityBytes,
      statsIntervalMs: config.statsIntervalMs,
      faults: this.faults,
      dataDir: config.dataDir ? new DataDir(config.dataDir, config.name) : undefined,
      recover: (source) => this.readSource(source),
    });
  }

  /** Starts serving; resolves once gRPC (and /stats) listen and the first registration was tried. */
  async start(): Promise<{ grpcPort: number; statsPort?: number; address: string }> {
    this.store.open();
    if (this.store.size > 0) this.log().info({ copies: this.store.size, dataDir: this.config.dataDir }, 're-opening copies from the data directory');
    this.grpc = await startDataNodeServer(withHangs(this.store, this.faults), { host: this.config.host, port: this.config.port, security: this.security });
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
        ...(this.config.kubernetesNode ? { kubernetesNode: this.config.kubernetesNode } : {}),
      }, this.config.cluster);
      await this.beat();
    }
    this.log().info({ grpcPort: this.grpc.port, statsPort: this.stats?.port, address, grpcTransport: this.security.kind }, 'serving');
    if (this.security.kind === 'insecure-plaintext') this.log().warn('gRPC serves PLAINTEXT to anyone who reaches the port (--insecure-plaintext-grpc): development only');
    return { grpcPort: this.grpc.port, statsPort: this.stats?.port, address };
  }

  /** Stops heartbeats (waiting for one in flight), then the servers. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
    await this.stats?.close();
    await this.grpc?.stop(1000);
    this.store.close();
    this.peers.close();
    this.log().info({ heartbeats: this.heartbeats }, 'stopped');
  }

  /**
   * Asks to be drained (status.shuttingDown, sent at once) and resolves once the node holds no copy:
   * the operator has moved every one away. Keeps serving meanwhile; `stop()` afterwards.
   */
  async drain(): Promise<void> {
    this.shuttingDown = true;
    await this.inFlight;
    await this.beatOnce();
    await new Promise<void>((resolve) => {
      if (this.store.size === 0) return resolve();
      const unsubscribe = this.store.subscribe(() => {
        if (this.store.size > 0) return;
        unsubscribe();
        resolve();
      });
    });
    // One more beat, so the QuidditchNode shows no copies left before the pod goes.
    await this.inFlight;
    await this.beatOnce();
  }

  /** What GET /stats answers. */
  snapshot(address = this.config.advertise ?? `127.0.0.1:${this.grpc?.port ?? 0}`): SimStats {
    const { shards, stats } = this.store.listShards();
    const definitions = this.store.definitions();
    return {
      node: this.config.name,
      namespace: this.config.namespace,
      address,
      grpcPort: this.grpc?.port ?? 0,
      registered: this.registered,
      heartbeats: this.heartbeats,
      lastHeartbeat: this.lastHeartbeat,
      stats,
      shards: shards.map((s) => ({ ...s, ...pickDefinition(definitions[shardKey(s.shard)]) })),
      disk: { usedBytes: this.store.usedBytes(), capacityBytes: this.store.diskCapacityBytes },
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
          resources: { diskUsedBytes: this.store.usedBytes(), diskTotalBytes: this.store.diskCapacityBytes, memoryUsedBytes: process.memoryUsage().rss, memoryTotalBytes: os.totalmem() },
          shuttingDown: this.shuttingDown,
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

  private async readSource(source: RecoverySource): Promise<{ docsCount: number; sizeBytes: number }> {
    const copy = `${source.shard.indexName}/${source.shard.shardId}`;
    try {
      const info = await this.peers.getShardInfo({ name: source.nodeName, address: source.address }, source.shard);
      if (!info) throw new Error(`node ${source.nodeName} holds no copy ${copy}`);
      if (info.state !== 'STARTED') throw new Error(`its copy is ${info.state}, not STARTED`);
      this.log().info({ copy, source: source.nodeName, sizeBytes: info.sizeBytes }, 'recovering a copy from its source');
      return { docsCount: info.docsCount, sizeBytes: info.sizeBytes };
    } catch (err) {
      this.log().warn({ copy, source: source.nodeName, err: (err as Error).message }, 'unable to recover a copy from its source');
      throw err;
    }
  }

  private log(): Logger {
    return this.logger;
  }
}

function pickDefinition(d: { settings: unknown; mappings: unknown } | undefined): { settings: unknown; mappings: unknown } {
  return { settings: d?.settings ?? {}, mappings: d?.mappings ?? {} };
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  // Heartbeats every few seconds: reuse the TLS connection instead of a handshake per beat.
  return withKeepAlive(kc);
}
