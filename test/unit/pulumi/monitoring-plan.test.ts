import { planCluster } from '../../../lib/pulumi/cluster-plan';

describe('the Pulumi component with monitoring', () => {
  it('plans the same PodMonitor, PrometheusRule and dashboard ConfigMap as the constructs', () => {
    const objects = planCluster('search', { namespace: 'obs', monitoring: { enabled: true } }).objects;
    const kinds = objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/')).map((o) => o.kind).sort();
    expect(kinds).toEqual(['PodMonitor', 'PrometheusRule']);
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    expect(JSON.stringify(rule.spec)).toContain('job=\\"obs/search-operator\\"');
    expect(objects.some((o) => o.kind === 'ConfigMap' && (o.metadata.labels as Record<string, string>)?.grafana_dashboard === '1')).toBe(true);
  });

  it('plans none by default', () => {
    expect(planCluster('search', {}).objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
  });
});
