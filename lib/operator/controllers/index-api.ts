import type { QuidditchIndex } from '../../api/v1';
import { statusCodeOf } from '../kube/custom-resource-client';

/**
 * What the index reconciler needs from the API server, and nothing more (CustomResourceClient
 * implements it; a unit test can fake it and inject conflicts). Every write carries the
 * resourceVersion it was computed from and fails with 409 when the object moved on meanwhile.
 */
export interface IndexApi {
  /** A fresh read (not the cache); undefined when the index does not exist. */
  get(namespace: string, name: string): Promise<QuidditchIndex | undefined>;
  /** Replaces status through the status subresource; 409 when not at resourceVersion. */
  patchStatus(namespace: string, name: string, resourceVersion: string | undefined, status: unknown): Promise<QuidditchIndex>;
  /** patchStatus at current's resourceVersion, as a PUT with `status` merged into current's (CustomResourceClient.updateStatus). */
  updateStatus(current: QuidditchIndex, status: unknown): Promise<QuidditchIndex>;
  /** Sets metadata.finalizers; 409 when not at resourceVersion. */
  patchFinalizers(namespace: string, name: string, resourceVersion: string | undefined, finalizers: string[]): Promise<QuidditchIndex>;
}

/**
 * An API error that passes by itself: a conflict (someone wrote first), throttling, a server-side
 * failure or no answer at all (the API server restarting). Retrying with backoff is the cure; anything
 * else (a 4xx the request itself caused, a bug) is not caught so it surfaces as a panic.
 */
export function isTransientApiError(err: unknown): boolean {
  const code = statusCodeOf(err);
  if (code === undefined) return err instanceof Error && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|socket hang up|fetch failed|network/i.test(`${err.message} ${causeText((err as { cause?: unknown }).cause)}`);
  return code === 409 || code === 429 || code >= 500;
}

/** The network error under a fetch failure (undici puts ECONNREFUSED and friends in `cause`). */
function causeText(cause: unknown): string {
  if (cause instanceof Error) return `${cause.message} ${(cause as { code?: string }).code ?? ''}`;
  return typeof cause === 'string' ? cause : '';
}
