import { KubeConfig } from '@kubernetes/client-node';
import type { OperatorConfig } from '../config';
import { withKeepAlive } from '../kube/keep-alive';
import type { Logger } from '../logger';
import type { OperatorMetrics } from '../metrics';
import type { Clock } from './clock';
import type { Controller } from './controller';
import { NamedObject, ResilientInformer } from './informer';
import { LeaderElector, leaderIdentity, StoppedReason } from './leader-election';
import { leaseAnnouncement } from '../peers/peer-leases';
import { addHealthRoutes, addMetricsRoute, HttpServer } from './server';

export interface LeaderElectionSettings {
  readonly leaseName: string;
  /** Unique per process; see leaderIdentity(). */
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Labels and annotations kept on the Lease (how other clusters' operators find this one). */
  readonly leaseMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  /** @default systemClock */
  readonly clock?: Clock;
}

export interface ManagerOptions {
  readonly kubeConfig: KubeConfig;
  /** The namespace informers watch and the lease lives in. */
  readonly namespace: string;
  readonly log: Logger;
  readonly metrics: OperatorMetrics;
  /** Routing API, /healthz and /readyz; `https`: see HttpServerOptions (certificates via http.setSecureContext). */
  readonly http: { readonly host: string; readonly port: number; readonly https?: boolean };
  /** /metrics. */
  readonly metricsHttp: { readonly host: string; readonly port: number };
  /** Lease settings, or false to run controllers without election (a single replica only). */
  readonly leaderElection: LeaderElectionSettings | false;
  /** Periodic re-emit of every cached object. @default 300000 */
  readonly resyncPeriodMs?: number;
  /**
   * Called after controllers stopped because leadership was lost or the election loop died (not on
   * shutdown). The process
   * should exit non-zero, as controller-runtime does, so the pod restarts clean and campaigns again.
   */
  readonly onLeadershipLost?: () => void;
}

/** ManagerOptions from the parsed flags. */
export function managerOptionsFromConfig(
  config: OperatorConfig,
  deps: { kubeConfig: KubeConfig; log: Logger; metrics: OperatorMetrics; onLeadershipLost?: () => void },
): ManagerOptions {
  return {
    ...deps,
    namespace: config.namespace,
    // The routing API is HTTPS whenever the gRPC has a CA (it shares the operator's certificate).
    http: { host: config.bindAddress, port: config.httpPort, https: !config.insecurePlaintextGrpc },
    metricsHttp: { host: config.bindAddress, port: config.metricsPort },
    resyncPeriodMs: config.resyncPeriod * 1000,
    leaderElection: config.leaderElect
      ? {
          leaseName: config.leaseName,
          identity: leaderIdentity(config.podName),
          leaseDurationMs: config.leaseDuration * 1000,
          renewDeadlineMs: config.renewDeadline * 1000,
          retryPeriodMs: config.retryPeriod * 1000,
          leaseMetadata: leaseAnnouncement({ lease: config.leaseName, cluster: config.clusterName }),
        }
      : false,
  };
}

/**
 * Work that, like a controller, runs only on the leader once every informer synced (as
 * controller-runtime's LeaderElectionRunnable): e.g. the streams that follow data nodes.
 */
export interface LeaderRunnable {
  readonly name: string;
  /** Awaited before any controller starts (e.g. a fresh look at the namespace); must return once stop() is called. */
  prepare?(): Promise<void>;
  start(): void;
  /** Stops it; the manager awaits it before releasing the lease. */
  stop(): void | Promise<void>;
}

/** Loads the kubeconfig file at path, else the in-cluster config, else KUBECONFIG / ~/.kube/config. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return withKeepAlive(kc);
}

/**
 * Wires the operator's parts, as controller-runtime's manager does: informers (caches) and HTTP
 * servers run on every replica, so every replica serves routing and readiness; controllers run only
 * on the leader, and only once every informer has synced (a reconciler must never act on a partial
 * cache, e.g. conclude "no healthy nodes" before the node list arrived).
 * Register informers, controllers and routes before start().
 */
export class Manager {
  /** Routing API, /healthz, /readyz: add routes here before start(). */
  readonly http: HttpServer;
  private readonly metricsServer: HttpServer;
  private readonly informers = new Map<string, ResilientInformer<NamedObject>>();
  private readonly controllers: Controller[] = [];
  private readonly runnables: LeaderRunnable[] = [];
  private readonly elector: LeaderElector | undefined;
  private readonly log: Logger;
  private controllersStarted = false;
  private shuttingDown: Promise<void> | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.log = options.log.child({ component: 'manager' });
    this.http = new HttpServer({ ...options.http, log: options.log });
    this.metricsServer = new HttpServer({ ...options.metricsHttp, log: options.log });
    addHealthRoutes(this.http, { syncs: () => [...this.informers.values()], accepting: () => !this.shuttingDown });
    addMetricsRoute(this.metricsServer, options.metrics.registry);
    const le = options.leaderElection;
    this.elector = le
      ? new LeaderElector({
          kubeConfig: options.kubeConfig,
          namespace: options.namespace,
          leaseName: le.leaseName,
          identity: le.identity,
          leaseDurationMs: le.leaseDurationMs,
          renewDeadlineMs: le.renewDeadlineMs,
          retryPeriodMs: le.retryPeriodMs,
          leaseMetadata: le.leaseMetadata,
          clock: le.clock,
          log: options.log.child({ component: 'leader-election' }),
          metrics: options.metrics,
          onStartedLeading: () => void this.startControllers(),
          onStoppedLeading: (reason) => void this.leadershipEnded(reason),
        })
      : undefined;
  }

  /**
   * The informer for a quidditch.io/v1 resource in the manager's namespace (one per plural and
   * label selector; a selector narrows what is listed and watched on the server).
   */
  informer<T extends NamedObject>(plural: string, labelSelector?: string): ResilientInformer<T> {
    const key = labelSelector === undefined ? plural : `${plural}?${labelSelector}`;
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new ResilientInformer<NamedObject>({
        kubeConfig: this.options.kubeConfig,
        namespace: this.options.namespace,
        plural,
        ...(labelSelector !== undefined ? { labelSelector } : {}),
        resyncPeriodMs: this.options.resyncPeriodMs,
        log: this.options.log,
        metrics: this.options.metrics,
      });
      this.informers.set(key, informer);
    }
    return informer as unknown as ResilientInformer<T>;
  }

  addController(controller: Controller): void {
    this.controllers.push(controller);
  }

  /** Runs `runnable` beside the controllers: on the leader only, after the caches synced. */
  addRunnable(runnable: LeaderRunnable): void {
    this.runnables.push(runnable);
  }

  /** This replica leads (always true without leader election once started). */
  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.controllersStarted;
  }

  /** Starts informers and servers, then campaigns (or starts controllers at once without election). */
  async start(): Promise<{ httpPort: number; metricsPort: number }> {
    for (const informer of this.informers.values()) void informer.start();
    const httpPort = await this.http.listen();
    const metricsPort = await this.metricsServer.listen();
    this.log.info({ httpPort, metricsPort, namespace: this.options.namespace }, 'manager started');
    if (this.elector) this.elector.start();
    else void this.startControllers();
    return { httpPort, metricsPort };
  }

  /**
   * Graceful shutdown (SIGTERM): stop answering ready, stop controllers and wait for in-flight
   * reconciles, release the lease (safe now that nothing reconciles), close servers, stop informers.
   */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.runShutdown();
    return this.shuttingDown;
  }

  private async runShutdown(): Promise<void> {
    this.log.info('shutting down');
    await this.stopControllers();
    await this.elector?.release();
    await Promise.all([this.http.close(), this.metricsServer.close()]);
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.log.info('shut down');
  }

  private async startControllers(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    await Promise.all(this.runnables.map((r) => (r.prepare ? r.prepare() : Promise.resolve())));
    // Leadership may have ended, or shutdown begun, while the caches were loading.
    if (this.shuttingDown || (this.elector && !this.elector.isLeader()) || this.controllersStarted) return;
    this.controllersStarted = true;
    if (!this.elector) this.options.metrics.leaderIsLeader.set(1); // the only replica acts as leader
    for (const controller of this.controllers) controller.start();
    for (const runnable of this.runnables) runnable.start();
    this.log.info({ controllers: this.controllers.map((c) => c.name), runnables: this.runnables.map((r) => r.name) }, 'controllers started');
  }

  private async stopControllers(): Promise<void> {
    await Promise.all([...this.runnables.map(async (r) => r.stop()), ...this.controllers.map((c) => c.stop())]);
  }

  private async leadershipEnded(reason: StoppedReason): Promise<void> {
    if (reason !== 'lost' && reason !== 'failed') return;
    this.log.error({ reason }, reason === 'lost' ? 'leadership lost; stopping controllers' : 'leader election failed; stopping controllers');
    await this.stopControllers();
    this.options.onLeadershipLost?.();
  }
}
