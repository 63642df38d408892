import type { KubernetesObject } from '@kubernetes/client-node';

/** A list response as the API server sends it (CustomObjectsApi returns the JSON untyped: `continue`, not `_continue`). */
export interface RawList {
  items: KubernetesObject[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** One page request: `continue` is the token of the previous page (absent for the first). */
export type ListPage = (page: { limit: number; continue?: string }) => Promise<RawList>;

/**
 * client-go's reflector lists in pages of 500 (its pager's default), and so does this: one 10,000-
 * object response is a ~25 MB body held as text and parsed at once, a peak the process keeps as RSS
 * long after (measured: the cold start was the maximum of the scale benchmark). Every page is served
 * from the same snapshot (the continue token pins its resourceVersion), so the concatenation is one
 * consistent list; `each` runs per page so objects can be slimmed before the next page arrives.
 */
export async function listInPages(page: ListPage, each: (obj: KubernetesObject) => KubernetesObject, limit = 500): Promise<RawList> {
  const items: KubernetesObject[] = [];
  let token: string | undefined;
  let last: RawList;
  do {
    last = await page(token === undefined ? { limit } : { limit, continue: token });
    for (const obj of last.items) items.push(each(obj));
    token = last.metadata?.continue || undefined;
  } while (token !== undefined);
  return { metadata: { resourceVersion: last.metadata?.resourceVersion }, items };
}
