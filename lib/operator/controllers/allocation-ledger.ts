import type { ShardAllocationStatus } from '../../api/v1';

interface Entry {
  readonly namespace: string;
  readonly rv: number;
  readonly allocations: readonly ShardAllocationStatus[];
}

/**
 * Copies per node over all indices, as this operator last knows them. The informer cache lags behind
 * our own status writes by a watch round-trip; planning two indices back to back from the cache alone
 * would place both on the same "least loaded" node. So the index reconciler records each allocation it
 * writes here at once, and informer events only replace an entry with a newer resourceVersion.
 * Per-node counts are kept current on every change, so a plan reads them in O(nodes), not O(indices):
 * summing every index per plan made a cold start over 10,000 indices quadratic.
 */
export class AllocationLedger {
  private readonly entries = new Map<string, Entry>();
  private readonly counts = new Map<string, Map<string, number>>();
  /** Relocations in flight per namespace, keyed `out:<node>`, `in:<node>` and `total` (kept like `counts`). */
  private readonly moving = new Map<string, Map<string, number>>();

  /** Records allocations of index `namespace/name` as of resourceVersion `rv` (ignored if older than what is known). */
  set(namespace: string, name: string, resourceVersion: string | undefined, allocations: readonly ShardAllocationStatus[] | undefined): void {
    const key = `${namespace}/${name}`;
    // etcd resourceVersions are increasing integers; Kubernetes calls them opaque, so an unparsable one always wins.
    const rv = Number(resourceVersion ?? NaN);
    const known = this.entries.get(key);
    // Same version: what we know may be a reservation made from it, which is newer than the object.
    if (known && Number.isFinite(rv) && rv <= known.rv) return;
    this.replace(key, { namespace, rv: Number.isFinite(rv) ? rv : Number.MAX_SAFE_INTEGER, allocations: allocations ?? [] });
  }

  /**
   * Records allocations about to be written (before the write returns), so plans made meanwhile see
   * them. Returns the undo for a write that failed.
   */
  reserve(namespace: string, name: string, allocations: readonly ShardAllocationStatus[]): () => void {
    const key = `${namespace}/${name}`;
    const before = this.entries.get(key);
    const reserved: Entry = { namespace, rv: before?.rv ?? 0, allocations };
    this.replace(key, reserved);
    return () => {
      // A newer version seen meanwhile (the informer) wins over both the reservation and what preceded it.
      if (this.entries.get(key) !== reserved) return;
      this.replace(key, before);
    };
  }

  /** True when this operator has written a newer version of the index than `resourceVersion` (the cache is behind). */
  isNewerThan(namespace: string, name: string, resourceVersion: string | undefined): boolean {
    const known = this.entries.get(`${namespace}/${name}`)?.rv;
    const rv = Number(resourceVersion ?? NaN);
    return known !== undefined && Number.isFinite(rv) && known !== Number.MAX_SAFE_INTEGER && known > rv;
  }

  delete(namespace: string, name: string): void {
    this.replace(`${namespace}/${name}`, undefined);
  }

  /** Copies per node name in one namespace (nodes are namespaced, like the indices placed on them). Read it at once: it changes. */
  loads(namespace: string): ReadonlyMap<string, number> {
    return this.counts.get(namespace) ?? new Map();
  }

  /**
   * Relocations in flight in one namespace (targets with relocatingFrom) over every index except
   * `exceptName`, whose own pairs its plan counts itself. O(nodes), like `loads`.
   */
  relocations(namespace: string, exceptName: string): { out: Map<string, number>; in: Map<string, number>; total: number } {
    const out = new Map<string, number>();
    const into = new Map<string, number>();
    let total = 0;
    for (const [k, n] of this.moving.get(namespace) ?? []) {
      if (k === 'total') total += n;
      else if (k.startsWith('out:')) out.set(k.slice(4), n);
      else into.set(k.slice(3), n);
    }
    for (const a of this.entries.get(`${namespace}/${exceptName}`)?.allocations ?? []) {
      if (!a.relocatingFrom) continue;
      total--;
      out.set(a.relocatingFrom, (out.get(a.relocatingFrom) ?? 0) - 1);
      into.set(a.nodeId, (into.get(a.nodeId) ?? 0) - 1);
    }
    return { out, in: into, total };
  }

  /** Relocations in flight into and out of one node, over every index. O(1): a node's status reads it on each heartbeat. */
  nodeMoves(namespace: string, node: string): { relocationsIn: number; relocationsOut: number } {
    const moving = this.moving.get(namespace);
    return { relocationsIn: moving?.get(`in:${node}`) ?? 0, relocationsOut: moving?.get(`out:${node}`) ?? 0 };
  }

  private replace(key: string, next: Entry | undefined): void {
    const previous = this.entries.get(key);
    if (previous) this.count(previous, -1);
    if (next) {
      this.entries.set(key, next);
      this.count(next, +1);
    } else {
      this.entries.delete(key);
    }
  }

  private count(entry: Entry, delta: 1 | -1): void {
    let nodes = this.counts.get(entry.namespace);
    if (!nodes) this.counts.set(entry.namespace, (nodes = new Map<string, number>()));
    for (const a of entry.allocations) {
      const n = (nodes.get(a.nodeId) ?? 0) + delta;
      if (n === 0) nodes.delete(a.nodeId);
      else nodes.set(a.nodeId, n);
    }
    if (nodes.size === 0) this.counts.delete(entry.namespace);
    let moving = this.moving.get(entry.namespace);
    for (const a of entry.allocations) {
      if (!a.relocatingFrom) continue;
      if (!moving) this.moving.set(entry.namespace, (moving = new Map<string, number>()));
      for (const k of ['total', `out:${a.relocatingFrom}`, `in:${a.nodeId}`]) {
        const n = (moving.get(k) ?? 0) + delta;
        if (n === 0) moving.delete(k);
        else moving.set(k, n);
      }
    }
    if (moving?.size === 0) this.moving.delete(entry.namespace);
  }
}
