import type { ShardRef } from '../operator/datanode/protocol';
import type { DataNodeHandler } from '../operator/datanode/server';

/** The data-node RPCs, as fault specs name them. */
export const RPC_NAMES = ['CreateShard', 'GetShardInfo', 'DeleteShard', 'ListShards', 'PromoteShard', 'DemoteShard', 'UpdateShardSettings', 'WatchShards'] as const;
export type RpcName = (typeof RPC_NAMES)[number];

/** Faults the sim injects, for tests of how the operator copes with a misbehaving node. */
export interface FaultSpec {
  /** Fraction (0..1) of creates of a new copy that fail with UNAVAILABLE and create nothing. @default 0 */
  readonly failCreateRatio?: number;
  /** RPCs that never answer (the caller's deadline ends them); `count` limits it to the first N calls. */
  readonly hang?: readonly { readonly rpc: RpcName; readonly count?: number }[];
  /** Copies reported FAILED once they would have started: `index/shard` (both copies), or with `/p` or `/r`. */
  readonly failCopies?: readonly string[];
}

/**
 * Parses `--hang RPC[:N],...` into hang specs.
 * @throws Error naming the bad entry and the RPC names.
 */
export function parseHang(text: string): { rpc: RpcName; count?: number }[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const [rpc, count] = entry.split(':');
      if (!(RPC_NAMES as readonly string[]).includes(rpc)) throw new Error(`"${entry}" names no RPC; use one of ${RPC_NAMES.join(', ')}`);
      if (count === undefined) return { rpc: rpc as RpcName };
      const n = Number(count);
      if (!Number.isInteger(n) || n < 1) throw new Error(`"${entry}" must count at least 1 call`);
      return { rpc: rpc as RpcName, count: n };
    });
}

/** Parses `--fail-copies index/shard[/p|r],...`. @throws Error naming the bad entry. */
export function parseFailCopies(text: string): string[] {
  const entries = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const e of entries) {
    if (!/^[^/]+\/\d+(\/[pr])?$/.test(e)) throw new Error(`"${e}" must be index/shard or index/shard/p or index/shard/r`);
  }
  return entries;
}

/** Decides, call by call, which faults strike. Random choices come from a seeded generator, so a run can be repeated. */
export class Faults {
  private readonly hangsLeft = new Map<RpcName, number>();
  private readonly random: () => number;

  constructor(
    private readonly spec: FaultSpec = {},
    seed = 1,
  ) {
    for (const h of spec.hang ?? []) this.hangsLeft.set(h.rpc, h.count ?? Infinity);
    this.random = mulberry32(seed);
  }

  /** True when this call of `rpc` must hang (uses up one of its count). */
  hangs(rpc: RpcName): boolean {
    const left = this.hangsLeft.get(rpc) ?? 0;
    if (left <= 0) return false;
    this.hangsLeft.set(rpc, left - 1);
    return true;
  }

  /** True when this create of a new copy must fail. */
  failsCreate(): boolean {
    const ratio = this.spec.failCreateRatio ?? 0;
    return ratio > 0 && this.random() < ratio;
  }

  /** True when the copy must report FAILED instead of STARTED. */
  failsCopy(ref: ShardRef): boolean {
    const base = `${ref.indexName}/${ref.shardId}`;
    return (this.spec.failCopies ?? []).some((c) => c === base || c === `${base}/${ref.primary ? 'p' : 'r'}`);
  }

  /** A number in [0, 1) from the seeded generator (start-time jitter uses it too). */
  next(): number {
    return this.random();
  }
}

/** A tiny seeded PRNG (mulberry32): good enough to spread delays and pick failures reproducibly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `handler` with the hang faults applied: a hung call never answers (the caller's deadline ends
 * it; the server cuts it on stop); a hung WatchShards stays open and silent.
 */
export function withHangs<H extends DataNodeHandler>(handler: H, faults: Faults): DataNodeHandler {
  const never = <T>() => new Promise<T>(() => undefined);
  return {
    createShard: (r) => (faults.hangs('CreateShard') ? never() : handler.createShard(r)),
    getShardInfo: (r) => (faults.hangs('GetShardInfo') ? never() : handler.getShardInfo(r)),
    deleteShard: (r) => (faults.hangs('DeleteShard') ? never() : handler.deleteShard(r)),
    listShards: (r) => (faults.hangs('ListShards') ? never() : handler.listShards(r)),
    promoteShard: (r) => (faults.hangs('PromoteShard') ? never() : handler.promoteShard(r)),
    demoteShard: (r) => (faults.hangs('DemoteShard') ? never() : handler.demoteShard(r)),
    updateShardSettings: (r) => (faults.hangs('UpdateShardSettings') ? never() : handler.updateShardSettings(r)),
    watchShards: (r, sink) => (faults.hangs('WatchShards') ? undefined : handler.watchShards(r, sink)),
  };
}
