import { CustomObjectsApi, KubeConfig, KubernetesListObject, KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
import type { Logger } from '../logger';
import type { OperatorMetrics } from '../metrics';
import { Clock, systemClock, TimerHandle, withTimeout } from './clock';
import { ListPage, listInPages, RawList } from './paged-list';
import { StringPool } from './string-pool';
import type { EventSource, ObjectStore, SyncStatus } from './source';

/** The least an object must have for the cache to index it. */
export interface NamedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface InformerOptions {
  readonly kubeConfig: KubeConfig;
  /** Plural resource name, e.g. "quidditchindices". */
  readonly plural: string;
  /** The one namespace watched. */
  readonly namespace: string;
  /** Only objects matching this label selector are listed and watched. @default every object */
  readonly labelSelector?: string;
  /** @default "quidditch.io" */
  readonly group?: string;
  /** @default "v1" */
  readonly version?: string;
  /** Every period, each cached object is re-emitted as an update. 0 disables it. @default 300000 (5 min) */
  readonly resyncPeriodMs?: number;
  /** First restart delay after an error; doubles per consecutive failure. @default 1000 */
  readonly initialBackoffMs?: number;
  /** Cap of the restart delay. @default 30000 */
  readonly maxBackoffMs?: number;
  /**
   * Server-side lifetime of one watch request; the client also aborts it a little later, so a server
   * that hangs without closing the connection is noticed. @default 300
   */
  readonly watchTimeoutSeconds?: number;
  /** Objects per list page (see listInPages). @default 500 */
  readonly listPageSize?: number;
  /** A list (all its pages) taking longer counts as an error (then restart), so a hung server cannot stall the informer. @default 60000 */
  readonly listTimeoutMs?: number;
  readonly log: Logger;
  readonly metrics: OperatorMetrics;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * A cache of one custom resource in one namespace, kept current by client-node's ListWatch, and made
 * to survive what ListWatch does not: it stops for good on any list or watch error other than 410,
 * so this restarts it with capped exponential backoff (resuming from the last resourceVersion, or
 * relisting when that is too old). It also adds a periodic resync, sync status, watch bookmarks and a
 * per-request watch timeout. Nothing runs until start().
 */
export class ResilientInformer<T extends NamedObject> implements EventSource<T>, ObjectStore<T>, SyncStatus {
  readonly name: string;
  private readonly listWatch: ListWatch<KubernetesObject>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly updateHandlers: Array<(obj: T) => void> = [];
  private readonly syncWaiters: Array<() => void> = [];
  private running = false;
  private synced = false;
  private failures = 0;
  private errorsInAttempt = 0;
  private restartTimer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: InformerOptions) {
    const group = options.group ?? 'quidditch.io';
    const version = options.version ?? 'v1';
    this.name = options.plural;
    this.log = options.log.child({ informer: options.plural, namespace: options.namespace });
    this.clock = options.clock ?? systemClock;
    const api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    // What enters the cache: no managed fields, and one copy of each repeated string (see StringPool).
    const strings = new StringPool();
    const slim = <O>(obj: O): O => strings.internValues(stripManagedFields(obj));
    const listFn = async () => {
      options.metrics.informerLists.inc({ resource: options.plural });
      const page: ListPage = (p) =>
        api.listNamespacedCustomObject({ group, version, namespace: options.namespace, plural: options.plural, labelSelector: options.labelSelector, limit: p.limit, _continue: p.continue }) as Promise<RawList>;
      const list = await withTimeout(listInPages(page, slim, options.listPageSize), options.listTimeoutMs ?? 60_000);
      return list as KubernetesListObject<KubernetesObject>;
    };
    const path = `/apis/${group}/${version}/namespaces/${options.namespace}/${options.plural}`;
    const watch = new BoundedWatch(options.kubeConfig, options.watchTimeoutSeconds ?? 300, slim, () => {
      // ListWatch re-lists by itself after a 410; counted and logged so that it is visible it did.
      options.metrics.informerWatchExpired.inc({ resource: options.plural });
      this.log.info('watch expired (410 Gone): resourceVersion too old; re-listing');
    });
    this.listWatch = new ListWatch(path, watch, listFn, false, options.labelSelector);
    const count = (event: 'add' | 'update' | 'delete') => () => options.metrics.informerEvents.inc({ resource: options.plural, event });
    this.listWatch.on('add', count('add'));
    this.listWatch.on('delete', count('delete'));
    this.listWatch.on('update', (obj) => {
      count('update')();
      this.updateHandlers.forEach((h) => h(obj as T));
    });
    this.listWatch.on('error', (err) => this.onError(err));
  }

  onAdd(handler: (obj: T) => void): void {
    this.listWatch.on('add', handler as (obj: KubernetesObject) => void);
  }

  onUpdate(handler: (obj: T) => void): void {
    this.updateHandlers.push(handler);
  }

  onDelete(handler: (obj: T) => void): void {
    this.listWatch.on('delete', handler as (obj: KubernetesObject) => void);
  }

  get(namespace: string, name: string): T | undefined {
    return this.listWatch.get(name, namespace) as T | undefined;
  }

  list(namespace?: string): T[] {
    return [...this.listWatch.list(namespace)] as T[];
  }

  /** True once the first list has been loaded into the cache (and stays true). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once hasSynced(); waits across restarts while the API server is unreachable. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Lists, then watches; on failure keeps retrying in the background. Resolves after the first attempt. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.scheduleResync();
    await this.attempt();
  }

  /** Stops watching and timers. The cache keeps its last contents. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer) this.clock.clearTimeout(this.restartTimer);
    if (this.resyncTimer) this.clock.clearTimeout(this.resyncTimer);
    this.restartTimer = this.resyncTimer = undefined;
    await this.listWatch.stop();
    // A watch that was still connecting when stop() aborted ListWatch's request is only stored by
    // ListWatch afterwards; stop again once that attempt settled so it cannot linger.
    if (this.inFlight) {
      await this.inFlight;
      await this.listWatch.stop();
    }
  }

  private attempt(): Promise<void> {
    const run = this.runAttempt().finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  private async runAttempt(): Promise<void> {
    this.restartTimer = undefined;
    this.errorsInAttempt = 0;
    // ListWatch.start() resolves once the list (if needed) is done and the watch is connected, or
    // after it reported an error through onError.
    await this.listWatch.start();
    if (!this.running) return;
    // The resourceVersion is set only by a successful list (or later watch events), so a non-empty
    // one means the cache holds a complete list.
    if (!this.synced && this.listWatch.latestResourceVersion() !== '') {
      this.synced = true;
      this.log.info({ objects: this.listWatch.list().length }, 'informer synced');
      this.syncWaiters.splice(0).forEach((resolve) => resolve());
    }
    if (this.errorsInAttempt === 0) this.failures = 0;
  }

  private onError(err: unknown): void {
    // ListWatch reports the abort of its own stop() as an error too.
    if (!this.running) return;
    this.errorsInAttempt++;
    if (this.restartTimer) return;
    const initial = this.options.initialBackoffMs ?? 1000;
    const delay = Math.min(initial * 2 ** this.failures, this.options.maxBackoffMs ?? 30_000);
    this.failures++;
    this.options.metrics.informerRestarts.inc({ resource: this.options.plural });
    this.log.warn({ err, retryInMs: delay, consecutiveFailures: this.failures }, 'informer stopped on an error; restarting');
    this.restartTimer = this.clock.setTimeout(() => {
      if (this.running) void this.attempt();
    }, delay);
  }

  private scheduleResync(): void {
    const period = this.options.resyncPeriodMs ?? 300_000;
    if (period <= 0) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      if (!this.running) return;
      for (const obj of this.list()) this.updateHandlers.forEach((h) => h(obj));
      this.scheduleResync();
    }, period);
  }
}

/**
 * A Watch that asks for bookmarks (so a reconnect resumes from a recent resourceVersion instead of
 * relisting after 410) and bounds each request: the server closes it after timeoutSeconds, and the
 * client aborts it 30 s later if the server has gone silent without closing the connection.
 */
class BoundedWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly timeoutSeconds: number,
    private readonly slim: <O>(obj: O) => O,
    private readonly onExpired: () => void,
  ) {
    super(config);
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    let guard: NodeJS.Timeout | undefined;
    const params = { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.timeoutSeconds };
    const stripping = (phase: string, apiObj: unknown, watchObj?: unknown) => {
      if (phase === 'ERROR' && (apiObj as { code?: number } | undefined)?.code === 410) this.onExpired();
      callback(phase, this.slim(apiObj), watchObj);
    };
    const controller = await super.watch(path, params, stripping, (err) => {
      if (guard) clearTimeout(guard);
      const e = err as { statusCode?: number; code?: number } | null | undefined;
      if (e && (e.statusCode === 410 || e.code === 410)) this.onExpired();
      done(err);
    });
    if (!controller.signal.aborted) {
      guard = setTimeout(() => controller.abort(), (this.timeoutSeconds + 30) * 1000);
      guard.unref();
    }
    return controller;
  }
}

/**
 * Drops metadata.managedFields before an object enters the cache, as controller-runtime's
 * TransformStripManagedFields does: the operator never reads them, and they are often the largest
 * part of a small object (measured: the difference between fitting 10,000 indices in 256 MiB or not).
 */
export function stripManagedFields<O>(obj: O): O {
  const meta = (obj as { metadata?: { managedFields?: unknown; annotations?: Record<string, string> } } | undefined)?.metadata;
  if (meta && 'managedFields' in meta) delete meta.managedFields;
  // `kubectl apply` stores a second full copy of the object here; nothing in the operator or the
  // routing API reads annotations, and writes are patches, so the cached copy never writes it back.
  const annotations = meta?.annotations;
  if (annotations && LAST_APPLIED in annotations) {
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length === 0) delete meta.annotations;
  }
  return obj;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
