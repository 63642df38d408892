/**
 * A token bucket for Events that only announce something the object's conditions already say (a new
 * index is being created or is active). Under a burst of creations they are the one write per index
 * that tells nobody anything new: the API server pays for each like for a create (profiled in the
 * creation-rate bench). kubelet sheds its Events the same way (--event-qps, --event-burst); unlike
 * kubelet, only these notices are shed: Warnings and every other Normal Event are always written.
 */
export class EventBudget {
  private tokens: number;
  private last: number;

  constructor(
    /** Notices written back to back before the rate applies. */
    readonly burst: number,
    /** Notices per second once the burst is spent. */
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** True (and one token spent) when a notice may be written now. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Enough for the indices a person or a deploy creates at once; a bulk load is shed down to 2/s, more than anyone reads. */
export const NOTICE_BURST = 50;
export const NOTICE_PER_SECOND = 2;
