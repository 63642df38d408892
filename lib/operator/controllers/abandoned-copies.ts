/** A shard copy an index deletion had to leave on a node, and why. */
export interface AbandonedCopy {
  readonly node: string;
  readonly shardId: number;
  readonly primary: boolean;
  /** Why it could not be deleted, e.g. the gRPC error, or that the node object is gone. */
  readonly why: string;
}

/** Room for the list inside one Event message (the recorder keeps 1024 characters). */
export const EVENT_LIST_CHARS = 900;

/**
 * Names every abandoned copy, grouped by node so it stays short enough for an Event:
 * `d-1 (deadline exceeded): primary 0, 2; replica 1 | d-9 (no QuidditchNode object): replica 3`.
 * If the whole list does not fit in maxChars, whole node groups are kept and the rest is counted,
 * with a pointer to the operator log — which gets the full list (see fullList).
 */
export function describeAbandoned(copies: readonly AbandonedCopy[], maxChars = EVENT_LIST_CHARS): string {
  const groups = groupByNode(copies);
  const full = groups.map((g) => g.text).join(' | ');
  if (full.length <= maxChars) return full;
  const kept: string[] = [];
  let length = 0;
  let keptCopies = 0;
  for (const g of groups) {
    if (length + g.text.length + 3 > maxChars - 80) break;
    kept.push(g.text);
    length += g.text.length + 3;
    keptCopies += g.count;
  }
  const restNodes = groups.length - kept.length;
  return `${kept.join(' | ')}${kept.length ? ' | ' : ''}and ${copies.length - keptCopies} more copies on ${restNodes} nodes (the operator log lists every one)`;
}

/** Every copy, one per entry, for the log line that backs the Event. */
export function fullList(copies: readonly AbandonedCopy[]): string[] {
  return [...copies].sort(byNodeThenShard).map((c) => `${c.node}: shard ${c.shardId} (${c.primary ? 'primary' : 'replica'}): ${c.why}`);
}

function groupByNode(copies: readonly AbandonedCopy[]): Array<{ text: string; count: number }> {
  const byNode = new Map<string, AbandonedCopy[]>();
  for (const c of [...copies].sort(byNodeThenShard)) byNode.set(c.node, [...(byNode.get(c.node) ?? []), c]);
  return [...byNode].map(([node, list]) => {
    const reasons = [...new Set(list.map((c) => c.why))];
    const ids = (primary: boolean) => list.filter((c) => c.primary === primary).map((c) => c.shardId);
    const parts = [['primary', ids(true)], ['replica', ids(false)]]
      .filter(([, l]) => (l as number[]).length)
      .map(([kind, l]) => `${kind as string} ${(l as number[]).join(', ')}`);
    return { text: `${node} (${reasons.join('; ')}): ${parts.join('; ')}`, count: list.length };
  });
}

function byNodeThenShard(a: AbandonedCopy, b: AbandonedCopy): number {
  return a.node.localeCompare(b.node) || a.shardId - b.shardId || Number(b.primary) - Number(a.primary);
}
