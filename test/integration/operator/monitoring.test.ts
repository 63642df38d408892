/**
 * The monitoring objects on a real API server with the prometheus-operator CRDs installed (fetched
 * offline from the Go module proxy by scripts/fetch-prometheus-operator-crds.sh), and their
 * queries checked against what a running operator really exports on /metrics.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import { loadCrdManifests, TEST_FIELD_MANAGER, waitForCrdEstablished } from '../../support/crds';
import { createTestNamespace, testKubeConfig, waitFor } from '../../support/kube';
import { exposedMetricNames, parsePromql } from '../../support/promql';
import { describeObject, ManifestObject, ServerSideApplier } from '../../support/server-side-apply';
import { Cluster } from './fixtures';
import { OperatorProcess, SimProcess, stopAll } from './harness';

const ROOT = resolve(__dirname, '..', '..', '..');
const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' };
const kc = testKubeConfig();
const applier = new ServerSideApplier(kc, { fieldManager: TEST_FIELD_MANAGER, force: true });

interface PromRuleSpec { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }

let namespace: string;
let monitoring: ManifestObject[];

beforeAll(async () => {
  const crdDir = execFileSync(join(ROOT, 'scripts', 'fetch-prometheus-operator-crds.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const crds = loadCrdManifests(crdDir);
  expect(crds.map((c) => c.metadata.name).sort()).toEqual(['podmonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com', 'servicemonitors.monitoring.coreos.com']);
  for (const a of await applier.applyAll(crds)) await waitForCrdEstablished(kc, a.object.metadata.name, 60_000);
  namespace = await createTestNamespace('monitoring', RESTRICTED);
  monitoring = (synthesizeClusterManifests({ name: 'search', namespace, monitoring: { enabled: true } }) as ManifestObject[])
    .filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/') || (o.metadata.labels as Record<string, string> | undefined)?.grafana_dashboard === '1');
}, 180_000);

afterAll(async () => {
  await stopAll();
});

const rules = () => (monitoring.find((o) => o.kind === 'PrometheusRule')!.spec as PromRuleSpec).groups.flatMap((g) => g.rules);
const dashboardExprs = () => {
  const cm = monitoring.find((o) => o.kind === 'ConfigMap')!;
  const dashboard = JSON.parse(Object.values(cm.data as Record<string, string>)[0]) as { panels: Array<{ targets: Array<{ expr: string }> }> };
  return dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
};

describe('monitoring objects', () => {
  it('apply to the API server with the prometheus-operator CRDs, with zero warnings, and re-apply as a no-op', async () => {
    expect(monitoring.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'PodMonitor', 'PrometheusRule']);
    const first = await applier.applyAll(monitoring);
    expect(Object.fromEntries(first.map((a) => [describeObject(a.object), a.warnings]))).toEqual(
      Object.fromEntries(first.map((a) => [describeObject(a.object), []])),
    );
    const second = await applier.applyAll(monitoring);
    expect(second.map((a) => a.object.metadata.resourceVersion)).toEqual(first.map((a) => a.object.metadata.resourceVersion));
  });

  it('the API server validates them: a PodMonitor with a malformed scrape interval is rejected', async () => {
    const pm = monitoring.find((o) => o.kind === 'PodMonitor')!;
    const broken = { ...pm, metadata: { ...pm.metadata, name: 'broken' }, spec: { ...(pm.spec as object), podMetricsEndpoints: [{ interval: 'often' }] } };
    await expect(applier.apply(broken)).rejects.toThrow(/HTTP 422/);
  });

  it('alerts and dashboard use only metrics a running operator exports, and all of them parse', async () => {
    const cluster = new Cluster(namespace);
    await SimProcess.start({ name: 'data-0', namespace });
    const operator = await OperatorProcess.start({ namespace, args: ['--heartbeat-timeout=4'] });
    await cluster.createIndex('logs', 1, 0);
    await cluster.waitForActive('logs');
    expect((await operator.get(`/v1/namespaces/${namespace}/indices/logs/routing`)).status).toBe(200);

    // The new gauges count the operator's caches: one ACTIVE/green index, one HEALTHY node.
    const text = await waitFor(async () => {
      const t = await operator.metrics();
      return /^quidditch_indices\{state="ACTIVE",health="green"\} 1$/m.test(t) ? t : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500, description: 'quidditch_indices to count the ACTIVE/green index' });
    expect(text).toMatch(/^quidditch_nodes\{state="HEALTHY"\} 1$/m);
    expect(text).toMatch(/^quidditch_indices\{state="CREATING",health="red"\} 0$/m);

    const exported = exposedMetricNames(text);
    const used = new Map<string, string[]>();
    for (const [where, expr] of [...rules().map((r) => [`alert ${r.alert}`, r.expr]), ...dashboardExprs().map((e) => ['dashboard', e])]) {
      const parsed = parsePromql(expr);
      expect({ expr, errors: parsed.errors }).toEqual({ expr, errors: [] });
      for (const name of parsed.metricNames) used.set(name, [...(used.get(name) ?? []), where]);
    }
    expect(used.size).toBeGreaterThan(5);
    const missing = [...used].filter(([name]) => !exported.has(name)).map(([name, where]) => `${name} (${where.join(', ')})`);
    expect(missing).toEqual([]);
  });
});
