/**
 * The scale benchmark's numbers per step (pure): the maximum RSS and heap while creating and during
 * the cold start, the growth per 1,000 indices over an idle operator, and the rows of the report.
 */
import type { PhaseMax } from './support/memory-sampler';
import type { ResultRow } from './support/result';
import { round } from './support/stats';

export interface ScaleStep {
  readonly indices: number;
  /** Seconds from the first create of the step until all its indices were seen ACTIVE. */
  readonly fillSeconds: number;
  /** Cold start: spawn → /readyz (caches synced), and spawn → every index reconciled, seconds. */
  readonly readySeconds: number;
  readonly resyncSeconds: number;
  readonly creating: PhaseMax;
  readonly coldStart: PhaseMax;
}

/** The targets: ≤ 256 MiB at every sample up to 10,000 indices, ≤ 512 MiB up to 20,000. */
export function rssLimitMiB(indices: number): number | undefined {
  if (indices <= 10_000) return 256;
  if (indices <= 20_000) return 512;
  return undefined;
}

/** MiB per 1,000 indices above the idle operator (0 indices). */
export function perThousand(valueMiB: number, idleMiB: number, indices: number): number {
  return round((valueMiB - idleMiB) / (indices / 1000), 2);
}

const fmtN = (n: number): string => n.toLocaleString('en-US');

export function scaleRows(idle: PhaseMax, steps: readonly ScaleStep[]): ResultRow[] {
  const rows: ResultRow[] = [
    { metric: 'idle operator (0 indices): RSS, max of 1 s samples', value: idle.rssMiB, unit: 'MiB' },
    { metric: 'idle operator (0 indices): JS heap used, max', value: idle.heapUsedMiB, unit: 'MiB' },
  ];
  for (const s of steps) {
    const n = fmtN(s.indices);
    const limit = rssLimitMiB(s.indices);
    const target = (v: number) => (limit ? { text: `≤ ${limit} MiB at every sample`, met: v <= limit } : undefined);
    const peak = Math.max(s.creating.rssMiB, s.coldStart.rssMiB);
    rows.push({ metric: `${n} indices: operator RSS, max of 1 s samples while creating`, value: s.creating.rssMiB, unit: 'MiB', target: target(s.creating.rssMiB) });
    rows.push({ metric: `${n} indices: operator RSS, max of 1 s samples during the cold start`, value: s.coldStart.rssMiB, unit: 'MiB', target: target(s.coldStart.rssMiB) });
    rows.push({ metric: `${n} indices: RSS per 1,000 indices over the idle operator (peak of both phases)`, value: perThousand(peak, idle.rssMiB, s.indices), unit: 'MiB' });
    rows.push({ metric: `${n} indices: JS heap used, max during the cold start`, value: s.coldStart.heapUsedMiB, unit: 'MiB', note: `${perThousand(s.coldStart.heapUsedMiB, idle.heapUsedMiB, s.indices)} MiB per 1,000 indices over idle` });
    rows.push({ metric: `${n} indices: cold start to caches synced`, value: round(s.readySeconds, 2), unit: 's' });
    rows.push({ metric: `${n} indices: cold full resync (every index reconciled)`, value: round(s.resyncSeconds, 2), unit: 's' });
    rows.push({ metric: `${n} indices: created and ACTIVE`, value: round(s.fillSeconds, 1), unit: 's' });
  }
  return rows;
}
