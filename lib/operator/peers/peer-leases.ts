/**
 * Pure rules of "is another Quidditch cluster's operator in my namespace, and which indices would we
 * both reconcile". Every operator announces itself on its leader Lease (one Lease per cluster,
 * `<cluster>-operator`): recommended labels, the cluster label when it runs with --cluster-name, and
 * an annotation saying which indices it serves. A Lease that is held and renewed is a live operator;
 * one that expired or was released is not (its cluster scaled to zero or was deleted).
 */
import type { V1Lease } from '@kubernetes/client-node';
import { APP_NAME, CLUSTER_LABEL, LABEL_KEYS } from '../../model/labels';
import { isLeaseFree, leaseExpiresAtMs } from '../runtime/lease';

/** Annotation on an operator's Lease: `all` (no --cluster-name) or `labelled` (only its cluster's indices). */
export const INDICES_ANNOTATION = 'quidditch.io/indices';
/** Label selector of every Quidditch operator's Lease. */
export const OPERATOR_LEASE_SELECTOR = `${LABEL_KEYS.name}=${APP_NAME},${LABEL_KEYS.component}=operator`;
/** Reason of the Event, the index condition and the log line when two operators would serve one index. */
export const ANOTHER_CLUSTER_IN_NAMESPACE = 'AnotherClusterInNamespace';

/** One cluster's operator as its Lease announces it. */
export interface OperatorScope {
  /** Name of its leader Lease: unique per cluster in the namespace. */
  readonly lease: string;
  /** With --cluster-name: the only indices it serves are labelled with this; undefined serves every index. */
  readonly cluster?: string;
}

/** The labels and annotation an operator writes on its Lease. */
export function leaseAnnouncement(self: OperatorScope): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: { [LABEL_KEYS.name]: APP_NAME, [LABEL_KEYS.component]: 'operator', ...(self.cluster !== undefined ? { [CLUSTER_LABEL]: self.cluster } : {}) },
    annotations: { [INDICES_ANNOTATION]: self.cluster !== undefined ? 'labelled' : 'all' },
  };
}

/**
 * The scope a Lease announces. Anything but a `labelled` annotation with a cluster label counts as
 * serving every index: when in doubt, assume the overlap (refusing is safe, double-managing is not).
 */
export function scopeOfLease(lease: V1Lease): OperatorScope | undefined {
  const name = lease.metadata?.name;
  if (!name) return undefined;
  const cluster = lease.metadata?.labels?.[CLUSTER_LABEL];
  const labelled = lease.metadata?.annotations?.[INDICES_ANNOTATION] === 'labelled' && cluster !== undefined && cluster !== '';
  return labelled ? { lease: name, cluster } : { lease: name };
}

/** The other clusters' operators that lead right now (their Lease is held and not expired), by Lease name. */
export function liveOtherOperators(self: OperatorScope, leases: Iterable<V1Lease>, nowMs: number): OperatorScope[] {
  const live: OperatorScope[] = [];
  for (const lease of leases) {
    const scope = scopeOfLease(lease);
    if (!scope || scope.lease === self.lease || isLeaseFree(lease.spec, nowMs)) continue;
    live.push(scope);
  }
  return live.sort((a, b) => a.lease.localeCompare(b.lease));
}

/** When the first of these live Leases expires (the overlap may end then), or undefined. */
export function nextExpiryMs(leases: Iterable<V1Lease>, names: ReadonlySet<string>): number | undefined {
  let next: number | undefined;
  for (const lease of leases) {
    if (!names.has(lease.metadata?.name ?? '')) continue;
    const at = leaseExpiresAtMs(lease.spec);
    if (at !== undefined && (next === undefined || at < next)) next = at;
  }
  return next;
}

/** True when an operator of this scope reconciles an index carrying this cluster label (or none). */
export function serves(scope: OperatorScope, indexCluster: string | undefined): boolean {
  return scope.cluster === undefined || scope.cluster === indexCluster;
}

/** The other live operators that would reconcile this index too, or [] when it is this operator's alone. */
export function overlapFor(self: OperatorScope, others: readonly OperatorScope[], indexCluster: string | undefined): OperatorScope[] {
  if (!serves(self, indexCluster)) return [];
  return others.filter((o) => serves(o, indexCluster));
}

/** True when some other operator shares at least one possible index with this one. */
export function overlaps(self: OperatorScope, other: OperatorScope): boolean {
  return self.cluster === undefined || other.cluster === undefined || self.cluster === other.cluster;
}

/** How a person names the cluster: its --cluster-name, else its Lease name without `-operator` (the constructs' naming). */
export function clusterOf(scope: OperatorScope): string {
  return scope.cluster ?? (scope.lease.endsWith('-operator') ? scope.lease.slice(0, -'-operator'.length) : scope.lease);
}

function describe(scope: OperatorScope): string {
  return `"${clusterOf(scope)}" (Lease ${scope.lease}, ${scope.cluster === undefined ? 'serving every index' : `serving indices labelled ${CLUSTER_LABEL}=${scope.cluster}`})`;
}

/** The fix, the same words everywhere. */
export const OVERLAP_FIX = `Set \`operator: { ownIndicesOnly: true }\` on each of these clusters (their operators then run with --cluster-name) ` +
  `and label every index with the cluster that should serve it (${CLUSTER_LABEL}=<cluster>), or give each cluster its own namespace.`;

/**
 * Why this index is served by nobody right now. The same text from every operator involved (the
 * clusters sorted by Lease name), so two of them writing it never flip the condition back and forth.
 */
export function overlapIndexMessage(namespace: string, name: string, involved: readonly OperatorScope[]): string {
  const sorted = [...involved].sort((a, b) => a.lease.localeCompare(b.lease));
  return `Unable to reconcile QuidditchIndex ${name}: the operators of clusters ${sorted.map(describe).join(' and ')} ` +
    `in namespace ${namespace} would both reconcile it, so neither does until only one serves it. ${OVERLAP_FIX}`;
}

/** The namespace-level message (log line, Event on this operator's Lease). */
export function overlapNamespaceMessage(namespace: string, self: OperatorScope, others: readonly OperatorScope[]): string {
  return `Another Quidditch cluster's operator runs in namespace ${namespace}: this operator of cluster ${describe(self)} and ` +
    `${others.map(describe).join(', ')} would reconcile the same indices; each refuses those indices until that ends. ${OVERLAP_FIX}`;
}
