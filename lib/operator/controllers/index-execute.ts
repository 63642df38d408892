import type { QuidditchNode, ShardAllocationStatus, ShardState } from '../../api/v1';
import type { AllocationAction } from '../allocation';
import type { ObservedCopies } from '../datanode/observed-copies';
import { messageOf } from '../runtime/errors';
import type { ObjectStore } from '../runtime/source';
import type { PersistedPlan } from './index-plan';
import type { NodeFailure } from './index-status';
import { AnsweredCreates } from './answered-creates';
import { mapLimit } from './map-limit';
import type { CopyRef, HeldCopy, IndexContent, NodeTarget, RecoverySourceRef, ShardOperations } from './shard-operations';
import { indexContent } from './index-content';
import { copyIdentityOf, isCopyOf, type CopyIdentity } from './copy-identity';
import { heldAsPrimary, stalePrimaries, type Demotion, type Reports } from './stale-primaries';

export interface ExecuteDeps {
  readonly shards: ShardOperations;
  readonly nodeCache: ObjectStore<QuidditchNode>;
  readonly now: () => Date;
  /** What the nodes report holding: a copy a synced node reports is not called for again. */
  readonly observed?: ObservedCopies;
  /** Creates the nodes answered recently: not called for again while their report is on its way. @default none */
  readonly answered?: AnsweredCreates;
}

/** What the data nodes answered: the persisted allocations with the states the nodes reported, and the calls that failed. */
export interface Execution {
  readonly allocations: readonly ShardAllocationStatus[];
  readonly failures: readonly NodeFailure[];
  /** Superseded primaries their nodes demoted to replicas in this run (for the PrimaryDemoted Event). */
  readonly demoted: readonly Demotion[];
  /**
   * Documents and bytes of the copies created in this run, as their nodes answered CreateShard: the
   * index's totals need no wait for the nodes' streams to report them (without it, a new index's
   * first observed status often lacked its totals, and a later reconcile wrote them in a write of its own).
   */
  readonly created?: readonly AnsweredCopy[];
  /** Copies not STARTED whose create was answered but not reported yet: look again after `answered.ttlMs`. */
  readonly awaitingReports?: number;
}

/** A copy's size as its node answered a call, in the shape of a stream report. */
export interface AnsweredCopy {
  readonly node: string;
  readonly indexUid: string;
  readonly shardId: number;
  readonly docsCount: number;
  readonly sizeBytes: number;
}

/** Parallel data-node calls per index: enough to hide latency, few enough not to flood a node. */
const CALLS_PER_INDEX = 32;

/** One run of the plan against the data nodes: where a node listens, the copy identities, and what was observed. */
class Run {
  readonly failures: NodeFailure[] = [];
  readonly demoted: Demotion[] = [];
  readonly created: AnsweredCopy[] = [];
  /** Copies whose create (or promote-or-create) the node answered, as AnsweredCreates keys. */
  readonly answeredCreates: string[] = [];
  readonly observed: ShardAllocationStatus[];

  constructor(
    readonly shards: ShardOperations,
    private readonly nodes: ReadonlyMap<string, QuidditchNode>,
    private readonly index: CopyIdentity,
    allocations: readonly ShardAllocationStatus[],
    /** This run's time (RFC 3339), for copies found missing. */
    readonly now: string,
    /** The settings and mappings every new copy is created with. */
    private readonly content: IndexContent,
    /** What the nodes report holding (their streams); undefined for a node not synced. */
    private readonly reports: Reports = () => undefined,
  ) {
    this.observed = allocations.map((a) => ({ ...a }));
  }

  ref(shardId: number, primary: boolean): CopyRef {
    return { namespace: this.index.namespace, index: this.index.name, indexUid: this.index.uid, shardId, primary };
  }

  knows(node: string): boolean {
    return this.nodes.has(node);
  }

  /** Calls `node`, recording a failure instead of throwing (one unreachable node must not hide the others' results). */
  async call<R>(node: string, fn: (target: NodeTarget) => Promise<R>): Promise<R | undefined> {
    const n = this.nodes.get(node);
    if (!n) {
      this.failures.push({ node, message: 'node is not registered' });
      return undefined;
    }
    try {
      return await fn({ name: node, address: n.spec.address });
    } catch (err) {
      this.failures.push({ node, message: messageOf(err) });
      return undefined;
    }
  }

  /** Records the state a node reported for its copy of `shardId` (a serving state clears the UNASSIGNED details). */
  report(shardId: number, node: string, state: ShardState | undefined): void {
    const i = this.observed.findIndex((a) => a.shardId === shardId && a.nodeId === node);
    if (i < 0 || !state) return;
    const { unassignedReason: _r, unassignedSince: _s, message: _m, ...rest } = this.observed[i];
    this.observed[i] = { ...rest, state };
  }

  /** Records that `node` is available but does not hold its copy of `shardId` (the plan after this one replaces it). */
  missing(shardId: number, node: string, since: string): void {
    const i = this.observed.findIndex((a) => a.shardId === shardId && a.nodeId === node);
    if (i >= 0) this.observed[i] = { shardId, nodeId: node, primary: this.observed[i].primary, state: 'UNASSIGNED', unassignedReason: 'CopyMissing', unassignedSince: since };
  }

  private readonly held = new Map<string, Promise<HeldCopy[] | undefined>>();

  /** What `node` holds, listed once per run. */
  heldOn(node: string): Promise<HeldCopy[] | undefined> {
    let p = this.held.get(node);
    if (!p) this.held.set(node, (p = this.call(node, (t) => this.shards.listShards(t))));
    return p;
  }

  /**
   * Confirms that a node back from being unavailable still holds its copy, without creating one: a
   * CreateShard here would answer with an EMPTY copy where the data was, and health would say green.
   */
  async adopt(shardId: number, primary: boolean, node: string, now: string): Promise<void> {
    const held = await this.heldOn(node);
    if (!held) return; // unreachable again: the copy stays UNASSIGNED and the reconcile is retried
    const copy = held.find((c) => isCopyOf(c, this.index) && c.shardId === shardId);
    if (!copy) return this.missing(shardId, node, now);
    // A replica its node still holds as a primary (another copy was promoted meanwhile) does not
    // serve as a replica until it is demoted and has re-synced; without a serving primary elsewhere
    // it is the best copy left and is taken as it is (the planner may promote it).
    if (!primary && copy.primary && this.recoverySource(shardId, node)) {
      this.report(shardId, node, 'INITIALIZING');
      return this.demote(shardId, node);
    }
    this.report(shardId, node, copy.state);
  }

  /**
   * Demotes the node's superseded primary to a replica that keeps its data and re-syncs from the
   * shard's serving primary. Only once that primary's node itself reports it as a STARTED primary (a
   * ListShards, once per node and run): the shard must never be left without a started primary on a
   * node, which it would be if the promotion of the new primary had not reached its node yet.
   */
  async demote(shardId: number, node: string): Promise<void> {
    const source = this.recoverySource(shardId, node);
    if (!source) return;
    const atSource = await this.heldOn(source.node);
    if (!atSource?.some((c) => isCopyOf(c, this.index) && c.shardId === shardId && c.primary && c.state === 'STARTED')) return;
    // null: the node holds no copy of the shard any more (the next plan replaces it); undefined: the call failed.
    const answer = await this.call(node, async (t) => (await this.shards.demoteShard(t, this.ref(shardId, false), source)) ?? null);
    if (answer === null) return this.missing(shardId, node, this.now);
    if (!answer) return;
    this.report(shardId, node, answer.state);
    this.demoted.push({ shardId, node, primaryNode: source.node });
  }

  /**
   * Promotes the replica the plan chose. A node that holds no copy of the shard (it lost it since it
   * was last seen) gets none: an empty primary would be reported green over lost data. The copy is
   * recorded missing instead, and the next plan promotes another replica or says PrimaryLost.
   */
  async promote(shardId: number, node: string): Promise<void> {
    // null: the node answered that it holds no copy; undefined: the call failed (recorded, retried).
    const answer = await this.call(node, async (t) => (await this.shards.promoteShard(t, this.ref(shardId, true))) ?? null);
    if (answer) this.report(shardId, node, answer.state);
    else if (answer === null) this.missing(shardId, node, this.now);
  }

  /** Promotes the node's copy (idempotent); creates it only when the node holds no copy at all. */
  async promoteOrCreate(shardId: number, node: string): Promise<void> {
    const copy = this.ref(shardId, true);
    const answer = await this.call(node, async (t) => (await this.shards.promoteShard(t, copy)) ?? (await this.shards.createShard(t, copy, this.content)));
    this.report(shardId, node, answer?.state);
    if (answer) this.answeredCreates.push(AnsweredCreates.key(this.index.uid, shardId, true, node));
  }

  async create(shardId: number, primary: boolean, node: string): Promise<void> {
    // A node that still holds the shard as a (superseded) primary gets no second copy: its copy is
    // demoted and re-used, as Elasticsearch re-uses what a returning node holds.
    if (!primary && (await this.holdsAsPrimary(shardId, node))) return this.demote(shardId, node);
    const source = primary ? undefined : this.recoverySource(shardId, node);
    const answer = await this.call(node, (t) => this.shards.createShard(t, this.ref(shardId, primary), this.content, source));
    this.report(shardId, node, answer?.state);
    if (answer) this.answeredCreates.push(AnsweredCreates.key(this.index.uid, shardId, primary, node));
    if (answer && Number.isFinite(answer.docsCount) && Number.isFinite(answer.sizeBytes)) {
      this.created.push({ node, indexUid: this.index.uid, shardId, docsCount: answer.docsCount ?? 0, sizeBytes: answer.sizeBytes ?? 0 });
    }
  }

  /**
   * Where a new replica gets its data: the shard's serving primary (peer recovery, as Elasticsearch
   * recovers replicas and relocation targets). None while the primary itself is new (INITIALIZING):
   * then both start empty together, as at index creation.
   */
  recoverySource(shardId: number, node: string): RecoverySourceRef | undefined {
    const primary = this.observed.find((a) => a.shardId === shardId && a.primary && a.nodeId !== node && (a.state === 'STARTED' || a.state === 'RELOCATING'));
    const at = primary && this.nodes.get(primary.nodeId);
    return primary && at ? { node: primary.nodeId, address: at.spec.address, copy: this.ref(shardId, true) } : undefined;
  }

  /** Whether `node` holds the shard as a primary: from its stream, or (not synced yet) from one ListShards per run. */
  private async holdsAsPrimary(shardId: number, node: string): Promise<boolean> {
    if (this.reports(node) !== undefined) return heldAsPrimary(this.reports, this.index, shardId, node);
    if (!this.knows(node)) return false;
    const held = await this.heldOn(node);
    return held?.some((c) => isCopyOf(c, this.index) && c.shardId === shardId && c.primary) ?? false;
  }

  /** Promotes a relocation target that has started; never creates (a missing target is a lost copy the plan repairs). */
  async handover(shardId: number, node: string): Promise<void> {
    const answer = await this.call(node, (t) => this.shards.promoteShard(t, this.ref(shardId, true)));
    if (answer) this.report(shardId, node, answer.state === 'STARTED' ? 'STARTED' : undefined);
  }
}

type Act<K extends AllocationAction['type']> = (action: Extract<AllocationAction, { type: K }>, run: Run) => Promise<void>;

/**
 * How each kind of planned action is carried out. Typed over every action kind, so tsc fails until a
 * new kind (a relocation, a drain) has its handler here. Every call is idempotent on the data node.
 */
const ACT: { readonly [K in AllocationAction['type']]: Act<K> } = {
  // A copy on an unavailable node cannot be reached; if that node returns, the orphan sweep removes it.
  // A failed delete leaves an orphan copy, which the same sweep removes later.
  delete: async (a, run) => {
    if (a.reason === 'NodeUnavailable' || !run.knows(a.node)) return;
    // Both roles: a node holds at most one copy of a shard, but not always in the role recorded (a
    // primary that handed over, a stale primary of a node that came back). Deleting a missing copy succeeds.
    await run.call(a.node, (t) => run.shards.deleteShard(t, run.ref(a.shardId, a.primary)));
    await run.call(a.node, (t) => run.shards.deleteShard(t, run.ref(a.shardId, !a.primary)));
  },
  relocate: (a, run) => run.create(a.shardId, false, a.node),
  handover: (a, run) => run.handover(a.shardId, a.node),
  promote: (a, run) => run.promote(a.shardId, a.node),
  adopt: (a, run) => run.adopt(a.shardId, a.primary, a.node, run.now),
  create: (a, run) => run.create(a.shardId, a.primary, a.node),
};

function act(action: AllocationAction, run: Run): Promise<void> {
  // tsc cannot correlate ACT[action.type] with action's own member; the table's type guarantees it.
  return (ACT[action.type] as (a: AllocationAction, r: Run) => Promise<void>)(action, run);
}

/**
 * Step 4: carries out a persisted plan on the data nodes. Deletions first, then promotions and
 * creations together with every other copy not yet STARTED: a copy a crashed run planned but never
 * created is created now, and a primary left INITIALIZING may be a promotion that never reached its
 * node, so it is promoted first and created only when the node holds no copy at all. Repeating this
 * after any crash creates nothing twice.
 */
export async function executePlan(persisted: PersistedPlan, deps: ExecuteDeps): Promise<Execution> {
  const { index, plan, allocations } = persisted;
  const namespace = index.metadata.namespace ?? 'default';
  const nodes = new Map(deps.nodeCache.list(namespace).map((n) => [n.metadata.name ?? '', n]));
  const identity = copyIdentityOf(index);
  // Only this index's copies (O(its copies), not every copy of the node); every reader filters by identity anyway.
  const reports: Reports = (node) => deps.observed?.indexCopiesOn(node, identity.namespace, identity.name);
  const run = new Run(deps.shards, nodes, identity, allocations, deps.now().toISOString(), indexContent(index), reports);

  await mapLimit(plan.actions.filter((a) => a.type === 'delete'), CALLS_PER_INDEX, (a) => act(a, run));

  const acted = plan.actions.filter((a) => a.type !== 'delete');
  const covered = new Set(acted.map((a) => `${a.shardId}/${a.node}`));
  // UNASSIGNED copies are never ensured: their node is away or lost them, and a create would be empty.
  // A copy its node already reports (still starting) needs no call: the node's stream says when it
  // started, so waiting on a slow node costs neither data-node calls nor API writes.
  const reported = (a: ShardAllocationStatus) =>
    reports(a.nodeId)?.some((c) => isCopyOf(c, identity) && c.shardId === a.shardId && c.primary === a.primary) ?? false;
  // A RELOCATING source serves already (and a primary that handed over is a replica only in the record).
  const unreported = allocations.filter((a) => a.state !== 'STARTED' && a.state !== 'UNASSIGNED' && a.state !== 'RELOCATING' && !covered.has(`${a.shardId}/${a.nodeId}`) && !reported(a));
  // Answered a moment ago, its report on the way: not called for again until that has had time to arrive.
  const nowMs = deps.now().getTime();
  const answeredRecently = (a: ShardAllocationStatus) => deps.answered?.isRecent(AnsweredCreates.key(identity.uid, a.shardId, a.primary, a.nodeId), nowMs) ?? false;
  const pending = unreported.filter((a) => !answeredRecently(a));
  // A promotion its node has not applied (its call failed, or the run that planned it crashed): the
  // node still reports a replica where the record says primary. Promoted again, never created.
  const unpromoted = allocations.filter((a) => a.primary && a.state === 'STARTED' && !covered.has(`${a.shardId}/${a.nodeId}`) &&
    (reports(a.nodeId)?.some((c) => isCopyOf(c, identity) && c.shardId === a.shardId && !c.primary) ?? false));
  // The other way round: a replica its node still holds as a primary that another copy superseded.
  // (A pending replica whose node holds a primary is demoted by create(), never created twice.)
  const available = (node: string) => nodes.has(node) && nodes.get(node)?.status?.state !== 'UNHEALTHY';
  const stale = stalePrimaries(allocations, reports, identity, available).filter((s) => !covered.has(`${s.shardId}/${s.node}`) && !pending.some((a) => a.shardId === s.shardId && a.nodeId === s.node));
  await mapLimit([
    ...acted.map((a) => () => act(a, run)),
    ...pending.map((a) => () => ensure(a, run)),
    ...unpromoted.map((a) => () => run.promote(a.shardId, a.nodeId)),
    ...stale.map((s) => () => run.demote(s.shardId, s.node)),
  ], CALLS_PER_INDEX, (fn) => fn());
  for (const key of run.answeredCreates) deps.answered?.record(key, nowMs);
  const awaitingReports = unreported.length - pending.length;
  return { allocations: run.observed, failures: run.failures, demoted: run.demoted, created: run.created, ...(awaitingReports ? { awaitingReports } : {}) };
}

/** A copy the plan did not act on but that is not STARTED: (re)issue the idempotent call that brings it up. */
function ensure(a: ShardAllocationStatus, run: Run): Promise<void> {
  return a.primary ? run.promoteOrCreate(a.shardId, a.nodeId) : run.create(a.shardId, false, a.nodeId);
}
