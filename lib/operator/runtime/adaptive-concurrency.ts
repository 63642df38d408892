/** Bounds and tuning of an AdaptiveConcurrency. */
export interface AdaptiveConcurrencyOptions {
  /** The limit never goes below this. */
  readonly min: number;
  /** The limit starts here and never goes above it (the controller's workers). */
  readonly max: number;
  /**
   * Latency above baseline × tolerance counts as the API server queueing. @default 3 (measured by
   * `npm run bench -- creation-rate`: at 2 the limit fell to 6-13 while 2 shared cores were busy and
   * the rate dropped about 10 % below a fixed 16; at 3 it stayed at 12-16 and the rate did not drop)
   */
  readonly tolerance?: number;
  /** API round trips per window; the limit moves at most once per window. @default 50 */
  readonly windowSamples?: number;
  /** Windows the baseline (the least median latency seen) is remembered over. @default 100 */
  readonly baselineWindows?: number;
  /** Called with each new limit (the operator exports it as a metric). */
  readonly onChange?: (limit: number) => void;
}

/**
 * How many reconciles of one controller run at once, adapted to the API server's latency instead of
 * a fixed number: reconciles mostly wait on API round trips, so while those stay near their baseline
 * more in flight raises throughput; once they grow past `tolerance` × baseline the server is queueing
 * (its CPU or etcd is the limit) and more in flight only adds latency and load. The rule is TCP
 * Vegas's, as in Netflix's concurrency-limits: per window of round trips, the median against the
 * least median seen; above tolerance the limit shrinks in proportion (at most by half), at or below
 * it grows by one when the window used the whole limit. Between `min` and `max`; min = max is a
 * fixed limit.
 */
export class AdaptiveConcurrency {
  private current: number;
  private inFlight = 0;
  /** The most in flight during this window: growing is only worth it when the limit was reached. */
  private peak = 0;
  private readonly waiting: Array<() => void> = [];
  private samples: number[] = [];
  private readonly medians: number[] = [];
  private readonly tolerance: number;
  private readonly windowSamples: number;
  private readonly baselineWindows: number;

  constructor(private readonly options: AdaptiveConcurrencyOptions) {
    if (!Number.isInteger(options.min) || !Number.isInteger(options.max) || options.min < 1 || options.max < options.min) {
      throw new Error(`Unable to adapt concurrency between ${options.min} and ${options.max}: both must be whole numbers with 1 <= min <= max.`);
    }
    this.current = options.max;
    this.tolerance = options.tolerance ?? 3;
    this.windowSamples = options.windowSamples ?? 50;
    this.baselineWindows = options.baselineWindows ?? 100;
  }

  get limit(): number {
    return this.current;
  }

  /** Resolves once a slot is free; pair each with one release(). */
  acquire(): Promise<void> {
    if (this.inFlight < this.current) {
      this.take();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    this.inFlight--;
    this.admit();
  }

  /** One API round trip's latency in milliseconds. */
  observe(latencyMs: number): void {
    this.samples.push(latencyMs);
    if (this.samples.length < this.windowSamples) return;
    const median = this.samples.sort((a, b) => a - b)[Math.floor(this.samples.length / 2)];
    this.samples = [];
    this.medians.push(median);
    if (this.medians.length > this.baselineWindows) this.medians.shift();
    const baseline = Math.min(...this.medians);
    const saturated = this.peak >= this.current;
    this.peak = this.inFlight;
    let next = this.current;
    if (median > baseline * this.tolerance) next = Math.floor(this.current * Math.max(0.5, (baseline * this.tolerance) / median));
    else if (saturated) next = this.current + 1;
    next = Math.min(this.options.max, Math.max(this.options.min, next));
    if (next === this.current) return;
    this.current = next;
    this.options.onChange?.(next);
    this.admit();
  }

  private take(): void {
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
  }

  private admit(): void {
    while (this.inFlight < this.current && this.waiting.length > 0) {
      this.take();
      this.waiting.shift()?.();
    }
  }
}
