/**
 * What a finished relocation moved, for the quidditch_relocation_bytes_total metric and the
 * RelocationFinished Event.
 *
 * A relocation finishes in the plan whose persisted status drops its source (delete action reason
 * `Relocated`). That status write is the one place the finish is decided: it is conditional on the
 * resourceVersion the plan was made from, so two writers cannot both record it, and a reconcile after
 * a restart reads a status without the pair and finds nothing left to finish. The reconciler counts
 * each finish right after that write succeeds, so a relocation is counted at most once, by the
 * operator whose write finished it; only a crash between the write's answer and the count (no
 * await in between) or a write whose answer was lost loses it. Counters start at 0 in every
 * process, as Prometheus counters do (rate() and increase() handle the reset).
 */
import type { AllocationPlan } from '../allocation';
import type { ObservedCopies } from '../datanode/observed-copies';
import { reportedCopy, type CopyIdentity } from './copy-identity';

/** One relocation the plan finished. */
export interface FinishedRelocation {
  readonly shardId: number;
  /** The node the copy left (its copy is deleted by this plan). */
  readonly from: string;
  /** The node now holding the started copy. */
  readonly to: string;
  /**
   * Bytes moved: the size the target's node reports for its new copy (what it recovered from the
   * primary, plus what it indexed since it started), else the size the source's node reports;
   * undefined when neither node reports one.
   */
  readonly bytes?: number;
}

/** Pure: the relocations `plan` finishes, with the bytes moved as the nodes report them. */
export function finishedRelocations(plan: Pick<AllocationPlan, 'actions'>, observed: ObservedCopies | undefined, index: CopyIdentity): FinishedRelocation[] {
  const out: FinishedRelocation[] = [];
  for (const a of plan.actions) {
    if (a.type !== 'delete' || a.reason !== 'Relocated' || !a.to) continue;
    const size = (node: string) => reportedCopy(observed?.indexCopiesOn(node, index.namespace, index.name), index, a.shardId)?.sizeBytes;
    const bytes = size(a.to) ?? size(a.node);
    out.push({ shardId: a.shardId, from: a.node, to: a.to, ...(bytes === undefined ? {} : { bytes }) });
  }
  return out;
}
