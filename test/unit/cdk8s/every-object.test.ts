/** Properties every synthesized object or pod must have, in both modes — independent of the snapshots. */
import type { RaftProps } from '../../../lib/model/props';
import { platformPodSettings } from './pod-settings-fixture';
import { CLUSTER_SCOPED_KINDS, Manifest, one, podTemplates, synthCluster } from './synth';

/** Raft masters have no ServiceAccount settings. */
function withoutServiceAccount(s: ReturnType<typeof platformPodSettings>): RaftProps {
  const { serviceAccountAnnotations: _ignored, ...rest } = s;
  return rest;
}

const modes: Array<[string, Manifest[]]> = [
  ['k8s', synthCluster('search', { mode: 'k8s', namespace: 'quidditch', labels: { team: 'search' } })],
  ['raft', synthCluster('search', { mode: 'raft', namespace: 'quidditch', labels: { team: 'search' } })],
  // Both control planes, the read-only policy and the export Job at once.
  ['the export migration step of', synthCluster('search', { mode: 'k8s', migration: 'export', namespace: 'quidditch', labels: { team: 'search' } })],
  ['k8s with the index finalizer policy', synthCluster('search', { mode: 'k8s', namespace: 'quidditch', labels: { team: 'search' }, operator: { finalizerAdmissionPolicy: 'v1' } })],
  ['k8s with pod settings', synthCluster('search', {
    mode: 'k8s', namespace: 'quidditch', labels: { team: 'search' }, operator: platformPodSettings('ops'), dataNodes: platformPodSettings('data'),
  })],
  ['raft with pod settings', synthCluster('search', {
    mode: 'raft', namespace: 'quidditch', labels: { team: 'search' }, raft: withoutServiceAccount(platformPodSettings('masters')), dataNodes: platformPodSettings('data'),
  })],
];

describe.each(modes)('every object in %s mode', (_mode, objects) => {
  it('carries the recommended labels and the user\'s labels', () => {
    for (const o of objects) {
      expect({ object: `${o.kind}/${o.metadata.name}`, labels: o.metadata.labels }).toEqual({
        object: `${o.kind}/${o.metadata.name}`,
        labels: expect.objectContaining({
          'app.kubernetes.io/name': 'quidditch',
          'app.kubernetes.io/instance': 'search',
          'app.kubernetes.io/component': expect.any(String),
          'app.kubernetes.io/part-of': 'quidditch',
          'app.kubernetes.io/managed-by': 'quidditch-k8s',
          'app.kubernetes.io/version': expect.stringMatching(/^\d+\.\d+\.\d+/),
          team: 'search',
        }),
      });
    }
  });

  it('is in the cluster namespace, unless it is cluster-scoped', () => {
    for (const o of objects) {
      const expected = CLUSTER_SCOPED_KINDS.includes(o.kind) ? undefined : 'quidditch';
      expect([`${o.kind}/${o.metadata.name}`, o.metadata.namespace]).toEqual([`${o.kind}/${o.metadata.name}`, expected]);
    }
  });

  it('has a stable name derived from the cluster name, with no hash suffix', () => {
    for (const o of objects.filter((x) => x.kind !== 'CustomResourceDefinition')) {
      expect(o.metadata.name).toMatch(/^(quidditch\.)?search-(operator|data|data-headless|master|master-headless|state-export|read-only|index-finalizer)$/);
    }
  });

  it('has no wildcard in any RBAC rule', () => {
    const rules = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((o) => o.rules as Manifest[]);
    for (const rule of rules) {
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs']) {
        expect(rule[field] ?? []).not.toContain('*');
      }
    }
  });

  it('runs every pod under the restricted Pod Security Standard', () => {
    const templates = podTemplates(objects);
    expect(templates.length).toBeGreaterThanOrEqual(2);
    for (const { owner, template } of templates) {
      const pod = template.spec;
      expect([owner, pod.securityContext]).toEqual([owner, expect.objectContaining({
        runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' },
      })]);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect([owner, c.securityContext]).toEqual([owner, expect.objectContaining({
          allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
        })]);
        expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      }
      expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: expect.any(Object) });
      expect(pod.hostNetwork ?? false).toBe(false);
      expect(pod.hostPID ?? false).toBe(false);
    }
  });

  it('gives every StatefulSet a data volumeClaimTemplate and a headless governing Service', () => {
    const sets = objects.filter((o) => o.kind === 'StatefulSet');
    for (const sts of sets) {
      expect(sts.spec.volumeClaimTemplates.map((v: Manifest) => v.metadata.name)).toEqual(['data']);
      expect(sts.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);
      const svc = one(objects, 'Service', sts.spec.serviceName);
      expect(svc.spec.clusterIP).toBe('None');
      expect(svc.spec.publishNotReadyAddresses).toBe(true);
      expect(svc.spec.selector).toEqual(sts.spec.selector.matchLabels);
      expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/quidditch' });
    }
  });

  it('selects pods by labels their template carries', () => {
    for (const o of objects.filter((x) => ['Deployment', 'StatefulSet', 'PodDisruptionBudget', 'Service'].includes(x.kind))) {
      const selector: Record<string, string> = o.spec.selector.matchLabels ?? o.spec.selector;
      const matched = podTemplates(objects).filter(({ template }) => Object.entries(selector).every(([k, v]) => template.metadata.labels[k] === v));
      expect([`${o.kind}/${o.metadata.name}`, matched.length]).toEqual([`${o.kind}/${o.metadata.name}`, 1]);
    }
  });

  it('declares the data-node headless Service with gRPC on 9303 and a PDB of one', () => {
    const svc = one(objects, 'Service', 'search-data-headless');
    expect(svc.spec.ports).toEqual([{ name: 'grpc', port: 9303, targetPort: 'grpc', protocol: 'TCP' }]);
    expect(one(objects, 'PodDisruptionBudget', 'search-data').spec.maxUnavailable).toBe(1);
    const data = one(objects, 'StatefulSet', 'search-data');
    expect(data.spec.podManagementPolicy).toBe('Parallel');
    expect(data.spec.template.metadata.labels['quidditch.io/tier']).toBe('hot');
    expect(data.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
  });
});
