/**
 * Optional monitoring of the operator (`monitoring.enabled`): a PodMonitor for every replica's
 * /metrics, a PrometheusRule with the alerts, and a Grafana dashboard ConfigMap. The
 * monitoring.coreos.com objects are plain ApiObjects: their shape is small and stable, and
 * generating classes with `cdk8s import` needs the CRDs from the internet at build time.
 *
 * PodMonitor rather than ServiceMonitor: it selects the operator's pods by their selector labels,
 * so every replica — leader and standbys, whose leader_is_leader the no-leader alert reads — is a
 * target whatever the Service's ports or endpoint readiness, and the Service stays a routing-API
 * Service that scraping does not depend on.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { selectorLabels } from '../../model/labels';
import type { ResolvedCluster, ResolvedMonitoring } from '../../model/resolved';
import { namespacedMeta } from '../pod';
import { operatorAlerts } from './alerts';
import { grafanaDashboard } from './dashboard';

/** The label the Grafana Helm chart's dashboard sidecar looks for by default (sidecar.dashboards.label/labelValue). */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

export interface QuidditchMonitoringProps {
  readonly cluster: ResolvedCluster;
}

export class QuidditchMonitoring extends Construct {
  readonly podMonitor?: ApiObject;
  readonly prometheusRule?: ApiObject;
  readonly dashboard?: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: QuidditchMonitoringProps) {
    super(scope, id);
    const c = props.cluster;
    const m: ResolvedMonitoring | undefined = c.monitoring;
    if (!m) return;
    const base = namespacedMeta(c, 'operator', c.names.operator);
    const metadata = { ...base, labels: { ...m.labels, ...base.labels } };

    if (m.podMonitor) {
      this.podMonitor = new ApiObject(this, 'PodMonitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata,
        spec: {
          selector: { matchLabels: selectorLabels(c.name, 'operator') },
          namespaceSelector: { matchNames: [c.namespace] },
          podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
        },
      });
    }
    if (m.prometheusRule) {
      this.prometheusRule = new ApiObject(this, 'PrometheusRule', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata,
        spec: { groups: [{ name: `quidditch-operator.${c.namespace}.${c.name}`, rules: operatorAlerts(c) }] },
      });
    }
    if (m.dashboard) {
      this.dashboard = new k8s.KubeConfigMap(this, 'Dashboard', {
        metadata: { ...metadata, name: `${c.names.operator}-dashboard`, labels: { ...metadata.labels, ...GRAFANA_DASHBOARD_LABEL } },
        data: { [`${c.namespace}-${c.name}-operator.json`]: JSON.stringify(grafanaDashboard(c), null, 2) },
      });
    }
  }
}
