import type { ResolvedCluster } from '../../model/resolved';

/**
 * The `job` label Prometheus gives the operator's series: prometheus-operator names a PodMonitor's
 * job `<namespace>/<PodMonitor name>`, and the PodMonitor is named after the operator. Every alert
 * and dashboard query filters on it, so two clusters in one Prometheus never mix.
 */
export function operatorJob(cluster: ResolvedCluster): string {
  return `${cluster.namespace}/${cluster.names.operator}`;
}

/** The label matcher every query uses, e.g. `job="search/search-operator"`. */
export function jobMatcher(cluster: ResolvedCluster): string {
  return `job="${operatorJob(cluster)}"`;
}
