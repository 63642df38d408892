/** Per-key exponential backoff, as controller-runtime's default item rate limiter. */
export interface BackoffOptions {
  /** Delay after the first failure. @default 5 (ms) */
  readonly baseMs?: number;
  /** Upper bound of the delay. @default 1_000_000 (1000 s) */
  readonly maxMs?: number;
}

export const DEFAULT_BACKOFF = { baseMs: 5, maxMs: 1_000_000 } as const;

/**
 * Remembers how often each key failed and answers the next delay: base · 2^failures, capped at max.
 * forget(key) starts the key over (after a success).
 */
export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
    this.maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs)) {
      throw new Error(`Unable to create backoff with baseMs=${this.baseMs}, maxMs=${this.maxMs}: baseMs must be > 0 and maxMs >= baseMs.`);
    }
  }

  /** Records one more failure of key and returns how long to wait before retrying it. */
  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity for large n; min() keeps it at the cap.
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  /** Failures recorded for key since it was last forgotten. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}
