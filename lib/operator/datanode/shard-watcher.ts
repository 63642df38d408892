import type { QuidditchNode } from '../../api/v1';
import type { Logger } from '../logger';
import type { EventSource, ObjectStore } from '../runtime/source';
import type { DataNodeTarget, ShardsStream, ShardsStreamListener } from './client';
import type { ObservedCopies, ObservedCopy } from './observed-copies';
import { shardKey, type ShardInfo, type ShardsEvent, type WatchShardsRequest } from './protocol';

/** The one call the watcher needs from DataNodeClient. */
export interface ShardStreams {
  watchShards(node: DataNodeTarget, request: WatchShardsRequest, listener: ShardsStreamListener): ShardsStream;
}

export interface ShardWatcherOptions {
  readonly streams: ShardStreams;
  /** The QuidditchNodes to watch (the operator's node informer). */
  readonly nodes: ObjectStore<QuidditchNode> & EventSource<QuidditchNode>;
  /**
   * Called with the `namespace/name` keys of the indices whose copies changed on a node (state,
   * primary flag, settings generation, docs/size) or became unknown (stream lost). Runs in the
   * stream's event turn: keep it cheap (enqueue the keys).
   */
  readonly onChange: (indexKeys: readonly string[]) => void;
  readonly log: Logger;
  /** Least ms between docs/size updates the nodes send. @default 10000 */
  readonly statsIntervalMs?: number;
  /** Wait before re-opening a lost stream; doubles per failed attempt. @default 200 */
  readonly backoffMs?: number;
  /** @default 5000 */
  readonly maxBackoffMs?: number;
}

interface NodeWatch {
  readonly address: string;
  stream?: ShardsStream;
  retry?: NodeJS.Timeout;
  attempts: number;
  /** Copies by shardKey; undefined until this stream's SNAPSHOT arrived (unknown ≠ empty). */
  copies?: Map<string, ObservedCopy>;
  /**
   * The same copies grouped by `namespace/index`, kept in step with `copies`: copiesOf runs in every
   * index reconcile, and scanning every copy of every node there made a burst of creates quadratic.
   */
  byIndex?: Map<string, Map<string, ObservedCopy>>;
}

/**
 * Follows what every data node holds through one WatchShards stream per QuidditchNode, so the
 * index controller learns of a copy that started, failed or vanished within about a second
 * instead of at the next resync — and spends nothing (no polls, no API writes) while nothing
 * changes. Streams run only between start() and stop(): on the leader, which alone acts on them.
 * A lost stream is re-opened with backoff; the node's copies are unknown until its new snapshot.
 */
export class ShardWatcher implements ObservedCopies {
  readonly name = 'shard-watcher';
  private readonly watches = new Map<string, NodeWatch>();
  private running = false;
  private readonly log: Logger;

  constructor(private readonly options: ShardWatcherOptions) {
    this.log = options.log.child({ component: 'shard-watcher' });
    // Handlers are registered once; they act only while running.
    options.nodes.onAdd((n) => this.sync(n));
    options.nodes.onUpdate((n) => this.sync(n));
    options.nodes.onDelete((n) => this.forget(n.metadata.name ?? ''));
  }

  /** Opens a stream to every node in the cache (and to each node that appears later). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.options.nodes.list().forEach((n) => this.sync(n));
  }

  /** Closes every stream and forgets what they reported. Idempotent. */
  stop(): void {
    this.running = false;
    for (const name of [...this.watches.keys()]) this.close(name);
    this.watches.clear();
  }

  copiesOn(node: string): readonly ObservedCopy[] | undefined {
    const copies = this.watches.get(node)?.copies;
    return copies ? [...copies.values()] : undefined;
  }

  indexCopiesOn(node: string, namespace: string, index: string): readonly ObservedCopy[] | undefined {
    const w = this.watches.get(node);
    if (!w?.copies) return undefined;
    const mine = w.byIndex?.get(`${namespace}/${index}`);
    return mine ? [...mine.values()] : [];
  }

  copiesOf(namespace: string, index: string): readonly (ObservedCopy & { readonly node: string })[] {
    const out: (ObservedCopy & { node: string })[] = [];
    const key = `${namespace}/${index}`;
    for (const [node, w] of this.watches) {
      for (const c of w.byIndex?.get(key)?.values() ?? []) out.push({ ...c, node });
    }
    return out;
  }

  /** Names of the nodes whose stream is synced (for tests and logs). */
  syncedNodes(): string[] {
    return [...this.watches].filter(([, w]) => w.copies).map(([n]) => n).sort();
  }

  private sync(node: QuidditchNode): void {
    const name = node.metadata.name ?? '';
    const address = node.spec?.address ?? '';
    if (!this.running || !name) return;
    const current = this.watches.get(name);
    if (current && current.address === address) return;
    // A node that moved is a different stream: what the old address reported no longer counts.
    if (current) this.forget(name);
    if (!address) return;
    this.watches.set(name, { address, attempts: 0 });
    this.open(name);
  }

  private forget(name: string): void {
    if (!this.watches.has(name)) return;
    const lost = this.close(name);
    this.watches.delete(name);
    this.notify(lost);
  }

  /** Ends the stream and retry of `name`; returns the index keys whose copies became unknown. */
  private close(name: string): Set<string> {
    const w = this.watches.get(name);
    if (!w) return new Set();
    clearTimeout(w.retry);
    w.stream?.cancel();
    w.stream = undefined;
    const lost = indexKeys(w.copies?.values() ?? []);
    w.copies = undefined;
    w.byIndex = undefined;
    return lost;
  }

  private open(name: string): void {
    const w = this.watches.get(name);
    if (!w || !this.running) return;
    const target = { name, address: w.address };
    const request = { statsIntervalMs: this.options.statsIntervalMs ?? 10_000 };
    const stream = this.options.streams.watchShards(target, request, {
      event: (e) => {
        if (this.watches.get(name) !== w || w.stream !== stream) return;
        if (e.nodeName && e.nodeName !== name) {
          this.lost(name, w, `the node at ${w.address} says it is ${e.nodeName}`);
          return;
        }
        this.apply(name, w, e);
      },
      end: (err) => {
        if (this.watches.get(name) !== w || w.stream !== stream) return;
        this.lost(name, w, err ? err.message : 'the node ended the stream');
      },
    });
    w.stream = stream;
  }

  private apply(name: string, w: NodeWatch, e: ShardsEvent): void {
    const changed = new Set<string>();
    if (e.kind === 'SNAPSHOT') {
      const before = w.copies;
      const after = new Map(e.shards.map((s) => [shardKey(s.shard), observed(s)]));
      for (const [k, c] of after) if (!before || !same(before.get(k), c)) changed.add(indexKey(c));
      for (const [k, c] of before ?? []) if (!after.has(k)) changed.add(indexKey(c));
      if (!before) this.log.debug({ node: name, copies: after.size, attempts: w.attempts }, 'watching shards');
      w.copies = after;
      w.byIndex = new Map();
      for (const [k, c] of after) group(w.byIndex, k, c);
      w.attempts = 0;
    } else if (w.copies) {
      for (const s of e.shards) {
        const key = shardKey(s.shard);
        const c = observed(s);
        if (e.kind === 'REMOVED') {
          if (w.copies.delete(key)) changed.add(indexKey(c));
          ungroup(w.byIndex, key, c);
        } else if (e.kind === 'UPSERT' && !same(w.copies.get(key), c)) {
          w.copies.set(key, c);
          if (w.byIndex) group(w.byIndex, key, c);
          changed.add(indexKey(c));
        }
      }
    }
    this.notify(changed);
  }

  private lost(name: string, w: NodeWatch, why: string): void {
    const wasSynced = !!w.copies;
    const unknown = this.close(name);
    if (wasSynced) this.log.info({ node: name, address: w.address, err: why }, 'lost the shard stream; re-opening it');
    else this.log.debug({ node: name, address: w.address, err: why, attempts: w.attempts }, 'shard stream failed');
    const base = this.options.backoffMs ?? 200;
    const wait = Math.min(this.options.maxBackoffMs ?? 5000, base * 2 ** w.attempts);
    w.attempts++;
    w.retry = setTimeout(() => this.open(name), wait / 2 + Math.random() * (wait / 2));
    this.notify(unknown);
  }

  private notify(keys: Set<string>): void {
    if (keys.size > 0 && this.running) this.options.onChange([...keys]);
  }
}

function observed(s: ShardInfo): ObservedCopy {
  const state = s.state === 'STARTED' || s.state === 'FAILED' ? s.state : 'INITIALIZING';
  return {
    namespace: s.shard.namespace,
    index: s.shard.indexName,
    indexUid: s.shard.indexUid,
    shardId: s.shard.shardId,
    primary: s.shard.primary,
    state,
    ...(state === 'FAILED' ? { reason: s.failureReason || 'the node gave no reason' } : {}),
    docsCount: s.docsCount,
    sizeBytes: s.sizeBytes,
    ...(s.settingsGeneration ? { settingsGeneration: s.settingsGeneration } : {}),
  };
}

function same(a: ObservedCopy | undefined, b: ObservedCopy): boolean {
  return (
    !!a && a.state === b.state && a.reason === b.reason && a.docsCount === b.docsCount && a.sizeBytes === b.sizeBytes &&
    a.settingsGeneration === b.settingsGeneration && a.primary === b.primary
  );
}

const indexKey = (c: ObservedCopy) => `${c.namespace}/${c.index}`;

function group(byIndex: Map<string, Map<string, ObservedCopy>>, key: string, c: ObservedCopy): void {
  const k = indexKey(c);
  let copies = byIndex.get(k);
  if (!copies) byIndex.set(k, (copies = new Map<string, ObservedCopy>()));
  copies.set(key, c);
}

function ungroup(byIndex: Map<string, Map<string, ObservedCopy>> | undefined, key: string, c: ObservedCopy): void {
  const copies = byIndex?.get(indexKey(c));
  if (!copies) return;
  copies.delete(key);
  if (copies.size === 0) byIndex?.delete(indexKey(c));
}

function indexKeys(copies: Iterable<ObservedCopy>): Set<string> {
  return new Set([...copies].map(indexKey));
}
