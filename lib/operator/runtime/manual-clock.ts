import { Clock, TimerHandle } from './clock';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to: advance(ms) fires every timer that falls due, in time order.
 * For unit tests of anything that takes a Clock.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, Pending>();

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    this.timers.set(handle, { at: this.current + Math.max(0, ms), seq: this.seq++, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle);
  }

  /** Number of timers not yet fired or cleared. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by ms, firing due timers in order (timers they set are honoured too). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: [TimerHandle, Pending] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= target && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq))) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = next[1].at;
      next[1].fn();
    }
    this.current = target;
  }
}
