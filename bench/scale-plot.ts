/**
 * Renders bench/results/scale.json as an SVG (plain text, like bench/plot.ts): operator memory
 * against the number of indices (RSS maxima while creating and during the cold start, JS heap used,
 * with the 256 / 512 MiB targets) above the cold-resync time, both on linear axes so growth that is
 * not linear shows as a bend. scripts/bench-plot.ts writes it and converts it to PNG.
 */
import type { ScaleStep } from './scale-rows';

export interface ScalePlotInput {
  readonly idle: { readonly rssMiB: number; readonly heapUsedMiB: number };
  readonly steps: readonly ScaleStep[];
}

interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly dashed?: boolean;
}

const W = 800;
const PANEL_H = 300;
const M = { left: 70, right: 230, top: 50, gap: 60, bottom: 70 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round upper bound and step for a linear axis from 0 (about 5 ticks). */
export function linearAxis(max: number): { top: number; step: number } {
  const raw = Math.max(max, 1e-9) / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  return { top: Math.ceil(max / step) * step || step, step };
}

function panel(out: string[], y0: number, title: string, unit: string, xMax: number, series: readonly Series[]): void {
  const pw = W - M.left - M.right;
  const yAxis = linearAxis(Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))));
  const xAxis = linearAxis(xMax);
  const x = (v: number) => M.left + (v / xAxis.top) * pw;
  const y = (v: number) => y0 + (1 - v / yAxis.top) * PANEL_H;
  out.push(`<text x="${M.left}" y="${y0 - 10}" font-weight="bold">${esc(title)}</text>`);
  for (let v = 0; v <= yAxis.top + 1e-9; v += yAxis.step) {
    out.push(`<line x1="${M.left}" y1="${y(v).toFixed(1)}" x2="${M.left + pw}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${+v.toFixed(2)} ${unit}</text>`);
  }
  for (let v = 0; v <= xAxis.top + 1e-9; v += xAxis.step) {
    out.push(`<line x1="${x(v).toFixed(1)}" y1="${y0}" x2="${x(v).toFixed(1)}" y2="${y0 + PANEL_H}" stroke="#eee"/>`);
    out.push(`<text x="${x(v).toFixed(1)}" y="${y0 + PANEL_H + 16}" text-anchor="middle">${v.toLocaleString('en-US')}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${y0}" width="${pw}" height="${PANEL_H}" fill="none" stroke="#333"/>`);
  series.forEach((s, i) => {
    const d = s.points.map(([a, b], j) => `${j ? 'L' : 'M'} ${x(a).toFixed(1)} ${y(b).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (!s.dashed) for (const [a, b] of s.points) out.push(`<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = y0 + 10 + i * 22;
    out.push(`<line x1="${M.left + pw + 15}" y1="${ly}" x2="${M.left + pw + 40}" y2="${ly}" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${M.left + pw + 46}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
}

export function scaleSvg(input: ScalePlotInput, subtitle: string): string {
  if (input.steps.length === 0) throw new Error('Unable to plot scale: no steps in bench/results/scale.json. Run `npm run bench -- scale` first.');
  const xMax = Math.max(...input.steps.map((s) => s.indices));
  const at = (f: (s: ScaleStep) => number, idle?: number): Array<[number, number]> => [...(idle === undefined ? [] : [[0, idle] as [number, number]]), ...input.steps.map((s): [number, number] => [s.indices, f(s)])];
  const H = M.top + 2 * PANEL_H + M.gap + M.bottom;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="20" font-size="16" font-weight="bold">Operator memory and cold resync against the number of indices</text>`,
    `<text x="${M.left}" y="36" fill="#555">${esc(subtitle)}</text>`,
  ];
  const limits = (cap: number): Series => ({ label: `target ${cap} MiB`, color: '#999', dashed: true, points: [[0, cap], [xMax, cap]] });
  panel(out, M.top + 20, 'Memory: maximum of 1 s samples per phase', 'MiB', xMax, [
    { label: 'RSS while creating', color: '#1f77b4', points: at((s) => s.creating.rssMiB, input.idle.rssMiB) },
    { label: 'RSS during cold start', color: '#d62728', points: at((s) => s.coldStart.rssMiB, input.idle.rssMiB) },
    { label: 'JS heap used, cold start', color: '#2ca02c', points: at((s) => s.coldStart.heapUsedMiB, input.idle.heapUsedMiB) },
    ...(xMax > 10_000 ? [limits(512)] : []),
    limits(256),
  ]);
  const y2 = M.top + 20 + PANEL_H + M.gap;
  panel(out, y2, 'Cold start of a fresh operator', 's', xMax, [
    { label: 'every index reconciled', color: '#9467bd', points: at((s) => s.resyncSeconds) },
    { label: 'caches synced (/readyz)', color: '#ff7f0e', points: at((s) => s.readySeconds) },
  ]);
  out.push(`<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 12}" text-anchor="middle">indices (1 shard, 0 replicas each)</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
