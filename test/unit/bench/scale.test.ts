import { perThousand, rssLimitMiB, ScaleStep, scaleRows } from '../../../bench/scale-rows';
import { linearAxis, scaleSvg } from '../../../bench/scale-plot';
import { MemorySampler } from '../../../bench/support/memory-sampler';

const phase = (rssMiB: number, heapUsedMiB: number) => ({ samples: 3, rssMiB, heapUsedMiB, heapTotalMiB: heapUsedMiB + 10 });
const step = (indices: number, creating: number, cold: number): ScaleStep => ({
  indices, fillSeconds: indices / 80, readySeconds: indices / 5000, resyncSeconds: indices / 3000, creating: phase(creating, creating / 2), coldStart: phase(cold, cold / 2),
});

describe('bench scale rows', () => {
  it('holds every step up to 10,000 to 256 MiB and up to 20,000 to 512 MiB', () => {
    expect([1000, 10_000, 10_001, 20_000, 20_001].map(rssLimitMiB)).toEqual([256, 256, 512, 512, undefined]);
  });

  it('reports growth per 1,000 indices above the idle operator', () => {
    expect(perThousand(200, 100, 10_000)).toBe(10);
    expect(perThousand(110, 100, 5000)).toBe(2);
  });

  it('marks a step missed when either phase exceeds its limit, judging each sample maximum', () => {
    const rows = scaleRows(phase(80, 20), [step(10_000, 200, 270), step(20_000, 300, 400)]);
    const row = (m: string) => rows.find((r) => r.metric === m)!;
    expect(row('10,000 indices: operator RSS, max of 1 s samples while creating').target).toEqual({ text: '≤ 256 MiB at every sample', met: true });
    expect(row('10,000 indices: operator RSS, max of 1 s samples during the cold start').target).toEqual({ text: '≤ 256 MiB at every sample', met: false });
    expect(row('20,000 indices: operator RSS, max of 1 s samples during the cold start').target?.met).toBe(true);
    expect(row('10,000 indices: RSS per 1,000 indices over the idle operator (peak of both phases)').value).toBe(19);
  });
});

describe('bench scale plot', () => {
  it('puts a linear axis on a round step from 0', () => {
    expect(linearAxis(273)).toEqual({ top: 300, step: 100 });
    expect(linearAxis(20_000)).toEqual({ top: 20_000, step: 5000 });
  });

  it('draws memory and resync series, with the 512 MiB target only beyond 10,000 indices', () => {
    const small = scaleSvg({ idle: { rssMiB: 80, heapUsedMiB: 20 }, steps: [step(1000, 100, 110), step(10_000, 200, 250)] }, 't');
    expect(small.match(/<path /g)).toHaveLength(6); // 3 memory + 256 target + 2 timings
    expect(small).not.toContain('target 512 MiB');
    const big = scaleSvg({ idle: { rssMiB: 80, heapUsedMiB: 20 }, steps: [step(1000, 100, 110), step(20_000, 300, 400)] }, 't');
    expect(big).toContain('target 512 MiB');
  });

  it('refuses to plot without steps, saying how to get them', () => {
    expect(() => scaleSvg({ idle: { rssMiB: 1, heapUsedMiB: 1 }, steps: [] }, '')).toThrow(/npm run bench -- scale/);
  });
});

describe('bench memory sampler', () => {
  it('keeps the maximum per phase and follows a replaced process', async () => {
    const sampler = new MemorySampler(60_000);
    const heap = (usedMiB: number) => async () => `nodejs_heap_size_used_bytes ${usedMiB * 2 ** 20}\nnodejs_heap_size_total_bytes ${2 * usedMiB * 2 ** 20}\n`;
    sampler.follow({ pid: process.pid, metrics: heap(5) }, 'a');
    await new Promise((r) => setImmediate(r));
    sampler.follow({ pid: process.pid, metrics: heap(7) }, 'b');
    await new Promise((r) => setImmediate(r));
    sampler.stop();
    expect(sampler.max('a')).toMatchObject({ samples: 1, heapUsedMiB: 5, heapTotalMiB: 10 });
    expect(sampler.max('b')).toMatchObject({ samples: 1, heapUsedMiB: 7 });
    expect(sampler.max('b').rssMiB).toBeGreaterThan(0);
    expect(sampler.max('none').samples).toBe(0);
  });
});
