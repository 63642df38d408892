/** One line of the report: a measured number beside the seed's claim and the target. */
export interface ResultRow {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** What the seed document estimates, as text (e.g. "40–80 ms + 10 ms × shards"). */
  readonly seed?: string;
  /** The target, as text, and whether the value meets it. */
  readonly target?: { readonly text: string; readonly met: boolean };
  readonly note?: string;
}

export interface BenchResult {
  readonly name: string;
  readonly title: string;
  /** How the numbers were produced (shape, counts, flags). */
  readonly setup: string;
  readonly rows: readonly ResultRow[];
  /** Raw numbers behind the rows, kept in the JSON only. */
  readonly details?: unknown;
  readonly durationSeconds?: number;
}

export interface Benchmark {
  readonly name: string;
  readonly title: string;
  run(ctx: import('./context').BenchContext): Promise<Omit<BenchResult, 'name' | 'title' | 'durationSeconds'>>;
}
