/**
 * `npm run bench:plot`: bench/results/latency.json → bench/results/latency.svg and latency.png (the
 * PNG with rsvg-convert, Debian package librsvg2-bin). Re-run after `npm run bench -- latency`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latencyCdfSvg, LatencySeries } from '../bench/plot';

interface LatencyResult {
  readonly setup: string;
  readonly details: Record<string, { samplesMs: number[] }>;
  readonly machine: { cores: number; commit: string; date: string };
}

const dir = join(__dirname, '..', 'bench', 'results');
const result = JSON.parse(readFileSync(join(dir, 'latency.json'), 'utf8')) as LatencyResult;
const series: LatencySeries[] = Object.entries(result.details).map(([label, d]) => ({ label, samplesMs: d.samplesMs }));
const m = result.machine;
const svg = latencyCdfSvg(series, `3 datanode-sims, 1 operator, ${m.cores} shared cores; commit ${m.commit}, ${m.date.slice(0, 10)}`);
writeFileSync(join(dir, 'latency.svg'), svg);
try {
  execFileSync('rsvg-convert', ['-f', 'png', '-o', join(dir, 'latency.png'), join(dir, 'latency.svg')], { stdio: 'inherit' });
} catch (err) {
  throw new Error(`Unable to convert latency.svg to PNG: rsvg-convert failed (${(err as Error).message}). Install it with \`apt-get install librsvg2-bin\`; the SVG is written.`, { cause: err });
}
console.log(`wrote ${join(dir, 'latency.svg')} and latency.png`);
