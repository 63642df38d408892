/**
 * The constructs configure processes other modules define: the operator (OPERATOR_FLAGS, parsed by
 * parseOperatorConfig) and the data node (DATANODE_ENV, parsed by the reference sim). Feed what the
 * manifests set into those parsers, as the kubelet would, so the two sides cannot drift.
 */
import { operatorArgs } from '../../../lib/cdk8s/operator';
import { parseSimConfig } from '../../../lib/datanode-sim/config';
import { resolveCluster } from '../../../lib/model/resolve';
import { parseOperatorConfig } from '../../../lib/operator/config';
import { Manifest, one, synthCluster } from './synth';

/** The container env as the kubelet resolves it: downward-API fields, then $(VAR) references to earlier vars. */
function kubeletEnv(env: Manifest[], pod: { name: string; namespace: string; nodeName: string }): Record<string, string> {
  const out: Record<string, string> = {};
  const fields: Record<string, string> = { 'metadata.name': pod.name, 'metadata.namespace': pod.namespace, 'spec.nodeName': pod.nodeName };
  for (const e of env) {
    if (e.valueFrom) {
      const path = e.valueFrom.fieldRef.fieldPath as string;
      if (!(path in fields)) throw new Error(`the test kubelet does not know field ${path}`);
      out[e.name] = fields[path];
    } else {
      out[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, v: string) => out[v] ?? ref);
    }
  }
  return out;
}

describe('what the constructs pass to the processes they run', () => {
  it('is a valid operator configuration carrying the resolved settings', () => {
    const cluster = resolveCluster('search', {
      namespace: 'quidditch',
      operator: { leaderElection: { leaseDurationSeconds: 30, renewDeadlineSeconds: 20, retryPeriodSeconds: 4 }, heartbeatTimeoutSeconds: 90, logLevel: 'debug' },
    });
    const outcome = parseOperatorConfig({ argv: operatorArgs(cluster), env: {} });
    expect(outcome.kind).toBe('run');
    expect(outcome.kind === 'run' && outcome.config).toEqual(expect.objectContaining({
      namespace: 'quidditch', leaseName: 'search-operator', leaderElect: true,
      leaseDuration: 30, renewDeadline: 20, retryPeriod: 4, heartbeatTimeout: 90, httpPort: 8080, metricsPort: 9090, logLevel: 'debug',
    }));
  });

  it('is the args the Deployment actually runs', () => {
    const cluster = resolveCluster('search', { namespace: 'quidditch' });
    const deployment = one(synthCluster('search', { namespace: 'quidditch' }), 'Deployment', 'search-operator');
    expect(deployment.spec.template.spec.containers[0].args).toEqual(operatorArgs(cluster));
  });

  it('is a valid data-node configuration that advertises the pod\'s stable DNS name', () => {
    const sts = one(synthCluster('search', { namespace: 'quidditch', dataNodes: { tier: 'warm', maxShards: 50 } }), 'StatefulSet', 'search-data');
    const env = kubeletEnv(sts.spec.template.spec.containers[0].env, { name: 'search-data-1', namespace: 'quidditch', nodeName: 'worker-7.zone-b' });
    const config = parseSimConfig([], env);
    expect(config).toEqual(expect.objectContaining({
      name: 'search-data-1', namespace: 'quidditch', port: 9303, tier: 'warm', maxShards: 50, heartbeatSeconds: 15, mode: 'k8s',
      advertise: 'search-data-1.search-data-headless.quidditch.svc:9303',
      // The pod's Kubernetes node, for the operator to read its zone from; no explicit zone overrides it.
      kubernetesNode: 'worker-7.zone-b', zone: undefined,
    }));
    expect(env.QUIDDITCH_ADVERTISE_ADDRESS).toBe('search-data-1.search-data-headless.quidditch.svc:9303');
  });
});
