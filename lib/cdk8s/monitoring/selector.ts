import type { ResolvedCluster } from '../../model/resolved';

/**
 * The `job` label Prometheus gives the operator's series: prometheus-operator names a PodMonitor's
 * job `<namespace>/<PodMonitor name>` and also sets `namespace` and `pod` (generatePodMonitorConfig
 * in pkg/prometheus/promcfg.go, read in v0.80.1). The PodMonitor is named after the operator. Every
 * alert and dashboard query filters on the job, so two clusters in one Prometheus never mix.
 */
export function operatorJob(cluster: ResolvedCluster): string {
  return `${cluster.namespace}/${cluster.names.operator}`;
}

/** The label matcher every query uses, e.g. `job="search/search-operator"`. */
export function jobMatcher(cluster: ResolvedCluster): string {
  return `job="${operatorJob(cluster)}"`;
}
