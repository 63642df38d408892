import { CustomResource, CustomResourceClient, isConflict } from '../kube/custom-resource-client';

/** The calls the status write path makes (a CustomResourceClient, or a narrower API of one kind). */
export type StatusApi<T extends CustomResource> = Pick<CustomResourceClient<T>, 'get' | 'updateStatus'>;

/** Computes the next status from the object as it is now; undefined means "nothing to write". */
export type StatusTransition<T extends CustomResource> = (current: T) => T['status'] | undefined;

export const MAX_STATUS_ATTEMPTS = 5;

/**
 * The one status write path: apply the transition to the object, skip the write when nothing
 * changes, write it (merged into the status it was computed from, conditional on that object's
 * resourceVersion: CustomResourceClient.updateStatus), and on 409 re-read and recompute.
 * A conflict is transient by nature (someone else wrote in between), so recomputing from the fresh
 * object is always right; it is never an error to surface unless it keeps happening.
 * Returns the object as written (or as found when no write was needed), or undefined when it is gone.
 */
export interface WriteStatusOptions<T extends CustomResource> {
  /** True when writing `next` over `current` changes nothing (no write then). @default JSON equality */
  readonly unchanged?: (current: T['status'] | undefined, next: T['status']) => boolean;
  /**
   * Called with the status about to be written, synchronously after the transition (no await in
   * between) and just before the write; returns the undo, called when that write fails. The index
   * reconciler reserves its plan in the allocation ledger here, so plans made meanwhile see it.
   */
  readonly hold?: (next: T['status']) => () => void;
}

export async function writeStatus<T extends CustomResource>(
  client: StatusApi<T>,
  obj: T,
  transition: StatusTransition<T>,
  options: WriteStatusOptions<T> = {},
): Promise<T | undefined> {
  const unchanged = options.unchanged ?? ((a, b) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {}));
  const namespace = obj.metadata.namespace ?? 'default';
  const name = obj.metadata.name ?? '';
  let current: T | undefined = obj;
  for (let attempt = 1; current; attempt++) {
    const next = transition(current);
    if (next === undefined || unchanged(current.status, next)) return current;
    const undo = options.hold?.(next);
    try {
      return await client.updateStatus(current, next);
    } catch (err) {
      undo?.();
      if (!isConflict(err) || attempt >= MAX_STATUS_ATTEMPTS) throw err;
      current = await client.get(namespace, name);
    }
  }
  return undefined;
}
