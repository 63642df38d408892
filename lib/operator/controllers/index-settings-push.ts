import type { QuidditchIndex, QuidditchNode, ShardAllocationStatus } from '../../api/v1';
import type { ObservedCopies } from '../datanode/observed-copies';
import { messageOf } from '../runtime/errors';
import type { ObjectStore } from '../runtime/source';
import { findCondition } from './conditions';
import { indexContent } from './index-content';
import type { NodeFailure } from './index-status';
import { mapLimit } from './map-limit';
import type { ShardOperations } from './shard-operations';
import { copyIdentityOf, isCopyOf } from './copy-identity';

export interface SettingsPushDeps {
  readonly shards: ShardOperations;
  readonly nodeCache: ObjectStore<QuidditchNode>;
  readonly observed?: ObservedCopies;
}

/** Where the index's settings stand on its copies after this reconcile. */
export interface SettingsOutcome {
  /** Copies that have not reported the current generation yet. */
  readonly pending: number;
  /** Copies whose node refused the change, with the node's reason. */
  readonly refused: readonly { readonly node: string; readonly shardId: number; readonly reason: string }[];
  /** True when this run asked the nodes (false when an earlier refusal of this generation holds). */
  readonly newlyRefused: boolean;
  readonly failures: readonly NodeFailure[];
}

export const SETTINGS_CONDITION = 'SettingsApplied';

/**
 * Step 4b: pushes a changed spec (settings, mappings: a new metadata.generation) to every serving copy
 * whose node reports an older settings generation (UpdateShardSettings, idempotent per generation).
 * A refusal (a static setting, a re-typed field) is recorded once per generation in a condition and
 * an Event and not retried until the spec changes again: no hot loop against a node that said no.
 * Only copies on nodes whose stream is synced are judged; a node that reports no generation counts as
 * applied (it cannot say otherwise).
 */
export async function pushSettings(index: QuidditchIndex, allocations: readonly ShardAllocationStatus[], deps: SettingsPushDeps): Promise<SettingsOutcome> {
  const generation = index.metadata.generation ?? 0;
  const none: SettingsOutcome = { pending: 0, refused: [], newlyRefused: false, failures: [] };
  // Copies are created with the spec they were planned from: until the spec has changed once
  // (generation 2) no copy can be behind, and the per-copy lookups below are skipped.
  if (!deps.observed || generation <= 1) return none;
  const namespace = index.metadata.namespace ?? 'default';
  const identity = copyIdentityOf(index);
  const behind = allocations.filter((a) => {
    if (a.state !== 'STARTED') return false;
    const copy = deps.observed?.indexCopiesOn(a.nodeId, identity.namespace, identity.name)?.find((c) => isCopyOf(c, identity) && c.shardId === a.shardId);
    return copy?.settingsGeneration !== undefined && copy.settingsGeneration > 0 && copy.settingsGeneration < generation;
  });
  if (behind.length === 0) return none;
  const previous = findCondition(index.status?.conditions, SETTINGS_CONDITION);
  if (previous?.reason === 'SettingsRefused' && previous.observedGeneration === generation) {
    return { pending: behind.length, refused: [{ node: '', shardId: -1, reason: previous.message }], newlyRefused: false, failures: [] };
  }
  const nodes = new Map(deps.nodeCache.list(namespace).map((n) => [n.metadata.name ?? '', n]));
  const content = indexContent(index);
  const refused: { node: string; shardId: number; reason: string }[] = [];
  const failures: NodeFailure[] = [];
  await mapLimit(behind, 32, async (a) => {
    const node = nodes.get(a.nodeId);
    if (!node || !deps.shards.updateSettings) return;
    try {
      const answer = await deps.shards.updateSettings({ name: a.nodeId, address: node.spec.address }, { namespace: identity.namespace, index: identity.name, indexUid: identity.uid, shardId: a.shardId, primary: a.primary }, content);
      if (!answer.applied) refused.push({ node: a.nodeId, shardId: a.shardId, reason: answer.reason });
    } catch (err) {
      failures.push({ node: a.nodeId, message: messageOf(err) });
    }
  });
  return { pending: behind.length, refused, newlyRefused: refused.length > 0, failures };
}

/** The text of a refusal, for the condition and the Event. */
export function refusalMessage(outcome: SettingsOutcome, generation: number): string {
  const first = outcome.refused[0];
  if (first && first.shardId < 0) return first.reason;
  const what = outcome.refused.slice(0, 3).map((r) => `shard ${r.shardId} on ${r.node}: ${r.reason}`).join('; ');
  return `The data nodes refused generation ${generation} of the index's settings or mappings (${what}). Revert the change, or create a new index with it and reindex; it is not retried until the spec changes.`;
}
