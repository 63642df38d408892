/** Pure helpers for turning samples into the numbers the report shows. */

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface Summary {
  readonly n: number;
  readonly p50: number;
  /** Nearest-rank p99: with fewer than 100 samples it is the maximum (see tailLabel). */
  readonly p99: number;
  /** How to name p99 honestly: "p99" from 100 samples on, else "max of n". */
  readonly tailLabel: string;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  return {
    n,
    p50: round(percentile(samples, 50)),
    p99: round(percentile(samples, 99)),
    tailLabel: n >= 100 ? 'p99' : `max of ${n}`,
    min: round(n ? Math.min(...samples) : NaN),
    max: round(n ? Math.max(...samples) : NaN),
    mean: round(n ? samples.reduce((a, b) => a + b, 0) / n : NaN),
  };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Reads one sample of a Prometheus text-format metric, summed over series whose labels include all of
 * `labels`. Throws when no series matches: a renamed or unregistered metric must fail the bench
 * loudly, not read as 0 (that is how `heapUsedMiB: 0` once went unnoticed).
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let matched = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const set = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) {
      total += Number(m[3]);
      matched++;
    }
  }
  if (matched === 0) {
    const sel = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
    throw new Error(`Unable to read metric ${name}${sel ? `{${sel}}` : ''}: no such series on /metrics. Check the metric name and that the operator registers it.`);
  }
  return total;
}
