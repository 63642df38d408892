/**
 * `npm run bench:plot`: bench/results/latency.json → latency.svg / .png, and bench/results/scale.json
 * → scale.svg / .png (the PNGs with rsvg-convert, Debian package librsvg2-bin). Re-run after
 * `npm run bench -- latency` or `npm run bench -- scale`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latencyCdfSvg, LatencySeries } from '../bench/plot';
import { ScalePlotInput, scaleSvg } from '../bench/scale-plot';

interface Stored<D> {
  readonly details: D;
  readonly machine: { cores: number; commit: string; date: string; loadAverage?: readonly number[] };
}

const dir = join(__dirname, '..', 'bench', 'results');
const read = <D>(name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Stored<D>;

function write(name: string, svg: string): void {
  writeFileSync(join(dir, `${name}.svg`), svg);
  try {
    execFileSync('rsvg-convert', ['-f', 'png', '-o', join(dir, `${name}.png`), join(dir, `${name}.svg`)], { stdio: 'inherit' });
  } catch (err) {
    throw new Error(`Unable to convert ${name}.svg to PNG: rsvg-convert failed (${(err as Error).message}). Install it with \`apt-get install librsvg2-bin\`; the SVG is written.`, { cause: err });
  }
  console.log(`wrote ${join(dir, `${name}.svg`)} and ${name}.png`);
}

const latency = read<Record<string, { samplesMs: number[] }>>('latency');
const series: LatencySeries[] = Object.entries(latency.details).map(([label, d]) => ({ label, samplesMs: d.samplesMs }));
const lm = latency.machine;
write('latency', latencyCdfSvg(series, `3 datanode-sims, 1 operator, ${lm.cores} shared cores; commit ${lm.commit}, ${lm.date.slice(0, 10)}`));

const scale = read<ScalePlotInput>('scale');
const sm = scale.machine;
const load = sm.loadAverage ? `, load ${sm.loadAverage.map((x) => x.toFixed(1)).join('/')}` : '';
write('scale', scaleSvg(scale.details, `bundled operator on plain node, 3 datanode-sims, ${sm.cores} shared cores${load}; commit ${sm.commit}, ${sm.date.slice(0, 10)}`));
