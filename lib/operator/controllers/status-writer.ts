import { CustomResource, CustomResourceClient, isConflict } from '../kube/custom-resource-client';

/** Computes the next status from the object as it is now; undefined means "nothing to write". */
export type StatusTransition<T extends CustomResource> = (current: T) => T['status'] | undefined;

export const MAX_STATUS_ATTEMPTS = 5;

/**
 * The one status write path: apply the transition to the object, skip the write when nothing
 * changes, patch with the resourceVersion it was computed from, and on 409 re-read and recompute.
 * A conflict is transient by nature (someone else wrote in between), so recomputing from the fresh
 * object is always right; it is never an error to surface unless it keeps happening.
 * Returns the object as written (or as found when no write was needed), or undefined when it is gone.
 */
export async function writeStatus<T extends CustomResource>(
  client: CustomResourceClient<T>,
  obj: T,
  transition: StatusTransition<T>,
  unchanged: (current: T['status'] | undefined, next: T['status']) => boolean = (a, b) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {}),
): Promise<T | undefined> {
  const namespace = obj.metadata.namespace ?? 'default';
  const name = obj.metadata.name ?? '';
  let current: T | undefined = obj;
  for (let attempt = 1; current; attempt++) {
    const next = transition(current);
    if (next === undefined || unchanged(current.status, next)) return current;
    try {
      return await client.patchStatus(namespace, name, current.metadata.resourceVersion, next);
    } catch (err) {
      if (!isConflict(err) || attempt >= MAX_STATUS_ATTEMPTS) throw err;
      current = await client.get(namespace, name);
    }
  }
  return undefined;
}
