/**
 * The narrow views of an informer that controllers and handlers depend on (ResilientInformer
 * implements all of them), so a consumer asks only for what it uses.
 */

/** Read access to an informer's cache. */
export interface ObjectStore<T> {
  /** The cached object, or undefined when the cache does not hold it. */
  get(namespace: string, name: string): T | undefined;
  /** Every cached object (of one namespace when given). A fresh array; the objects are shared, do not mutate them. */
  list(namespace?: string): T[];
}

/** Change notifications. Handlers run synchronously in the informer's event loop turn: keep them cheap (enqueue a key). */
export interface EventSource<T> {
  onAdd(handler: (obj: T) => void): void;
  /** Called on every change, and for every cached object on each periodic resync. */
  onUpdate(handler: (obj: T) => void): void;
  /** Called with the last known state of a deleted object. */
  onDelete(handler: (obj: T) => void): void;
}

/** Whether the first full list has been loaded into the cache. */
export interface SyncStatus {
  readonly name: string;
  hasSynced(): boolean;
}
