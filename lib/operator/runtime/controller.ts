import { randomUUID } from 'node:crypto';
import { controllerLogger, Logger, reconcileLogger } from '../logger';
import type { OperatorMetrics } from '../metrics';
import type { AdaptiveConcurrency } from './adaptive-concurrency';
import type { BackoffOptions } from './backoff';
import type { Clock } from './clock';
import { objectKey, ReconcileResult, Reconciler, retry } from './reconciler';
import type { EventSource, ObjectStore } from './source';
import { WorkQueue } from './work-queue';

export interface ControllerOptions {
  /** Name in logs and metric labels, e.g. "index". */
  readonly name: string;
  readonly reconciler: Reconciler;
  readonly log: Logger;
  readonly metrics: OperatorMetrics;
  /** Reconciles run in parallel (never two for one key). @default 1 */
  readonly concurrency?: number;
  /** Narrows `concurrency` to a limit adapted to the API server's latency. @default none: always `concurrency` */
  readonly limit?: AdaptiveConcurrency;
  /** Failure backoff per key. @default 5 ms doubling up to 1000 s */
  readonly backoff?: BackoffOptions;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * Runs `concurrency` workers over one WorkQueue, feeding keys to a Reconciler and acting on each
 * ReconcileResult (see its doc comment for what each kind does). One-shot like controller-runtime's:
 * start() once, stop() once; a replica that loses leadership exits rather than restarting it.
 */
export class Controller {
  readonly name: string;
  private readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly sources: Array<() => string[]> = [];
  private workers: Promise<void>[] = [];
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly options: ControllerOptions) {
    this.name = options.name;
    this.log = controllerLogger(options.log, options.name);
    const labels = { controller: options.name };
    this.queue = new WorkQueue({
      clock: options.clock,
      backoff: options.backoff,
      hooks: {
        depthChanged: (d) => {
          options.metrics.workqueueDepth.set(labels, d.waiting + d.inFlight + d.retrying);
          options.metrics.workqueueScheduled.set(labels, d.scheduled);
        },
        retried: () => options.metrics.workqueueRetries.inc(labels),
      },
    });
  }

  /**
   * Enqueues the keys of every add/update/delete from source, and of every object it holds when the
   * controller starts. `toKeys` maps an object to the keys to reconcile. @default its own "namespace/name"
   */
  watch<T>(source: EventSource<T> & ObjectStore<T>, toKeys: (obj: T) => readonly string[] = (o) => [objectKey(o as never)]): void {
    const enqueue = (obj: T) => toKeys(obj).forEach((k) => this.enqueue(k));
    source.onAdd(enqueue);
    source.onUpdate(enqueue);
    source.onDelete(enqueue);
    this.sources.push(() => source.list().flatMap((o) => [...toKeys(o)]));
  }

  /** Asks for key to be reconciled (de-duplicated with any pending request). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Asks for key to be reconciled after ms. */
  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  /** Starts the workers and enqueues every object of the watched sources. */
  start(): void {
    if (this.state !== 'new') throw new Error(`Unable to start controller ${this.name}: it is ${this.state}. Create a new Controller.`);
    this.state = 'running';
    for (const keysOf of this.sources) keysOf().forEach((k) => this.enqueue(k));
    const concurrency = Math.max(1, this.options.concurrency ?? 1);
    this.workers = Array.from({ length: concurrency }, () => this.work());
    this.log.info({ concurrency }, 'controller started');
  }

  /** Stops handing out keys, aborts ctx.signal, and resolves once in-flight reconciles have returned. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    this.abort.abort();
    await this.queue.shutDown();
    await Promise.all(this.workers);
    if (wasRunning) this.log.info('controller stopped');
  }

  isRunning(): boolean {
    return this.state === 'running';
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const { limit } = this.options;
      await limit?.acquire();
      try {
        if (this.state === 'running') await this.reconcileKey(key);
      } finally {
        limit?.release();
        this.queue.done(key);
      }
      // A reconcile that finds everything settled in the caches never waits on I/O, and the queue
      // hands out the next key at once: without this turn of the event loop a cold start of 10,000
      // indices ran as one chain of microtasks for seconds, starving sockets and timers (the Lease
      // renewal timed out and the leader stepped down). Go's scheduler preempts; Node must yield.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async reconcileKey(key: string): Promise<void> {
    const { metrics, reconciler } = this.options;
    const controller = this.name;
    const reconcileId = randomUUID();
    const log = reconcileLogger(this.log, key, reconcileId);
    const stopTimer = metrics.reconcileDuration.startTimer({ controller });
    let result: ReconcileResult;
    try {
      result = await reconciler.reconcile(key, { log, reconcileId, signal: this.abort.signal });
    } catch (error) {
      metrics.reconcilePanics.inc({ controller });
      result = retry(error);
    }
    stopTimer();
    metrics.reconcileTotal.inc({ controller, result: result.kind });
    switch (result.kind) {
      case 'done':
        this.queue.forget(key);
        log.debug('reconciled');
        break;
      case 'requeueAfter':
        this.queue.forget(key);
        this.queue.addAfter(key, result.ms);
        log.debug({ requeueAfterMs: result.ms }, 'reconciled; requeued');
        break;
      case 'retry':
        this.queue.addRateLimited(key);
        log.warn({ err: result.error, retries: this.queue.numRequeues(key) }, 'reconcile failed; retrying with backoff');
        break;
      case 'terminal':
        this.queue.forget(key);
        log.error({ err: result.error }, 'reconcile failed terminally; not retrying until the object changes');
        break;
    }
  }
}
