/**
 * The operator's alerts, as PrometheusRule rules. Each names a README runbook (Monitoring section)
 * through its runbook_url. Queries aggregate with max() over the replicas where every replica
 * reports the same thing from its own informer cache (index and node counts), so a 2-replica
 * operator does not count an index twice.
 */
import type { ResolvedCluster } from '../../model/resolved';
import { jobMatcher } from './selector';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold before the alert fires (Prometheus duration). */
  readonly for: string;
  readonly labels: { readonly severity: 'critical' | 'warning' };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

/** README anchor of an alert's runbook: `runbook-` + the alert name in lowercase (GitHub's heading slug). */
export function runbookAnchor(alert: string): string {
  return `runbook-${alert.toLowerCase()}`;
}

export function operatorAlerts(cluster: ResolvedCluster): AlertRule[] {
  const j = jobMatcher(cluster);
  const base = cluster.monitoring?.runbookBaseUrl ?? '';
  const who = `Quidditch cluster ${cluster.namespace}/${cluster.name}`;
  const rule = (alert: string, severity: 'critical' | 'warning', expr: string, forDuration: string, summary: string, description: string): AlertRule => ({
    alert, expr, for: forDuration, labels: { severity },
    annotations: { summary: `${who}: ${summary}`, description, runbook_url: `${base}#${runbookAnchor(alert)}` },
  });
  return [
    rule('QuidditchOperatorNoLeader', 'critical',
      // `or vector(0)`: no operator series at all (every replica down or unscraped) is also no leader.
      `(max(leader_is_leader{${j}}) or vector(0)) < 1`, '1m',
      'no operator replica holds the leader Lease',
      'No replica has reported leader_is_leader=1 for a minute: indices and nodes are not reconciled (routing still answers from the standbys\' caches).'),
    rule('QuidditchReconcileErrors', 'warning',
      `sum by (controller) (rate(reconcile_total{${j},result=~"retry|terminal"}[10m])) / sum by (controller) (rate(reconcile_total{${j}}[10m])) > 0.1`, '15m',
      'more than 10% of reconciles fail',
      'Controller {{ $labels.controller }}: {{ $value | humanizePercentage }} of reconciles ended in retry or terminal over 10 minutes.'),
    rule('QuidditchWorkQueueGrowing', 'warning',
      `max by (controller) (deriv(workqueue_depth{${j}}[15m])) > 0 and max by (controller) (workqueue_depth{${j}}) > 10`, '15m',
      'the work queue keeps growing',
      'Controller {{ $labels.controller }} has more than 10 keys not yet reconciled and the backlog has grown for 15 minutes: the operator is falling behind.'),
    rule('QuidditchIndexRed', 'critical',
      `max(sum by (pod) (quidditch_indices{${j},health="red"})) > 0`, '5m',
      'an index has been red for 5 minutes',
      '{{ $value }} index(es) have a primary shard that is not started: searches and writes to those shards fail. `kubectl get qidx` shows which.'),
    rule('QuidditchNodeUnhealthy', 'warning',
      `max(quidditch_nodes{${j},state="UNHEALTHY"}) > 0`, '1m',
      'a data node is UNHEALTHY',
      '{{ $value }} data node(s) missed heartbeats past the operator\'s timeout; their copies are being replaced elsewhere. `kubectl get qnode` shows which.'),
    rule('QuidditchDrainStuck', 'warning',
      // Copies are still on a draining node and none has left it for 30 minutes. A slow drain (large
      // copies recovering) still moves some copy in that time; a stuck one (no room, a node refusing
      // creates) moves none.
      `max by (node) (quidditch_drain_copies_left{${j}}) > 0 unless max by (node) (delta(quidditch_drain_copies_left{${j}}[30m])) < 0`, '15m',
      'a drain has moved no copy for 30 minutes',
      'Data node {{ $labels.node }} is DRAINING with {{ $value }} copies left and none has moved away for 30 minutes. `kubectl get qnode {{ $labels.node }} -o yaml` shows its Drained condition (DrainStalled names why).'),
    rule('QuidditchOperatorRestarting', 'warning',
      `changes(process_start_time_seconds{${j}}[15m]) >= 2`, '0m',
      'an operator replica keeps restarting',
      'Pod {{ $labels.pod }} started {{ $value }} times in 15 minutes (process_start_time_seconds changed): look at its previous logs.'),
  ];
}
