import { readFileSync } from 'node:fs';
import { BEGIN, currentBlock, END, renderPerformanceTable, replaceBlock } from '../../../bench/perf-table';
import type { StoredResult } from '../../../bench/report';
import { IMAGE_MARKERS } from '../../../bench/image-table';
import { expectedBlock, expectedImageBlock, README } from '../../../scripts/perf-table';

const machine = {
  cores: 2, cpuModel: 'Xeon', memoryGiB: 23.5, os: 'Linux', node: 'v20.20.2', kubeApiServer: 'v1.34.4', etcd: '3.6.16', clientNode: '1.4.0',
  commit: 'abc1234', date: '2026-11-30T04:00:00.000Z', loadAverage: [3.5, 2.25, 1] as const,
};
const result: StoredResult = {
  name: 'latency', title: 'Create → ACTIVE latency', setup: '', machine,
  rows: [
    { metric: '10-shard p50', value: 37.2, unit: 'ms', seed: '140–180 ms', target: { text: 'p50 ≤ 100 ms', met: true } },
    { metric: '10-shard max of 40', value: 1234.5, unit: 'ms', note: 'slowest | sample' },
  ],
};

describe('README Performance table', () => {
  const readme = readFileSync(README, 'utf8');

  it('is exactly what the committed bench/results/*.json render to (run `npm run bench:report`)', () => {
    expect(currentBlock(readme)).toBe(expectedBlock());
  });

  it('quotes no measurement outside the generated table', () => {
    const section = readme.slice(readme.indexOf('## Performance\n'), readme.indexOf('### Fault tolerance'));
    const prose = section.replace(currentBlock(readme) ?? '', '');
    // A number with a unit of time, rate, size or share is a measurement: it belongs in a result file.
    expect(prose.match(/\d[\d,.]*\s?(ms|s|MiB|GiB|%|\/s|minutes?|×)(?![\w-])/g) ?? []).toEqual([]);
  });
});

describe('README image table', () => {
  const readme = readFileSync(README, 'utf8');

  it('is exactly what bench/results/image/image-size.json renders to (run `npm run bench:report`)', () => {
    expect(currentBlock(readme, IMAGE_MARKERS)).toBe(expectedImageBlock());
  });

  it('is the only place in the image section that quotes a size or time', () => {
    const section = readme.slice(readme.indexOf('## The operator image'), readme.indexOf('## Pulumi'));
    const prose = section.replace(currentBlock(readme, IMAGE_MARKERS) ?? '', '');
    expect(prose.match(/\d[\d,.]*\s?(ms|s|MB|MiB|GiB|%|\/s|minutes?|×)(?![\w-])/g) ?? []).toEqual([]);
  });
});

describe('renderPerformanceTable', () => {
  it('prints every row with its seed and target, and the run (machine, commit, load average) beside it', () => {
    const block = renderPerformanceTable([result]);
    expect(block.split('\n')).toEqual([
      BEGIN,
      '',
      '| Benchmark | What | Measured | Seed (K8s-native estimate) | Target |',
      '|---|---|---|---|---|',
      '| Create → ACTIVE latency | 10-shard p50 | 37.2 ms | 140–180 ms | p50 ≤ 100 ms: met |',
      '| Create → ACTIVE latency | 10-shard max of 40 (slowest \\| sample) | 1,234.5 ms |  |  |',
      '',
      'Runs behind these numbers (one committed `bench/results/<name>.json` each):',
      '',
      '- `latency`: 2026-11-30T04:00:00.000Z, commit abc1234; 2 cores (Xeon), 23.5 GiB; Node v20.20.2, kube-apiserver v1.34.4, etcd 3.6.16; load average 3.50 / 2.25 / 1.00 (1 / 5 / 15 min, at the end of the run).',
      '',
      END,
    ]);
  });

  it('says so when a run predates the load average, and shows a failed run as failed', () => {
    const old: StoredResult = { ...result, machine: { ...machine, loadAverage: undefined } };
    const failed: StoredResult = { ...result, name: 'scale', title: 'Scale', rows: [], error: 'Unable to read metric x: no such series\n  at …' };
    const block = renderPerformanceTable([old, failed]);
    expect(block).toContain('load average not recorded (run predates it)');
    expect(block).toContain('| Scale | (run failed) | Unable to read metric x: no such series | | |');
  });

  it('detects a hand-edited number: the README block no longer matches', () => {
    const readme = `intro\n${renderPerformanceTable([result])}\noutro\n`;
    const edited = readme.replace('37.2 ms', '30 ms');
    expect(currentBlock(edited)).not.toBe(renderPerformanceTable([result]));
    expect(replaceBlock(edited, renderPerformanceTable([result]))).toBe(readme);
  });

  it('refuses to update a README without the markers', () => {
    expect(() => replaceBlock('no markers', 'x')).toThrow(/Unable to update README.md: the markers .* are missing/);
  });
});
