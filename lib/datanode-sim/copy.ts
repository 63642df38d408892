import type { ShardInfo, ShardRef } from '../operator/datanode/protocol';

/** One copy the sim holds. Its state is derived from the clock, so it is never stale. */
export interface StoredCopy {
  readonly shard: ShardRef;
  readonly createdAt: Date;
  readonly settingsJson: string;
  readonly mappingsJson: string;
  readonly settingsGeneration: number;
  /** When it reports STARTED (ms since epoch); undefined while its recovery source is being read. */
  readonly startsAtMs?: number;
  /** Set once the copy failed; it stays FAILED until deleted. */
  readonly failureReason?: string;
  /** Documents it held at `docsAtMs`; it gains `ingestRate` per second from then on while STARTED. */
  readonly docs: number;
  readonly docsAtMs: number;
}

/** How copies grow and how big a document is. */
export interface Growth {
  /** Documents per second each STARTED copy gains. */
  readonly ingestRate: number;
  /** Bytes one document takes on disk. */
  readonly docSizeBytes: number;
}

export type CopyState = Pick<ShardInfo, 'state' | 'failureReason'>;

/** The copy's state at `nowMs`; `failsOnStart` turns a start into an injected failure. */
export function stateAt(copy: StoredCopy, nowMs: number, failsOnStart: boolean): CopyState {
  if (copy.failureReason !== undefined) return { state: 'FAILED', failureReason: copy.failureReason };
  if (copy.startsAtMs === undefined || nowMs < copy.startsAtMs) return { state: 'INITIALIZING', failureReason: '' };
  if (failsOnStart) return { state: 'FAILED', failureReason: 'injected fault (--fail-copies): the copy failed to open its store' };
  return { state: 'STARTED', failureReason: '' };
}

/** Documents the copy holds at `nowMs`. */
export function docsAt(copy: StoredCopy, nowMs: number, state: CopyState['state'], growth: Growth): number {
  if (state !== 'STARTED' || growth.ingestRate <= 0) return copy.docs;
  const since = Math.max(copy.docsAtMs, copy.startsAtMs ?? nowMs);
  return copy.docs + Math.max(0, Math.floor((growth.ingestRate * (nowMs - since)) / 1000));
}

/** Bytes the copy takes: its definition plus its documents. */
export function sizeOf(copy: StoredCopy, docs: number, growth: Growth): number {
  return copy.settingsJson.length + copy.mappingsJson.length + docs * growth.docSizeBytes;
}

/** `copy` with its document count fixed at `nowMs` (before a restart or a change of its start). */
export function settleDocs(copy: StoredCopy, nowMs: number, failsOnStart: boolean, growth: Growth): StoredCopy {
  const { state } = stateAt(copy, nowMs, failsOnStart);
  return { ...copy, docs: docsAt(copy, nowMs, state, growth), docsAtMs: nowMs };
}
