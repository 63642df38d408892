import { App, Chart, Testing } from 'cdk8s';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuidditchCluster } from '../../../lib/cdk8s/cluster';
import { runbookAnchor } from '../../../lib/cdk8s/monitoring/alerts';
import { exposedMetricNames, parsePromql } from '../../support/promql';

interface Rule { alert: string; expr: string; for: string; annotations: Record<string, string> }
/** The fields of PodMonitor and PrometheusRule specs these tests read. */
interface Spec { groups: Array<{ rules: Rule[] }>; podMetricsEndpoints: unknown; selector: { matchLabels: Record<string, string> } }

function synth(props: ConstructorParameters<typeof QuidditchCluster>[2]) {
  const app: App = Testing.app();
  const chart = new Chart(app, 'c', { namespace: 'search' });
  new QuidditchCluster(chart, 'search', props);
  return Testing.synth(chart) as Array<{ apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: Spec; data?: Record<string, string> }>;
}
const monitoringKinds = (objs: ReturnType<typeof synth>) =>
  objs.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/') || o.metadata.labels?.grafana_dashboard).map((o) => o.kind).sort();

describe('monitoring objects', () => {
  const objs = synth({ monitoring: { enabled: true, labels: { release: 'kube-prometheus-stack' } } });
  const rules: Rule[] = objs.find((o) => o.kind === 'PrometheusRule')!.spec.groups[0].rules;
  const dashboard = JSON.parse(Object.values(objs.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')!.data!)[0]);
  const dashboardExprs: string[] = dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr));

  it('are not rendered unless asked for', () => {
    expect(monitoringKinds(synth({}))).toEqual([]);
  });

  it('render a PodMonitor, a PrometheusRule and a dashboard ConfigMap, carrying the extra labels', () => {
    expect(monitoringKinds(objs)).toEqual(['ConfigMap', 'PodMonitor', 'PrometheusRule']);
    for (const o of objs.filter((x) => ['PodMonitor', 'PrometheusRule'].includes(x.kind))) expect(o.metadata.labels?.release).toBe('kube-prometheus-stack');
    const pm = objs.find((o) => o.kind === 'PodMonitor')!;
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    expect(pm.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('operator');
  });

  it('each part can be left out', () => {
    expect(monitoringKinds(synth({ monitoring: { enabled: true, dashboard: false, podMonitor: false } }))).toEqual(['PrometheusRule']);
  });

  it('has the alerts the system needs, each with a duration, a summary and a runbook', () => {
    expect(rules.map((r) => r.alert)).toEqual([
      'QuidditchOperatorNoLeader', 'QuidditchReconcileErrors', 'QuidditchWorkQueueGrowing', 'QuidditchIndexRed',
      'QuidditchNodeUnhealthy', 'QuidditchDrainStuck', 'QuidditchOperatorRestarting',
    ]);
    expect(rules.find((r) => r.alert === 'QuidditchOperatorNoLeader')!.for).toBe('1m');
    expect(rules.find((r) => r.alert === 'QuidditchIndexRed')!.for).toBe('5m');
    for (const r of rules) {
      expect(r.annotations.summary).toContain('search/search');
      expect(r.annotations.runbook_url).toBe(`https://github.com/quidditch/quidditch-k8s/blob/main/README.md#${runbookAnchor(r.alert)}`);
    }
  });

  it('every alert has a runbook section in README under its anchor', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    // GitHub's slug of "#### Runbook: QuidditchIndexRed" is "runbook-quidditchindexred".
    const anchors = [...readme.matchAll(/^#{2,6} Runbook: (\S+)\s*$/gm)].map((m) => runbookAnchor(m[1]));
    for (const r of rules) expect(anchors).toContain(runbookAnchor(r.alert));
  });

  it('every alert and dashboard query parses as PromQL and filters on this cluster\'s operator job', () => {
    for (const expr of [...rules.map((r) => r.expr), ...dashboardExprs]) {
      expect({ expr, errors: parsePromql(expr).errors }).toEqual({ expr, errors: [] });
      expect(expr).toContain('job="search/search-operator"');
    }
  });

  it('the PromQL check catches a broken query (so the check above can fail)', () => {
    expect(parsePromql('sum by (controller) (rate(reconcile_total[5m]) /').errors).not.toEqual([]);
    expect(parsePromql('max(quidditch_nodes{state="UNHEALTHY"}) > 0').metricNames).toEqual(['quidditch_nodes']);
  });

  it('the dashboard has the panels operators look for', () => {
    const titles = dashboard.panels.map((p: { title: string }) => p.title);
    for (const t of ['Leader', 'Reconcile rate', 'Reconcile latency', 'Reconcile errors', 'Work-queue depth', 'Indices by health', 'Data nodes by state', 'Routing requests']) expect(titles).toContain(t);
    expect(dashboard.uid.length).toBeLessThanOrEqual(40);
  });

  it('is refused in raft mode, naming the prop', () => {
    expect(() => synth({ mode: 'raft', monitoring: { enabled: true } })).toThrow(/monitoring\.enabled.*needs mode k8s/s);
  });

  it('rejects a bad label and a runbook URL with a fragment', () => {
    expect(() => synth({ monitoring: { enabled: true, labels: { 'bad key!': 'x' }, runbookBaseUrl: 'https://x/y#z' } }))
      .toThrow(/monitoring\.labels\["bad key!"\][\s\S]*monitoring\.runbookBaseUrl/);
  });
});

describe('exposedMetricNames', () => {
  it('reads series names and declared families, with the series names of histograms', () => {
    const text = [
      '# HELP reconcile_total Reconciles.', '# TYPE reconcile_total counter',
      '# TYPE reconcile_duration_seconds histogram', 'reconcile_duration_seconds_bucket{le="0.1",controller="index"} 3',
      'leader_is_leader 1', '',
    ].join('\n');
    const names = exposedMetricNames(text);
    expect(names.has('reconcile_total')).toBe(true); // declared, no series yet
    expect(names.has('reconcile_duration_seconds_count')).toBe(true);
    expect(names.has('leader_is_leader')).toBe(true);
    expect(names.has('quidditch_nodes')).toBe(false);
  });
});
