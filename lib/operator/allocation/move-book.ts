import type { ShardAllocationStatus } from '../../api/v1';
import type { AllocationAction, CandidateNode } from './types';

export type Mutable = { -readonly [K in keyof ShardAllocationStatus]: ShardAllocationStatus[K] };

/** The throttles and what is in flight against them, as one plan adds moves (see relocate.ts). */
export interface MoveBookInit {
  readonly nodes: readonly CandidateNode[];
  readonly nodeConcurrent: number;
  readonly clusterConcurrent: number;
  /** Other indices' relocations in flight, per source and target node, and in all. */
  readonly inFlight?: { readonly out: ReadonlyMap<string, number>; readonly in: ReadonlyMap<string, number>; readonly total: number };
  /** Bytes of this index's copy of `shardId` on `node`, as the node reports it; undefined when unknown. */
  readonly copyBytes?: (shardId: number, node: string) => number | undefined;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The state the drain and rebalance steps share while they add moves to one plan: copies per node,
 * bytes per node, moves in flight out of and into each node and in all, and the one way a move is
 * started. Both steps ask it the same two questions: may a move leave this node now (`outOpen`), and
 * may one enter that node now (`inOpen`).
 */
export class MoveBook {
  readonly byName: ReadonlyMap<string, CandidateNode>;
  private readonly load: Map<string, number>;
  private readonly bytes: Map<string, number>;
  private readonly outs: Map<string, number>;
  private readonly ins: Map<string, number>;
  private total: number;
  /** Relocations of this index in flight once the plan is carried out. */
  ownInFlight = 0;

  constructor(private readonly init: MoveBookInit, actions: readonly AllocationAction[], kept: readonly Mutable[]) {
    this.byName = new Map(init.nodes.map((n) => [n.name, n]));
    this.load = new Map(init.nodes.map((n) => [n.name, n.load]));
    this.bytes = new Map(init.nodes.map((n) => [n.name, n.bytes ?? 0]));
    this.outs = new Map(init.inFlight?.out ?? []);
    this.ins = new Map(init.inFlight?.in ?? []);
    this.total = init.inFlight?.total ?? 0;
    for (const a of actions) {
      if (a.type === 'create') this.load.set(a.node, this.loadOf(a.node) + 1);
      if (a.type === 'delete') this.load.set(a.node, this.loadOf(a.node) - 1);
    }
    for (const t of kept.filter((c) => c.relocatingFrom)) this.count(t.relocatingFrom ?? '', t.nodeId);
  }

  /** Copies on `node`, over all indices, with this plan's creations and deletions and the targets it added. */
  loadOf(node: string): number {
    return this.load.get(node) ?? 0;
  }

  /** Copies on `node` less the moves already leaving it: what it holds once they end. */
  effective(node: string): number {
    return this.loadOf(node) - (this.outs.get(node) ?? 0);
  }

  /** Bytes the node reports holding (0 when it reports none), moved along with the moves this plan starts. */
  bytesOf(node: string): number {
    return this.bytes.get(node) ?? 0;
  }

  /** Bytes of this index's copy of `shardId` on `node` (0 when unknown). */
  copyBytes(shardId: number, node: string): number {
    return this.init.copyBytes?.(shardId, node) ?? 0;
  }

  zoneOf(node: string): string {
    return this.byName.get(node)?.zone ?? '';
  }

  /** Whether another move may leave `from` now: the namespace's and the source's throttles. */
  outOpen(from: string): boolean {
    return this.total < this.init.clusterConcurrent && (this.outs.get(from) ?? 0) < this.init.nodeConcurrent;
  }

  /** Whether another move may enter `node` now. */
  inOpen(node: string): boolean {
    return (this.ins.get(node) ?? 0) < this.init.nodeConcurrent;
  }

  /** Whether `node` has room for one more copy (maxShards). */
  hasRoom(node: CandidateNode): boolean {
    return this.loadOf(node.name) < node.maxShards;
  }

  /**
   * The target among `targets` by these numeric keys, lowest first, then by the node's reported
   * bytes (the emptier disk), then by name: the one ordering both steps end with.
   */
  pick(targets: readonly CandidateNode[], ...keys: ((n: CandidateNode) => number)[]): CandidateNode | undefined {
    const rank = (n: CandidateNode) => [...keys.map((k) => k(n)), this.bytesOf(n.name)];
    return [...targets].sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
      return byName(a.name, b.name);
    })[0];
  }

  /** Starts moving `c` to `target`: the source turns RELOCATING, the target is added INITIALIZING, the throttles count it. */
  start(c: Mutable, target: string, kept: Mutable[], actions: AllocationAction[]): void {
    c.state = 'RELOCATING';
    c.relocatingTo = target;
    kept.push({ shardId: c.shardId, nodeId: target, primary: false, state: 'INITIALIZING', relocatingFrom: c.nodeId });
    actions.push({ type: 'relocate', shardId: c.shardId, primary: c.primary, from: c.nodeId, node: target });
    this.load.set(target, this.loadOf(target) + 1);
    const size = this.copyBytes(c.shardId, c.nodeId);
    this.bytes.set(target, this.bytesOf(target) + size);
    this.bytes.set(c.nodeId, this.bytesOf(c.nodeId) - size);
    this.count(c.nodeId, target);
  }

  private count(from: string, to: string): void {
    this.outs.set(from, (this.outs.get(from) ?? 0) + 1);
    this.ins.set(to, (this.ins.get(to) ?? 0) + 1);
    this.total++;
    this.ownInFlight++;
  }
}
