import type { QuidditchIndex } from '../../api/v1';

/**
 * The one documented way to allocate an EMPTY primary for a shard whose data is on no serving node
 * (reason PrimaryLost): name the shards in this annotation, e.g. `quidditch.io/accept-data-loss: "0,3"`,
 * or `"all"` for every such shard. Without it the operator never replaces lost data with an empty copy.
 */
export const ACCEPT_DATA_LOSS_ANNOTATION = 'quidditch.io/accept-data-loss';

/** Pure: the shards the annotation names; unparsable entries are ignored (they accept nothing). */
export function acceptedDataLoss(index: Pick<QuidditchIndex, 'metadata'>): ReadonlySet<number> | 'all' {
  const value = index.metadata.annotations?.[ACCEPT_DATA_LOSS_ANNOTATION]?.trim();
  if (!value) return new Set();
  if (value === 'all' || value === '*') return 'all';
  const shards = value.split(',').map((s) => s.trim()).filter((s) => /^\d+$/.test(s)).map(Number);
  return new Set(shards);
}

/** What a person reads for shards whose data is on no serving node: which shards, which nodes, and the two ways out. */
export function primaryLostMessage(lost: readonly { readonly shardId: number; readonly nodes?: readonly string[] }[]): string {
  const shards = lost.map((u) => u.shardId).join(',');
  const nodes = [...new Set(lost.flatMap((u) => u.nodes ?? []))].join(', ') || 'unknown nodes';
  return `Shards ${shards} have no serving copy: their data was on ${nodes}. They stay red until one of those nodes returns with its data. ` +
    `To give the data up and allocate EMPTY primaries instead, annotate the index ${ACCEPT_DATA_LOSS_ANNOTATION}="${shards}".`;
}
