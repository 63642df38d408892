/** Pod settings per component: rendered where they belong, merged with the constructs' own, validated. */
import { resolveCluster } from '../../../lib/model/resolve';
import type { QuidditchClusterProps } from '../../../lib/model/props';
import { platformPodSettings } from './pod-settings-fixture';
import { Manifest, one, synthCluster } from './synth';

function messageOf(props: QuidditchClusterProps): string {
  try {
    resolveCluster('search', props);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected resolveCluster to throw');
}

describe('pod settings', () => {
  const objects = synthCluster('search', { operator: platformPodSettings('ops'), dataNodes: platformPodSettings('data') });
  const cases: Array<[string, string, string, string]> = [
    ['operator', 'Deployment', 'search-operator', 'ops'],
    ['data nodes', 'StatefulSet', 'search-data', 'data'],
  ];

  it.each(cases)('renders the %s settings into its pod and ServiceAccount', (_c, kind, name, team) => {
    const template = one(objects, kind, name).spec.template as Manifest;
    const pod = template.spec;
    expect(pod.nodeSelector).toEqual({ 'node-pool': team });
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: team, effect: 'NoSchedule' }]);
    expect(pod.priorityClassName).toBe(`${team}-critical`);
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
    expect(template.metadata.labels).toEqual(expect.objectContaining({ team, 'app.kubernetes.io/instance': 'search' }));
    // The constructs' anti-affinity stays, the user's is added, node affinity is the user's.
    const anti = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(anti.map((t: Manifest) => t.podAffinityTerm.topologyKey)).toEqual(['kubernetes.io/hostname', 'rack']);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key).toBe('arch');
    const container = pod.containers[0];
    expect(container.env).toContainEqual({ name: 'EXTRA', value: '1' });
    expect(container.env[0].name).toBe('POD_NAME');
    expect(container.volumeMounts).toContainEqual({ name: 'certs', mountPath: '/etc/certs', readOnly: true });
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'certs', secret: { secretName: `${team}-tls` } }, { name: 'cache', emptyDir: { sizeLimit: '1Gi' } }]));
    expect(one(objects, 'ServiceAccount', name).metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': `arn:aws:iam::123456789012:role/${team}` });
  });

  it('replaces the zone spread only when topologySpreadConstraints is given', () => {
    const spread = [{ maxSkew: 2, topologyKey: 'rack', whenUnsatisfiable: 'DoNotSchedule' }];
    const custom = synthCluster('search', { mode: 'raft', raft: { topologySpreadConstraints: spread } });
    expect(one(custom, 'StatefulSet', 'search-master').spec.template.spec.topologySpreadConstraints).toEqual(spread);
    expect(one(custom, 'StatefulSet', 'search-data').spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
  });

  it('rejects settings that would break the constructs or the restricted Pod Security Standard, one line each', () => {
    const message = messageOf({
      dataNodes: {
        env: [{ name: 'QUIDDITCH_TIER', value: 'x' }],
        volumes: [{ name: 'host', hostPath: { path: '/var' } }, { name: 'data', emptyDir: {} }],
        volumeMounts: [{ name: 'missing', mountPath: '/tmp' }],
        podLabels: { 'app.kubernetes.io/name': 'x' },
        tolerations: [{ key: 'k', operator: 'Exists', value: 'v', effect: 'Sometimes' }],
        terminationGracePeriodSeconds: -1,
        priorityClassName: 'Not Valid',
      },
      operator: { imagePullSecrets: ['UPPER'], topologySpreadConstraints: [{ maxSkew: 0, topologyKey: '', whenUnsatisfiable: 'Maybe' }] },
    });
    expect(message.split('\n').slice(1)).toEqual([
      '  - dataNodes.tolerations[0].effect = "Sometimes": must be one of NoSchedule, PreferNoSchedule, NoExecute (or unset for every effect)',
      '  - dataNodes.tolerations[0].value = "v": must be unset when operator is Exists',
      '  - dataNodes.priorityClassName = "Not Valid": must be a DNS-1123 subdomain (a PriorityClass name)',
      '  - dataNodes.podLabels["app.kubernetes.io/name"] = "app.kubernetes.io/name": is set by the constructs (selectors depend on it); remove it',
      '  - dataNodes.env[0].name = "QUIDDITCH_TIER": is set by the constructs (the component reads it); choose another name',
      '  - dataNodes.volumes[0] = "hostPath": must have exactly one source of configMap, csi, downwardApi, emptyDir, ephemeral, persistentVolumeClaim, projected, secret: the restricted Pod Security Standard forbids the others (hostPath…)',
      '  - dataNodes.volumes[1].name = "data": is a volume of the constructs (tmp, data); choose another name',
      '  - dataNodes.volumeMounts[0].name = "missing": must name one of dataNodes.volumes (host)',
      '  - dataNodes.volumeMounts[0].mountPath = "/tmp": must be an absolute path other than /tmp and /var/lib/quidditch (the constructs mount those)',
      '  - dataNodes.terminationGracePeriodSeconds = -1: must be a non-negative integer',
      '  - operator.topologySpreadConstraints[0].maxSkew = 0: must be a positive integer',
      '  - operator.topologySpreadConstraints[0].topologyKey = "": must be a node label key, e.g. "topology.kubernetes.io/zone"',
      '  - operator.topologySpreadConstraints[0].whenUnsatisfiable = "Maybe": must be DoNotSchedule or ScheduleAnyway',
      '  - operator.imagePullSecrets[0] = "UPPER": must be a Secret name (a DNS-1123 subdomain)',
    ]);
  });
});
