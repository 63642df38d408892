import { BackoffOptions, ExponentialBackoff } from './backoff';
import { Clock, systemClock, TimerHandle } from './clock';

/**
 * What a queue holds. `waiting + inFlight + retrying` is the work not yet done (the depth a drain
 * waits for); `scheduled` keys are planned re-checks (requeueAfter, e.g. a heartbeat's expiry) that
 * every healthy object may have at all times, so they are reported apart instead of as backlog.
 */
export interface QueueDepth {
  /** Queued, ready for a worker. */
  readonly waiting: number;
  /** Handed to a worker, not yet done. */
  readonly inFlight: number;
  /** Delayed by the failure backoff (addRateLimited): failed work still to be done. */
  readonly retrying: number;
  /** Delayed by addAfter: a re-check planned for later. */
  readonly scheduled: number;
}

/** Observers of a queue, e.g. Prometheus metrics. */
export interface WorkQueueHooks {
  /** Called whenever any count of the queue's depth changes. */
  depthChanged?(depth: QueueDepth): void;
  /** Called once per addRateLimited. */
  retried?(key: string): void;
}

export interface WorkQueueOptions {
  /** Time source for delays. @default systemClock */
  readonly clock?: Clock;
  /** Per-key failure backoff. @default 5 ms doubling up to 1000 s */
  readonly backoff?: BackoffOptions;
  /** @default no hooks */
  readonly hooks?: WorkQueueHooks;
}

/**
 * A work queue with client-go semantics, so a controller can run several workers safely:
 * - add(key) de-duplicates: a key already waiting is not queued twice.
 * - A key is handed to at most one worker at a time. If it is added while being processed it is
 *   marked dirty and queued again when the worker calls done(key), so no change is lost.
 * - addRateLimited(key) re-adds after a per-key exponential backoff; forget(key) resets it.
 * - addAfter(key, ms) re-adds after a delay; one timer per key, the earliest requested time wins.
 * - shutDown() stops handing out keys, drops waiting and delayed ones, and resolves once every key
 *   handed out has been marked done.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys that need processing: waiting in `queue`, or added again while processing. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; handle: TimerHandle; retry: boolean }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private readonly clock: Clock;
  private readonly backoff: ExponentialBackoff;
  private readonly hooks: WorkQueueHooks;
  private shuttingDown = false;
  /** Entries of `delayed` that are failure retries (kept as a count: depth is reported on every change). */
  private retryingCount = 0;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.backoff = new ExponentialBackoff(options.backoff);
    this.hooks = options.hooks ?? {};
  }

  /** Queues key unless it is already waiting (or the queue is shut down). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // done(key) will queue it again
    this.queue.push(key);
    this.handOut();
    this.depthChanged();
  }

  /** Queues key after ms; if key already has a pending delay, the earlier of the two wins. */
  addAfter(key: string, ms: number): void {
    this.delay(key, ms, false);
  }

  /** Queues key after its next backoff delay (5 ms, 10 ms, 20 ms, … by default). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.hooks.retried?.(key);
    this.delay(key, this.backoff.next(key), true);
  }

  /** Resets key's backoff; call after it was reconciled successfully. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** Failures of key since it was last forgotten. */
  numRequeues(key: string): number {
    return this.backoff.retries(key);
  }

  /**
   * The next key to process, waiting until one is available; undefined once the queue is shut down.
   * The caller owns the key until it calls done(key).
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.handOut();
    });
  }

  /** Marks key processed; if it was added meanwhile it is queued again now. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.queue.push(key);
      this.handOut();
    }
    this.depthChanged();
    if (this.processing.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  /** Keys waiting to be handed out (delayed keys not included). */
  len(): number {
    return this.queue.length;
  }

  /** Everything the queue holds, by kind (see QueueDepth). */
  depth(): QueueDepth {
    const retrying = this.retryingCount;
    return { waiting: this.queue.length, inFlight: this.processing.size, retrying, scheduled: this.delayed.size - retrying };
  }

  /** Keys currently handed out to workers. */
  inFlight(): number {
    return this.processing.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops the queue; resolves when every key handed out so far has been marked done. */
  shutDown(): Promise<void> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
      this.delayed.clear();
      this.retryingCount = 0;
      this.queue.length = 0;
      this.dirty.clear();
      this.waiters.splice(0).forEach((resolve) => resolve(undefined));
      this.depthChanged();
    }
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private handOut(): void {
    while (this.waiters.length > 0 && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.dirty.delete(key);
      this.processing.add(key);
      (this.waiters.shift() as (key: string) => void)(key);
      this.depthChanged();
    }
  }

  private delay(key: string, ms: number, retry: boolean): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) {
      this.clock.clearTimeout(pending.handle);
      this.undelay(key);
    }
    const handle = this.clock.setTimeout(() => {
      this.undelay(key);
      this.add(key);
      this.depthChanged(); // add() reports nothing when the key was already waiting
    }, ms);
    this.delayed.set(key, { at, handle, retry });
    if (retry) this.retryingCount++;
    this.depthChanged();
  }

  private undelay(key: string): void {
    if (this.delayed.get(key)?.retry) this.retryingCount--;
    this.delayed.delete(key);
  }

  private depthChanged(): void {
    this.hooks.depthChanged?.(this.depth());
  }
}
