import type { Logger } from '../logger';

/**
 * What a reconcile asks the controller to do next. The controller's worker loop is one switch over it:
 *
 * - `done`: the object matches its spec. The key's failure backoff is reset; nothing is scheduled
 *   (the next informer event or periodic resync brings the key back).
 * - `requeueAfter(ms)`: not finished, but nothing failed, e.g. waiting for a heartbeat to expire or a
 *   shard to start. The backoff is reset and the key is reconciled again after `ms` (0 = as soon as a
 *   worker is free; if the key already waits for an earlier time, that earlier time wins).
 * - `retry(error)`: a transient failure (API server unreachable, data node timeout, 409 conflict).
 *   The key is re-queued with per-key exponential backoff (5 ms doubling up to 1000 s by default) and
 *   the error is logged at warn level.
 * - `terminal(error)`: retrying cannot help until the object changes (e.g. an invalid spec). The
 *   backoff is reset, nothing is scheduled, and the error is logged at error level; the reconciler
 *   should already have recorded a condition and an Event telling the user what to fix.
 *
 * A reconcile that throws is counted in reconcile_panics_total and treated as `retry`.
 */
export type ReconcileResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeueAfter'; readonly ms: number }
  | { readonly kind: 'retry'; readonly error: unknown }
  | { readonly kind: 'terminal'; readonly error: unknown };

export type ReconcileKind = ReconcileResult['kind'];

/** Everything a reconcile gets besides its key. */
export interface ReconcileContext {
  /** Logger carrying controller, key and reconcileId. */
  readonly log: Logger;
  /** Unique id of this reconcile (also in every log line). */
  readonly reconcileId: string;
  /** Aborted when the controller stops: long reconciles should give up and return retry. */
  readonly signal: AbortSignal;
}

/**
 * Drives one object (identified by `key`, "namespace/name") toward its spec. Must be idempotent:
 * it may run any number of times for the same state, and never concurrently for the same key.
 */
export interface Reconciler {
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult>;
}

export const done = (): ReconcileResult => ({ kind: 'done' });
export const requeueAfter = (ms: number): ReconcileResult => ({ kind: 'requeueAfter', ms });
export const retry = (error: unknown): ReconcileResult => ({ kind: 'retry', error });
export const terminal = (error: unknown): ReconcileResult => ({ kind: 'terminal', error });

/**
 * Merges the results of independent steps into one, as ECK's results.go does: terminal wins over
 * retry (retrying cannot help a step that can never succeed), retry over requeueAfter (a failure needs
 * backoff now), and among requeueAfter the earliest time (each step is looked at again by then). An
 * empty list is done.
 */
export function combine(results: readonly ReconcileResult[]): ReconcileResult {
  const terminalResult = results.find((r) => r.kind === 'terminal');
  if (terminalResult) return terminalResult;
  const retryResult = results.find((r) => r.kind === 'retry');
  if (retryResult) return retryResult;
  let earliest: ReconcileResult | undefined;
  for (const r of results) if (r.kind === 'requeueAfter' && (earliest?.kind !== 'requeueAfter' || r.ms < earliest.ms)) earliest = r;
  return earliest ?? done();
}

/** Splits a work-queue key back into namespace and name (a key without "/" is in "default"). */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['default', key] : [key.slice(0, i), key.slice(i + 1)];
}

/** The work-queue key of an object: "namespace/name". */
export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}
