/**
 * `npm run bench:report`: regenerates README.md's Performance table from bench/results/*.json.
 * `npm run bench:report -- --check` only compares and exits 1 when README is out of date.
 * (`npm run bench` calls it after each run.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IMAGE_MARKERS, ImageMeasurement, renderImageTable } from '../bench/image-table';
import { currentBlock, renderPerformanceTable, replaceBlock } from '../bench/perf-table';
import { loadResults } from '../bench/report';

const ROOT = resolve(__dirname, '..');
export const README = resolve(ROOT, 'README.md');
export const RESULTS_DIR = resolve(ROOT, 'bench', 'results');
/** Table order: the order `npm run bench` runs them in. */
export const ORDER = ['latency', 'creation-rate', 'routing', 'routing-freshness', 'heartbeats', 'failover', 'scale', 'drain'] as const;

/** The block README should contain, from the committed results. */
export function expectedBlock(): string {
  return renderPerformanceTable(loadResults(RESULTS_DIR, ORDER));
}

export const IMAGE_RESULT = resolve(RESULTS_DIR, 'image', 'image-size.json');

/** README's image table, from the committed scripts/measure-image.sh result. */
export function expectedImageBlock(): string {
  return renderImageTable(JSON.parse(readFileSync(IMAGE_RESULT, 'utf8')) as ImageMeasurement);
}

/** Rewrites README's generated blocks; returns what happened, for the log. */
export function writePerformanceTable(): string {
  const readme = readFileSync(README, 'utf8');
  const updated = replaceBlock(replaceBlock(readme, expectedBlock()), expectedImageBlock(), IMAGE_MARKERS);
  if (updated === readme) return 'unchanged';
  writeFileSync(README, updated);
  return 'rewritten';
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const readme = readFileSync(README, 'utf8');
    const ok = currentBlock(readme) === expectedBlock() && currentBlock(readme, IMAGE_MARKERS) === expectedImageBlock();
    process.stdout.write(ok ? 'README.md Performance and image tables match bench/results.\n' : 'README.md Performance or image table differs from bench/results: run `npm run bench:report`.\n');
    process.exit(ok ? 0 : 1);
  }
  process.stdout.write(`README.md Performance table ${writePerformanceTable()}.\n`);
}
