import type { AllocationAction, CandidateNode } from './types';
import type { MoveBook, Mutable } from './move-book';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A move the rebalance may start now, and how good it is (lower keys first). */
interface Candidate {
  readonly copy: Mutable;
  readonly target: CandidateNode;
  readonly key: readonly number[];
}

/**
 * Pure: the rebalance step of planRelocations, once nothing drains. Adds moves to `kept`/`actions`
 * (through `book`, within its throttles) and returns how many copies could move but wait for a throttle.
 *
 * Which moves are allowed is decided by copy counts alone: a copy moves from a node whose count (less
 * what is leaving it) is two or more above the target's, so every move narrows the gap and the counts
 * end within one of even, with no move more than that takes (a node with two more copies than another
 * always holds a shard the other does not). Only shards whose every copy is STARTED move (like
 * allow_rebalance: indices_all_active), one move per shard, never into a zone that holds more copies of
 * the shard than the one it leaves, never onto a node that may hold an old copy of it.
 *
 * Bytes choose among the allowed moves, where nodes report sizes; they never add a move: one at a time,
 * the move starts whose source holds the most copies, then the most bytes (the fullest disk gives
 * first); its target is the least loaded allowed node, then the one whose zone holds the fewest copies
 * of the shard, then the one holding the fewest bytes; and the
 * copy is the one whose size brings the two nodes' bytes closest together (|source − target − 2·size|
 * smallest: a copy about half their difference, never a large copy off a node that holds fewer bytes).
 * Ties go to replicas (a primary's move needs a handover), then to the lower shard.
 */
export function rebalanceMoves(
  book: MoveBook,
  kept: Mutable[],
  actions: AllocationAction[],
  settling: ReadonlySet<number>,
  mayHoldCopy?: (shardId: number, node: string) => boolean,
): number {
  const healthy = [...book.byName.values()].filter((n) => n.state === 'HEALTHY');
  for (;;) {
    const shards = new Map<number, Mutable[]>();
    for (const a of kept) shards.set(a.shardId, [...(shards.get(a.shardId) ?? []), a]);
    const blocked = new Set<Mutable>();
    let best: Candidate | undefined;
    for (const c of kept) {
      if (c.state !== 'STARTED' || c.relocatingTo || c.relocatingFrom || book.byName.get(c.nodeId)?.state !== 'HEALTHY') continue;
      const shard = shards.get(c.shardId) ?? [];
      if (shard.some((x) => x.state !== 'STARTED' || x.relocatingTo || x.relocatingFrom) || settling.has(c.shardId)) continue;
      if (!c.primary && !shard.some((x) => x.primary)) continue; // nothing to recover from
      const holds = new Set(shard.map((x) => x.nodeId));
      const inZone = (zone: string) => shard.filter((x) => x !== c && book.zoneOf(x.nodeId) === zone).length;
      const from = book.effective(c.nodeId);
      const fits = healthy.filter(
        (n) => !holds.has(n.name) && book.hasRoom(n) && from - book.effective(n.name) >= 2 &&
          inZone(book.zoneOf(n.name)) <= inZone(book.zoneOf(c.nodeId)) && !mayHoldCopy?.(c.shardId, n.name),
      );
      if (fits.length === 0) continue;
      const target = book.outOpen(c.nodeId) ? book.pick(fits.filter((n) => book.inOpen(n.name)), (n) => book.effective(n.name), (n) => inZone(book.zoneOf(n.name))) : undefined;
      if (!target) {
        blocked.add(c);
        continue;
      }
      const gap = book.bytesOf(c.nodeId) - book.bytesOf(target.name) - 2 * book.copyBytes(c.shardId, c.nodeId);
      const key = [-from, -book.bytesOf(c.nodeId), book.effective(target.name), Math.abs(gap), Number(c.primary), c.shardId];
      if (!best || better({ copy: c, target, key }, best)) best = { copy: c, target, key };
    }
    if (!best) return blocked.size;
    book.start(best.copy, best.target.name, kept, actions);
  }
}

function better(a: Candidate, b: Candidate): boolean {
  for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i] < b.key[i];
  return byName(a.copy.nodeId, b.copy.nodeId) < 0;
}
