import { SweepSchedule } from '../../../../lib/operator/controllers/sweep-schedule';
import { ManualClock } from '../../../../lib/operator/runtime/manual-clock';

describe('SweepSchedule', () => {
  const key = 'ns/d-0';
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  it('is due at once for a node never swept, then one interval after a successful sweep', () => {
    const s = new SweepSchedule({ intervalMs: 30_000 });
    expect(s.isDue(key, clock.now())).toBe(true);
    s.succeeded(key, clock.now());
    clock.advance(29_999);
    expect(s.isDue(key, clock.now())).toBe(false);
    clock.advance(1);
    expect(s.isDue(key, clock.now())).toBe(true);
  });

  it('retries a failed sweep after 1 s, 2 s, 4 s … capped at the interval — not a whole interval later', () => {
    const s = new SweepSchedule({ intervalMs: 30_000 });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      expect(s.isDue(key, clock.now())).toBe(true);
      const delay = s.failed(key, clock.now());
      delays.push(delay);
      clock.advance(delay - 1);
      expect(s.isDue(key, clock.now())).toBe(false);
      clock.advance(1);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(s.failures(key)).toBe(7);
  });

  it('tells how long a pending retry still has to wait, and nothing when no sweep failed', () => {
    const s = new SweepSchedule({ intervalMs: 30_000 });
    expect(s.pendingRetryMs(key, clock.now())).toBeUndefined();
    s.failed(key, clock.now());
    clock.advance(400);
    expect(s.pendingRetryMs(key, clock.now())).toBe(600);
    clock.advance(5_000);
    expect(s.pendingRetryMs(key, clock.now())).toBe(0);
    s.succeeded(key, clock.now());
    expect(s.pendingRetryMs(key, clock.now())).toBeUndefined();
  });

  it('forgets the failures once a sweep succeeds', () => {
    const s = new SweepSchedule({ intervalMs: 30_000, retryBaseMs: 500 });
    s.failed(key, clock.now());
    s.failed(key, clock.now());
    s.succeeded(key, clock.now());
    expect(s.failures(key)).toBe(0);
    clock.advance(30_000);
    expect(s.failed(key, clock.now())).toBe(500);
  });

  it('keeps nodes apart, and forget() makes a node due again', () => {
    const s = new SweepSchedule({ intervalMs: 30_000 });
    s.succeeded(key, clock.now());
    expect(s.isDue('ns/d-1', clock.now())).toBe(true);
    s.forget(key);
    expect(s.isDue(key, clock.now())).toBe(true);
  });

  it('with a zero interval (tests) still backs off failures from the base delay', () => {
    const s = new SweepSchedule({ intervalMs: 0 });
    expect(s.failed(key, clock.now())).toBe(1_000);
    expect(s.failed(key, clock.now())).toBe(1_000);
  });
});
