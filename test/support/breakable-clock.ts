import { Clock, systemClock, TimerHandle } from '../../lib/operator/runtime/clock';

/** The system clock until `broken`: then setting a timer throws, which kills whatever loop sleeps on it. */
export class BreakableClock implements Clock {
  broken = false;
  now(): number {
    return systemClock.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (this.broken) throw new Error('clock broke');
    return systemClock.setTimeout(fn, ms);
  }
  clearTimeout(handle: TimerHandle): void {
    systemClock.clearTimeout(handle);
  }
}
