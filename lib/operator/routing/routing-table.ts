import type { QuidditchIndex, QuidditchNode, ShardState, IndexHealth, IndexState } from '../../api/v1';
import { copyIdentityOf } from '../controllers/copy-identity';

/** One copy of a shard as a client needs it to route a request. */
export interface RoutedCopy {
  readonly node: string;
  /** host:port of the node's gRPC API, or null while the node is not known to the cache. */
  readonly address: string | null;
  readonly state: ShardState;
}

export interface RoutedShard {
  readonly shardId: number;
  /** null while the shard has no primary (health red). */
  readonly primary: RoutedCopy | null;
  readonly replicas: readonly RoutedCopy[];
}

export interface IndexRoute {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | undefined;
  /**
   * What the data nodes know the index's copies by (namespace, index name, index UID in each shard
   * request): the object's own for an index created here, the exported ones for a restored index.
   */
  readonly copies: { readonly namespace: string; readonly index: string; readonly indexUid: string };
  readonly resourceVersion: string | undefined;
  readonly state: IndexState | null;
  readonly health: IndexHealth | null;
  readonly shards: readonly RoutedShard[];
}

/**
 * Shard → node routing, kept current from the informer caches. Reads are a map lookup that returns a
 * pre-serialized answer, because routing is the hot path (every search request asks it); the work is
 * done once per index or node change instead. Only the JSON is kept (not the route object it was made
 * from): at 10,000 indices the objects cost several MiB that nothing on the hot path reads.
 */
export class RoutingTable {
  private readonly indices = new Map<string, QuidditchIndex>();
  private readonly addresses = new Map<string, string>();
  private readonly rendered = new Map<string, string>();

  upsertIndex(index: QuidditchIndex): void {
    const key = keyOf(index.metadata.namespace, index.metadata.name);
    this.indices.set(key, index);
    this.render(key, index);
  }

  deleteIndex(namespace: string, name: string): void {
    const key = keyOf(namespace, name);
    this.indices.delete(key);
    this.rendered.delete(key);
  }

  upsertNode(node: QuidditchNode): void {
    const key = keyOf(node.metadata.namespace, node.metadata.name);
    if (this.addresses.get(key) === node.spec.address) return;
    this.addresses.set(key, node.spec.address);
    this.rerenderNamespace(node.metadata.namespace);
  }

  deleteNode(namespace: string, name: string): void {
    if (this.addresses.delete(keyOf(namespace, name))) this.rerenderNamespace(namespace);
  }

  /** The route of one index, or undefined when the index is unknown (parsed from the JSON: not for the hot path). */
  lookup(namespace: string, name: string): IndexRoute | undefined {
    const json = this.lookupJson(namespace, name);
    return json === undefined ? undefined : (JSON.parse(json) as IndexRoute);
  }

  /** The route serialized as JSON (what the HTTP API sends), or undefined when the index is unknown. */
  lookupJson(namespace: string, name: string): string | undefined {
    return this.rendered.get(keyOf(namespace, name));
  }

  get size(): number {
    return this.rendered.size;
  }

  private rerenderNamespace(namespace: string | undefined): void {
    for (const [key, index] of this.indices) {
      if (index.metadata.namespace === namespace) this.render(key, index);
    }
  }

  private render(key: string, index: QuidditchIndex): void {
    const route = buildRoute(index, (node) => this.addresses.get(keyOf(index.metadata.namespace, node)) ?? null);
    this.rendered.set(key, JSON.stringify(route));
  }
}

/** Pure: the route of one index from its status and a node-address lookup. */
export function buildRoute(index: QuidditchIndex, addressOf: (node: string) => string | null): IndexRoute {
  const shards: { shardId: number; primary: RoutedCopy | null; replicas: RoutedCopy[] }[] = [];
  for (let shardId = 0; shardId < index.spec.shards; shardId++) shards.push({ shardId, primary: null, replicas: [] });
  for (const a of index.status?.shardAllocations ?? []) {
    const shard = shards[a.shardId];
    if (!shard) continue; // a stale allocation beyond the shard count; the reconciler removes it
    const copy: RoutedCopy = { node: a.nodeId, address: addressOf(a.nodeId), state: a.state };
    if (a.primary) shard.primary = copy;
    else shard.replicas.push(copy);
  }
  for (const s of shards) s.replicas.sort((x, y) => x.node.localeCompare(y.node));
  return {
    namespace: index.metadata.namespace ?? 'default',
    name: index.metadata.name ?? '',
    uid: index.metadata.uid,
    copies: (({ namespace, name, uid }) => ({ namespace, index: name, indexUid: uid }))(copyIdentityOf(index)),
    resourceVersion: index.metadata.resourceVersion,
    state: index.status?.state ?? null,
    health: index.status?.health ?? null,
    shards,
  };
}

function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? 'default'}/${name ?? ''}`;
}
