/**
 * Copies a data node has answered a create for, remembered for a short while. Until the node's own
 * stream reports such a copy, a reconcile in between (another node's report, our status write coming
 * back) would otherwise call CreateShard again for every copy not reported yet: harmless, since the
 * call is idempotent, but a poll of the node per reconcile (seen under load as 10 extra calls for a
 * 20-shard index, test/faults/slow-start.test.ts). Past `ttlMs` without a report the copy is called
 * for again, so a node that lost it after answering gets it back.
 *
 * Only this process remembers: a new leader does not know what was answered and ensures every
 * unreported copy again, as after a crash.
 */
export class AnsweredCreates {
  private readonly answered = new Map<string, number>();
  private recordsSinceSweep = 0;

  constructor(readonly ttlMs = 10_000) {}

  static key(indexUid: string, shardId: number, primary: boolean, node: string): string {
    return `${indexUid}/${shardId}/${primary ? 'p' : 'r'}@${node}`;
  }

  record(key: string, nowMs: number): void {
    this.answered.set(key, nowMs);
    // Entries of copies reported since are never looked up again: dropped once expired.
    if (++this.recordsSinceSweep >= 1024) this.sweep(nowMs);
  }

  /** Whether the copy was answered within the last `ttlMs`. */
  isRecent(key: string, nowMs: number): boolean {
    const at = this.answered.get(key);
    return at !== undefined && nowMs - at <= this.ttlMs;
  }

  private sweep(nowMs: number): void {
    this.recordsSinceSweep = 0;
    for (const [key, at] of this.answered) if (nowMs - at > this.ttlMs) this.answered.delete(key);
  }
}
