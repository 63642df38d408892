import type { ShardAllocationStatus } from '../../api/v1';

/**
 * Copies per node over all indices, as this operator last knows them. The informer cache lags behind
 * our own status writes by a watch round-trip; planning two indices back to back from the cache alone
 * would place both on the same "least loaded" node. So the index reconciler records each allocation it
 * writes here at once, and informer events only replace an entry with a newer resourceVersion.
 */
export class AllocationLedger {
  private readonly entries = new Map<string, { namespace: string; rv: number; allocations: readonly ShardAllocationStatus[] }>();

  /** Records allocations of index `namespace/name` as of resourceVersion `rv` (ignored if older than what is known). */
  set(namespace: string, name: string, resourceVersion: string | undefined, allocations: readonly ShardAllocationStatus[] | undefined): void {
    const key = `${namespace}/${name}`;
    // etcd resourceVersions are increasing integers; Kubernetes calls them opaque, so an unparsable one always wins.
    const rv = Number(resourceVersion ?? NaN);
    const known = this.entries.get(key);
    // Same version: what we know may be a reservation made from it, which is newer than the object.
    if (known && Number.isFinite(rv) && rv <= known.rv) return;
    this.entries.set(key, { namespace, rv: Number.isFinite(rv) ? rv : Number.MAX_SAFE_INTEGER, allocations: allocations ?? [] });
  }

  /**
   * Records allocations about to be written (before the write returns), so plans made meanwhile see
   * them. Returns the undo for a write that failed.
   */
  reserve(namespace: string, name: string, allocations: readonly ShardAllocationStatus[]): () => void {
    const key = `${namespace}/${name}`;
    const before = this.entries.get(key);
    const reserved = { namespace, rv: before?.rv ?? 0, allocations };
    this.entries.set(key, reserved);
    return () => {
      // A newer version seen meanwhile (the informer) wins over both the reservation and what preceded it.
      if (this.entries.get(key) !== reserved) return;
      if (before) this.entries.set(key, before);
      else this.entries.delete(key);
    };
  }

  /** True when this operator has written a newer version of the index than `resourceVersion` (the cache is behind). */
  isNewerThan(namespace: string, name: string, resourceVersion: string | undefined): boolean {
    const known = this.entries.get(`${namespace}/${name}`)?.rv;
    const rv = Number(resourceVersion ?? NaN);
    return known !== undefined && Number.isFinite(rv) && known !== Number.MAX_SAFE_INTEGER && known > rv;
  }

  delete(namespace: string, name: string): void {
    this.entries.delete(`${namespace}/${name}`);
  }

  /** Copies per node name in one namespace (nodes are namespaced, like the indices placed on them). */
  loads(namespace: string): Map<string, number> {
    const loads = new Map<string, number>();
    for (const e of this.entries.values()) {
      if (e.namespace !== namespace) continue;
      for (const a of e.allocations) loads.set(a.nodeId, (loads.get(a.nodeId) ?? 0) + 1);
    }
    return loads;
  }

  /** Every index (name) that has a copy of anything on `node`, with those copies. */
  copiesOn(namespace: string, node: string): Map<string, ShardAllocationStatus[]> {
    const out = new Map<string, ShardAllocationStatus[]>();
    for (const [key, e] of this.entries) {
      if (e.namespace !== namespace) continue;
      const mine = e.allocations.filter((a) => a.nodeId === node);
      if (mine.length) out.set(key.slice(namespace.length + 1), mine);
    }
    return out;
  }
}
