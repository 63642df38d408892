/**
 * Renders the create→ACTIVE latency distribution of bench/results/latency.json as an SVG: one
 * empirical CDF per index size (1, 10, 100 shards) on a log time axis, so the median and the tail
 * of every size read off one chart. Plain SVG text, no plotting library; scripts/bench-plot.ts
 * converts it to PNG with rsvg-convert.
 */

export interface LatencySeries {
  /** e.g. "1-shard". */
  readonly label: string;
  readonly samplesMs: readonly number[];
}

const W = 800;
const H = 480;
const M = { left: 70, right: 170, top: 50, bottom: 60 };
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Decades (and 2×, 5×) between lo and hi, for a log axis. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** p;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

/** The nearest 1, 2 or 5 × 10^n below (down) or above (up) v: the axis ends on a tick. */
export function niceBound(v: number, direction: 'down' | 'up'): number {
  const p = Math.floor(Math.log10(v));
  const steps = [1, 2, 5, 10].map((m) => m * 10 ** p);
  return direction === 'down' ? Math.max(...steps.filter((s) => s <= v)) : Math.min(...steps.filter((s) => s >= v));
}

/** The step points of an empirical CDF: sorted samples, each with the fraction at or below it. */
export function ecdf(samples: readonly number[]): Array<[number, number]> {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted.map((v, i) => [v, (i + 1) / sorted.length]);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

export function latencyCdfSvg(series: readonly LatencySeries[], subtitle: string): string {
  const all = series.flatMap((s) => s.samplesMs).filter((v) => v > 0);
  if (all.length === 0) throw new Error('Unable to plot latency: no samples in bench/results/latency.json. Run `npm run bench -- latency` first.');
  const lo = niceBound(Math.min(...all), 'down');
  const hi = niceBound(Math.max(...all), 'up');
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (ms: number) => M.left + ((Math.log10(ms) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * pw;
  const y = (f: number) => M.top + (1 - f) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="22" font-size="16" font-weight="bold">Create → ACTIVE latency (empirical CDF)</text>`,
    `<text x="${M.left}" y="40" fill="#555">${esc(subtitle)}</text>`,
  ];
  for (const t of logTicks(lo, hi)) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${M.top}" x2="${x(t).toFixed(1)}" y2="${M.top + ph}" stroke="#ddd"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${t >= 1000 ? `${t / 1000} s` : `${t} ms`}</text>`);
  }
  for (const f of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    out.push(`<line x1="${M.left}" y1="${y(f).toFixed(1)}" x2="${M.left + pw}" y2="${y(f).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 8}" y="${(y(f) + 4).toFixed(1)}" text-anchor="end">${Math.round(f * 100)}%</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 15}" text-anchor="middle">time from create to status.state ACTIVE (log scale)</text>`);
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">indices at or below</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = ecdf(s.samplesMs.filter((v) => v > 0));
    // Steps: horizontal to the next sample, then up.
    let d = `M ${x(pts[0][0]).toFixed(1)} ${y(0).toFixed(1)}`;
    let prevF = 0;
    for (const [v, f] of pts) {
      d += ` L ${x(v).toFixed(1)} ${y(prevF).toFixed(1)} L ${x(v).toFixed(1)} ${y(f).toFixed(1)}`;
      prevF = f;
    }
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const sorted = pts.map((p) => p[0]);
    const ly = M.top + 10 + i * 52;
    out.push(`<line x1="${M.left + pw + 15}" y1="${ly}" x2="${M.left + pw + 40}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${M.left + pw + 46}" y="${ly + 4}">${esc(s.label)} (n=${sorted.length})</text>`);
    out.push(`<text x="${M.left + pw + 46}" y="${ly + 20}" fill="#555">p50 ${Math.round(quantile(sorted, 0.5))} ms</text>`);
    out.push(`<text x="${M.left + pw + 46}" y="${ly + 34}" fill="#555">max ${Math.round(sorted[sorted.length - 1])} ms</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
