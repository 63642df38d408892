import type { QuidditchIndex, ShardAllocation } from '../../api/v1';
import { CustomResourceClient, statusCodeOf } from '../kube/custom-resource-client';
import { splitKey } from '../runtime/reconciler';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/reconciler';
import type { ObjectStore } from '../runtime/source';
import { mapLimit } from './map-limit';
import type { ObservedCopies } from '../datanode/observed-copies';
import { desiredMirrors, diffMirrors, MIRROR_INDEX_LABEL } from './shard-allocation-mirror';
import { copyIdentityOf } from './copy-identity';
import { overlapOf, PeerView } from './overlap-guard';

export interface ShardAllocationReconcilerDeps {
  readonly indexCache: ObjectStore<QuidditchIndex>;
  readonly mirrorCache: ObjectStore<ShardAllocation>;
  readonly mirrors: CustomResourceClient<ShardAllocation>;
  /** Documents and bytes per copy, as the nodes report them. @default none: mirrors carry states only */
  readonly observed?: ObservedCopies;
  /** Other clusters' operators in the namespace: an index they would reconcile too is left alone. @default none */
  readonly peers?: PeerView;
}

/**
 * Keeps one ShardAllocation object per shard copy of an index (`kubectl get qshard`), for per-shard
 * visibility. Keyed by the index ("namespace/index"). The index status stays the source of truth:
 * these objects are derived and may be deleted at any time; the next reconcile puts them back.
 */
export class ShardAllocationReconciler implements Reconciler {
  constructor(private readonly deps: ShardAllocationReconcilerDeps) {}

  async reconcile(key: string, _ctx?: ReconcileContext): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const { deps } = this;
    const index = deps.indexCache.get(namespace, name);
    if (index && overlapOf(index, deps.peers).length > 0) return { kind: 'done' }; // see overlap-guard.ts
    const existing = deps.mirrorCache.list(namespace).filter((m) => m.metadata.labels?.[MIRROR_INDEX_LABEL] === name);
    const plan = diffMirrors(index ? desiredMirrors(index, deps.observed?.copiesOf(copyIdentityOf(index).namespace, name) ?? []) : [], existing);
    const ignoreGone = (err: unknown) => {
      if (statusCodeOf(err) !== 404) throw err;
    };
    await mapLimit(plan.remove, 16, (n) => deps.mirrors.delete(namespace, n));
    await mapLimit(plan.create, 16, async (m) => {
      try {
        await deps.mirrors.create(namespace, m.body);
      } catch (err) {
        if (statusCodeOf(err) !== 409) throw err; // created meanwhile: the status write below settles it
      }
      await deps.mirrors.patchStatus(namespace, m.name, undefined, m.body.status).catch(ignoreGone);
    });
    await mapLimit(plan.updateSpec, 16, async (m) => {
      await deps.mirrors.patchSpec(namespace, m.name, { ...m.body.spec }).catch(ignoreGone);
    });
    await mapLimit(plan.updateStatus.filter((m) => !plan.create.includes(m)), 16, async (m) => {
      await deps.mirrors.patchStatus(namespace, m.name, undefined, m.body.status).catch(ignoreGone);
    });
    return { kind: 'done' };
  }
}
