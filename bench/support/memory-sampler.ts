/**
 * Samples a process's memory every second for a whole benchmark: RSS from /proc/<pid>/status (the
 * number a memory limit is enforced on) and the V8 heap from the process's own /metrics (prom-client's
 * nodejs_heap_* gauges). The target can change mid-run (a cold start replaces the operator), and each
 * sample carries the phase it was taken in, so the maximum of every phase can be reported: a number
 * read only at the end of a step misses the peak of a burst.
 */
import { readFileSync } from 'node:fs';
import { metricValue } from './stats';

export interface MemorySample {
  /** Seconds since the sampler started. */
  readonly t: number;
  readonly phase: string;
  readonly rssMiB: number;
  /** V8 heap used / committed (total), MiB; absent when /metrics did not answer within the interval. */
  readonly heapUsedMiB?: number;
  readonly heapTotalMiB?: number;
}

export interface MemoryTarget {
  readonly pid: number;
  /** The process's Prometheus text (nodejs_heap_size_used_bytes / _total_bytes). */
  metrics(): Promise<string>;
}

export interface PhaseMax {
  readonly samples: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
}

const MiB = 2 ** 20;
const r1 = (x: number): number => Math.round(x * 10) / 10;

/** VmRSS of a live process in MiB, or undefined when it has exited. */
export function readRssMiB(pid: number): number | undefined {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return Number.isFinite(kb) ? r1(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export class MemorySampler {
  readonly samples: MemorySample[] = [];
  private readonly started = performance.now();
  private target: MemoryTarget | undefined;
  private phase = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private heapInFlight = false;

  constructor(private readonly intervalMs = 1000) {}

  start(): this {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  /** Samples `target` from now on, in `phase`; one sample is taken at once so a phase is never empty. */
  follow(target: MemoryTarget | undefined, phase: string): void {
    this.target = target;
    this.phase = phase;
    this.sample();
  }

  /** Takes a sample now (e.g. at the end of a phase, before the process is stopped). */
  sample(): void {
    const target = this.target;
    if (!target) return;
    const rss = readRssMiB(target.pid);
    if (rss === undefined) return;
    const base = { t: r1((performance.now() - this.started) / 1000), phase: this.phase, rssMiB: rss };
    // RSS is read synchronously; the heap needs an HTTP round trip, which a busy event loop may delay:
    // the sample is stored with RSS alone rather than stall the next one.
    if (this.heapInFlight) {
      this.samples.push(base);
      return;
    }
    const sample: { -readonly [K in keyof MemorySample]: MemorySample[K] } = { ...base };
    this.samples.push(sample);
    this.heapInFlight = true;
    target.metrics().then(
      (text) => {
        sample.heapUsedMiB = r1(metricValue(text, 'nodejs_heap_size_used_bytes') / MiB);
        sample.heapTotalMiB = r1(metricValue(text, 'nodejs_heap_size_total_bytes') / MiB);
      },
      () => undefined, // a process stopping mid-scrape: RSS is what counts
    ).finally(() => (this.heapInFlight = false));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.target = undefined;
  }

  /** Maximum of each quantity over the samples of one phase. */
  max(phase: string): PhaseMax {
    const of = this.samples.filter((s) => s.phase === phase);
    const top = (f: (s: MemorySample) => number | undefined): number => r1(Math.max(0, ...of.map(f).filter((v): v is number => v !== undefined)));
    return { samples: of.length, rssMiB: top((s) => s.rssMiB), heapUsedMiB: top((s) => s.heapUsedMiB), heapTotalMiB: top((s) => s.heapTotalMiB) };
  }
}
