import { ExponentialBackoff } from '../runtime/backoff';

export interface SweepScheduleOptions {
  /** Least time between two successful sweeps of one key. */
  readonly intervalMs: number;
  /** Delay after the first failed sweep; it doubles with each further failure. @default 1000 */
  readonly retryBaseMs?: number;
}

/**
 * When each node's orphan sweep is due. A sweep counts only once it finished: a failed one is due
 * again after an exponential backoff (1 s, 2 s, 4 s … capped at the interval), never a full
 * interval later, so a transient error delays the cleanup by seconds, not by half a minute.
 * Pure (times are passed in), so the rules are unit-tested with a manual clock.
 */
export class SweepSchedule {
  private readonly nextAt = new Map<string, number>();
  private readonly backoff: ExponentialBackoff;

  constructor(private readonly options: SweepScheduleOptions) {
    const baseMs = options.retryBaseMs ?? 1_000;
    this.backoff = new ExponentialBackoff({ baseMs, maxMs: Math.max(baseMs, options.intervalMs) });
  }

  /** True when key has never been swept, or its next sweep (or retry) time has come. */
  isDue(key: string, nowMs: number): boolean {
    return nowMs >= (this.nextAt.get(key) ?? Number.NEGATIVE_INFINITY);
  }

  /** A sweep of key finished without error: the next one is an interval away, failures are forgotten. */
  succeeded(key: string, nowMs: number): void {
    this.backoff.forget(key);
    this.nextAt.set(key, nowMs + this.options.intervalMs);
  }

  /** A sweep of key failed: returns how long until it is due again (the backoff grows per failure). */
  failed(key: string, nowMs: number): number {
    const delayMs = this.backoff.next(key);
    this.nextAt.set(key, nowMs + delayMs);
    return delayMs;
  }

  /** After a failure: how long until the retry is due (0 if it is); undefined while nothing failed. */
  pendingRetryMs(key: string, nowMs: number): number | undefined {
    if (this.failures(key) === 0) return undefined;
    return Math.max(0, (this.nextAt.get(key) ?? nowMs) - nowMs);
  }

  /** Consecutive failed sweeps of key. */
  failures(key: string): number {
    return this.backoff.retries(key);
  }

  /** The node is gone: drop what we know about it. */
  forget(key: string): void {
    this.backoff.forget(key);
    this.nextAt.delete(key);
  }
}
