/**
 * One copy of each string that many cached objects repeat. JSON.parse makes a new string for every
 * value, so 10,000 cached indices held 10,000 copies of each condition message, reason, finalizer,
 * namespace and kind (measured in a heap snapshot: ~6 MiB of the ~56 MiB live heap). Only the values
 * of fields that repeat are pooled (names, UIDs and timestamps would fill the pool with one-offs), and
 * the pool is bounded, so an unusual field value (an error message naming an index) cannot grow it
 * without limit: past the bound a value is kept as parsed.
 */
const POOLED_KEYS = new Set([
  'apiVersion', 'kind', 'namespace', 'finalizers',
  // conditions
  'type', 'status', 'reason', 'message',
  // QuidditchIndex status and its shard allocations; QuidditchNode status
  'state', 'health', 'nodeId', 'relocatingTo', 'relocatingFrom', 'unassignedReason', 'zone', 'address',
]);
const MAX_LENGTH = 256;

export class StringPool {
  private readonly pool = new Map<string, string>();

  constructor(private readonly maxEntries = 4096) {}

  get size(): number {
    return this.pool.size;
  }

  intern(s: string): string {
    const known = this.pool.get(s);
    if (known !== undefined) return known;
    if (this.pool.size < this.maxEntries && s.length <= MAX_LENGTH) this.pool.set(s, s);
    return s;
  }

  /** Replaces, in place, the repeated string values of `obj` (at any depth) by their pooled copies; returns `obj`. */
  internValues<O>(obj: O): O {
    this.walk(obj, false);
    return obj;
  }

  private walk(node: unknown, pooled: boolean): void {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (typeof v === 'string') {
          if (pooled) node[i] = this.intern(v);
        } else if (v !== null && typeof v === 'object') this.walk(v, false);
      }
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const rec = node as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      const v = rec[key];
      if (typeof v === 'string') {
        if (POOLED_KEYS.has(key)) rec[key] = this.intern(v);
      } else if (v !== null && typeof v === 'object') {
        this.walk(v, POOLED_KEYS.has(key));
      }
    }
  }
}
