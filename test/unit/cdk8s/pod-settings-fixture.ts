/** Pod settings a platform team sets, on one component (shared by the pod-settings tests). */
import { k8s } from 'cdk8s-plus-28';
import type { PodSettings, ServiceAccountSettings } from '../../../lib/model/props';

export function platformPodSettings(team: string): PodSettings & ServiceAccountSettings {
  return {
    nodeSelector: { 'node-pool': team },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: team, effect: 'NoSchedule' }],
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['arm64'] }] }] } },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { topologyKey: 'rack', labelSelector: { matchLabels: { app: team } } } }] },
    },
    priorityClassName: `${team}-critical`,
    imagePullSecrets: ['registry-credentials'],
    podAnnotations: { 'prometheus.io/scrape': 'true' },
    podLabels: { team },
    serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::123456789012:role/${team}` },
    env: [{ name: 'EXTRA', value: '1' }],
    volumes: [{ name: 'certs', secret: { secretName: `${team}-tls` } }, { name: 'cache', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } }],
    volumeMounts: [{ name: 'certs', mountPath: '/etc/certs', readOnly: true }],
    terminationGracePeriodSeconds: 60,
  };
}
