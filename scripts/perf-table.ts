/**
 * `npm run bench:report`: regenerates README.md's Performance table from bench/results/*.json.
 * `npm run bench:report -- --check` only compares and exits 1 when README is out of date.
 * (`npm run bench` calls it after each run.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { currentBlock, renderPerformanceTable, replaceBlock } from '../bench/perf-table';
import { loadResults } from '../bench/report';

const ROOT = resolve(__dirname, '..');
export const README = resolve(ROOT, 'README.md');
export const RESULTS_DIR = resolve(ROOT, 'bench', 'results');
/** Table order: the order `npm run bench` runs them in. */
export const ORDER = ['latency', 'creation-rate', 'routing', 'heartbeats', 'failover', 'scale'] as const;

/** The block README should contain, from the committed results. */
export function expectedBlock(): string {
  return renderPerformanceTable(loadResults(RESULTS_DIR, ORDER));
}

/** Rewrites README's block; returns what happened, for the log. */
export function writePerformanceTable(): string {
  const readme = readFileSync(README, 'utf8');
  const updated = replaceBlock(readme, expectedBlock());
  if (updated === readme) return 'unchanged';
  writeFileSync(README, updated);
  return 'rewritten';
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const ok = currentBlock(readFileSync(README, 'utf8')) === expectedBlock();
    process.stdout.write(ok ? 'README.md Performance table matches bench/results.\n' : 'README.md Performance table differs from bench/results/*.json: run `npm run bench:report`.\n');
    process.exit(ok ? 0 : 1);
  }
  process.stdout.write(`README.md Performance table ${writePerformanceTable()}.\n`);
}
