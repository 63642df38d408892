import { AdaptiveConcurrency } from '../../../../lib/operator/runtime/adaptive-concurrency';

/** Feeds one window of `n` round trips of `ms` each. */
const window = (limit: AdaptiveConcurrency, ms: number, n = 10) => {
  for (let i = 0; i < n; i++) limit.observe(ms);
};

/** Takes every slot the limit allows now (so the next window counts as saturated). */
async function fill(limit: AdaptiveConcurrency): Promise<() => void> {
  const held = limit.limit;
  for (let i = 0; i < held; i++) await limit.acquire();
  return () => {
    for (let i = 0; i < held; i++) limit.release();
  };
}

describe('AdaptiveConcurrency', () => {
  it('starts at max and admits up to the limit, the next waiting until a release', async () => {
    const limit = new AdaptiveConcurrency({ min: 1, max: 2 });
    await limit.acquire();
    await limit.acquire();
    let third = false;
    const waiting = limit.acquire().then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    limit.release();
    await waiting;
    expect(third).toBe(true);
  });

  it('shrinks in proportion when the median round trip passes tolerance × baseline, at most by half per window, never below min', () => {
    const changes: number[] = [];
    const limit = new AdaptiveConcurrency({ min: 3, max: 16, tolerance: 2, windowSamples: 10, onChange: (l) => changes.push(l) });
    window(limit, 10); // baseline 10 ms
    window(limit, 20); // at tolerance (2×): no change
    expect(limit.limit).toBe(16);
    window(limit, 25); // 20/25 → 16 × 0.8
    expect(limit.limit).toBe(12);
    window(limit, 200); // at most halved
    expect(limit.limit).toBe(6);
    window(limit, 200);
    window(limit, 200);
    expect(limit.limit).toBe(3);
    expect(changes).toEqual([12, 6, 3]);
  });

  it('grows back by one per window once latency is near the baseline, but only when the window used the whole limit', async () => {
    const limit = new AdaptiveConcurrency({ min: 2, max: 6, tolerance: 2, windowSamples: 10 });
    window(limit, 10);
    window(limit, 100);
    expect(limit.limit).toBe(3);
    window(limit, 10); // nothing waited for a slot: no reason to grow
    expect(limit.limit).toBe(3);
    const release = await fill(limit);
    window(limit, 10);
    expect(limit.limit).toBe(4);
    release();
    for (let i = 0; i < 5; i++) {
      const r = await fill(limit);
      window(limit, 12);
      r();
    }
    expect(limit.limit).toBe(6);
  });

  it('admits waiting reconciles at once when the limit grows', async () => {
    const limit = new AdaptiveConcurrency({ min: 1, max: 2, windowSamples: 4 });
    window(limit, 10, 4);
    window(limit, 100, 4);
    expect(limit.limit).toBe(1);
    await limit.acquire();
    let admitted = false;
    const waiting = limit.acquire().then(() => (admitted = true));
    window(limit, 10, 4); // saturated and fast again: 2
    await waiting;
    expect(admitted).toBe(true);
    expect(limit.limit).toBe(2);
  });

  it('takes three times the baseline as queueing by default', () => {
    const limit = new AdaptiveConcurrency({ min: 1, max: 8, windowSamples: 2 });
    window(limit, 10, 2);
    window(limit, 30, 2);
    expect(limit.limit).toBe(8);
    window(limit, 60, 2);
    expect(limit.limit).toBe(4);
  });

  it('is a fixed limit when min equals max, and refuses bounds that make no sense', () => {
    const fixed = new AdaptiveConcurrency({ min: 4, max: 4, windowSamples: 2 });
    window(fixed, 1, 2);
    window(fixed, 1000, 2);
    expect(fixed.limit).toBe(4);
    expect(() => new AdaptiveConcurrency({ min: 5, max: 4 })).toThrow('1 <= min <= max');
    expect(() => new AdaptiveConcurrency({ min: 0, max: 4 })).toThrow('1 <= min <= max');
  });
});
