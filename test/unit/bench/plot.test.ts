import { ecdf, latencyCdfSvg, logTicks, niceBound } from '../../../bench/plot';

describe('bench latency plot', () => {
  it('computes the empirical CDF of unsorted samples', () => {
    expect(ecdf([300, 100, 200, 400])).toEqual([[100, 0.25], [200, 0.5], [300, 0.75], [400, 1]]);
  });

  it('puts the log axis ends and ticks on 1, 2, 5 × 10^n', () => {
    expect(niceBound(98.2, 'down')).toBe(50);
    expect(niceBound(2061, 'up')).toBe(5000);
    expect(niceBound(100, 'down')).toBe(100);
    expect(logTicks(50, 5000)).toEqual([50, 100, 200, 500, 1000, 2000, 5000]);
  });

  it('draws one step line and one legend entry per index size, with p50 and max', () => {
    const svg = latencyCdfSvg([
      { label: '1-shard', samplesMs: [100, 200, 300] },
      { label: '10-shard', samplesMs: [150, 250, 900] },
    ], 'test');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('1-shard (n=3)');
    expect(svg).toContain('p50 200 ms');
    expect(svg).toContain('max 900 ms');
  });

  it('refuses to plot without samples, saying how to get them', () => {
    expect(() => latencyCdfSvg([{ label: 'x', samplesMs: [] }], '')).toThrow(/npm run bench -- latency/);
  });
});
