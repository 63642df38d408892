/**
 * The operator's Grafana dashboard: leader, reconcile rate/latency/errors, queue depth, index and
 * node health, routing request rate, process memory. Plain Grafana JSON (schemaVersion 39) with a
 * Prometheus datasource variable, so it imports into any Grafana that has one.
 */
import { createHash } from 'crypto';
import type { ResolvedCluster } from '../../model/resolved';
import { jobMatcher } from './selector';

export interface DashboardPanel {
  readonly title: string;
  readonly type: 'timeseries' | 'stat';
  readonly unit: string;
  /** PromQL, one per series group. */
  readonly queries: ReadonlyArray<{ readonly expr: string; readonly legend: string }>;
}

export function dashboardPanels(cluster: ResolvedCluster): DashboardPanel[] {
  const j = jobMatcher(cluster);
  return [
    { title: 'Leader', type: 'stat', unit: 'none', queries: [{ expr: `max(leader_is_leader{${j}})`, legend: 'leader held' }] },
    { title: 'Leader by replica', type: 'timeseries', unit: 'none', queries: [{ expr: `leader_is_leader{${j}}`, legend: '{{pod}}' }] },
    { title: 'Reconcile rate', type: 'timeseries', unit: 'ops', queries: [{ expr: `sum by (controller, result) (rate(reconcile_total{${j}}[5m]))`, legend: '{{controller}} {{result}}' }] },
    {
      title: 'Reconcile latency', type: 'timeseries', unit: 's', queries: [
        { expr: `histogram_quantile(0.5, sum by (controller, le) (rate(reconcile_duration_seconds_bucket{${j}}[5m])))`, legend: '{{controller}} p50' },
        { expr: `histogram_quantile(0.99, sum by (controller, le) (rate(reconcile_duration_seconds_bucket{${j}}[5m])))`, legend: '{{controller}} p99' },
      ],
    },
    {
      title: 'Reconcile errors', type: 'timeseries', unit: 'ops', queries: [
        { expr: `sum by (controller) (rate(reconcile_total{${j},result=~"retry|terminal"}[5m]))`, legend: '{{controller}} failed' },
        { expr: `sum by (controller) (rate(reconcile_panics_total{${j}}[5m]))`, legend: '{{controller}} threw' },
      ],
    },
    {
      title: 'Work-queue depth', type: 'timeseries', unit: 'none', queries: [
        { expr: `max by (controller) (workqueue_depth{${j}})`, legend: '{{controller}} backlog' },
        { expr: `sum by (controller) (rate(workqueue_retries_total{${j}}[5m]))`, legend: '{{controller}} retries/s' },
      ],
    },
    { title: 'Indices by health', type: 'timeseries', unit: 'none', queries: [{ expr: `max by (health) (sum by (pod, health) (quidditch_indices{${j}}))`, legend: '{{health}}' }] },
    { title: 'Indices by state', type: 'timeseries', unit: 'none', queries: [{ expr: `max by (state) (sum by (pod, state) (quidditch_indices{${j}}))`, legend: '{{state}}' }] },
    { title: 'Data nodes by state', type: 'timeseries', unit: 'none', queries: [{ expr: `max by (state) (quidditch_nodes{${j}})`, legend: '{{state}}' }] },
    { title: 'Routing requests', type: 'timeseries', unit: 'reqps', queries: [{ expr: `sum by (code) (rate(routing_requests_total{${j}}[5m]))`, legend: '{{code}}' }] },
    { title: 'Operator memory', type: 'timeseries', unit: 'bytes', queries: [{ expr: `process_resident_memory_bytes{${j}}`, legend: '{{pod}}' }] },
    { title: 'Event-loop lag p99', type: 'timeseries', unit: 's', queries: [{ expr: `nodejs_eventloop_lag_p99_seconds{${j}}`, legend: '{{pod}}' }] },
  ];
}

/** A stable uid (Grafana's limit is 40 characters): the same cluster keeps its dashboard URL. */
export function dashboardUid(cluster: ResolvedCluster): string {
  return `quidditch-${createHash('sha256').update(`${cluster.namespace}/${cluster.name}`).digest('hex').slice(0, 16)}`;
}

export function grafanaDashboard(cluster: ResolvedCluster): Record<string, unknown> {
  const ds = { type: 'prometheus', uid: '${datasource}' };
  const panels = dashboardPanels(cluster).map((p, i) => ({
    id: i + 1,
    title: p.title,
    type: p.type,
    datasource: ds,
    // Two panels per row, 8 units high.
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options: {},
    targets: p.queries.map((q, k) => ({ refId: String.fromCharCode(65 + k), datasource: ds, expr: q.expr, legendFormat: q.legend })),
  }));
  return {
    uid: dashboardUid(cluster),
    title: `Quidditch operator (${cluster.namespace}/${cluster.name})`,
    tags: ['quidditch'],
    timezone: 'browser',
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    panels,
  };
}
