import { OPERATOR_FLAGS } from '../../../lib/operator/flags';
import { kinds, ofKind, one, synthCluster } from './synth';

describe('QuidditchCluster in k8s mode', () => {
  const objects = synthCluster('search', { mode: 'k8s', namespace: 'quidditch' });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('emits the CRDs, the operator with its RBAC, and the data nodes — and no masters', () => {
    expect(kinds(objects)).toEqual([
      'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget',
      'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'StatefulSet', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
    ]);
    expect(ofKind(objects, 'CustomResourceDefinition').map((o) => o.metadata.name).sort()).toEqual([
      'quidditchindices.quidditch.io', 'quidditchnodes.quidditch.io', 'shardallocations.quidditch.io',
    ]);
    expect(ofKind(objects, 'StatefulSet').map((o) => o.metadata.name)).toEqual(['search-data']);
    expect(objects.some((o) => o.metadata.name.includes('master'))).toBe(false);
  });

  it('puts the CRDs before everything that uses them', () => {
    const firstNonCrd = objects.findIndex((o) => o.kind !== 'CustomResourceDefinition');
    expect(objects.slice(0, firstNonCrd).every((o) => o.kind === 'CustomResourceDefinition')).toBe(true);
    expect(firstNonCrd).toBe(3);
  });

  it('gives the operator exactly the lease verbs leader election needs', () => {
    const rules = one(objects, 'Role', 'search-operator').rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    const lease = rules.filter((r) => r.apiGroups.includes('coordination.k8s.io'));
    expect(lease).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update'] }]);
    const verbsOn = (group: string, resource: string) =>
      rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs).sort();
    expect(verbsOn('quidditch.io', 'quidditchindices/status')).toEqual(['get', 'patch', 'update']);
    expect(verbsOn('quidditch.io', 'quidditchindices/finalizers')).toEqual(['update']);
    // The recorder only creates core/v1 Events; the operator reads no pods or endpoints.
    expect(verbsOn('', 'events')).toEqual(['create']);
    expect(verbsOn('events.k8s.io', 'events')).toEqual([]);
    expect(verbsOn('', 'pods')).toEqual([]);
    expect(verbsOn('', 'endpoints')).toEqual([]);
    // The operator-managed CA: read and renew exactly its three Secrets by name; create (which RBAC
    // cannot limit by name) only creates, it never reads another Secret.
    const secrets = rules.filter((r) => r.resources.includes('secrets'));
    expect(secrets).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['search-ca', 'search-data-tls', 'search-routing-client-tls'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
  });

  it('limits the cluster-scoped role to reading a node by name (for its zone label)', () => {
    const [clusterRole] = ofKind(objects, 'ClusterRole');
    expect(clusterRole.rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]);
    const binding = one(objects, 'ClusterRoleBinding', clusterRole.metadata.name);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'search-operator', namespace: 'quidditch' }]);
  });

  it('lets a data node touch only its QuidditchNode and that node\'s status', () => {
    expect(one(objects, 'Role', 'search-data').rules).toEqual([
      { apiGroups: ['quidditch.io'], resources: ['quidditchnodes'], verbs: ['get', 'create', 'update', 'patch'] },
      { apiGroups: ['quidditch.io'], resources: ['quidditchnodes/status'], verbs: ['get', 'update', 'patch'] },
    ]);
    expect(one(objects, 'RoleBinding', 'search-data').subjects).toEqual([{ kind: 'ServiceAccount', name: 'search-data', namespace: 'quidditch' }]);
  });

  it('runs two operator replicas with probes, ports, downward-API env and a PDB', () => {
    const deployment = one(objects, 'Deployment', 'search-operator');
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('search-operator');
    expect(pod.automountServiceAccountToken).toBe(true);
    const [container] = pod.containers;
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    // HTTPS: the routing API shares the port; the kubelet neither verifies nor presents a certificate.
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTPS' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http', scheme: 'HTTPS' });
    expect(container.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    ]);
    expect(container.resources.requests).toEqual({ cpu: '1', memory: '1Gi' });
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(one(objects, 'PodDisruptionBudget', 'search-operator').spec.minAvailable).toBe(1);
    expect(one(objects, 'Service', 'search-operator').spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([['http', 8080], ['metrics', 9090]]);
  });

  it('passes only flags the operator defines, with the leader-election timings and its own lease', () => {
    const args: string[] = one(objects, 'Deployment', 'search-operator').spec.template.spec.containers[0].args;
    const known = new Set<string>(Object.values(OPERATOR_FLAGS).map((f) => f.name));
    for (const arg of args) {
      const match = /^--([a-z-]+)=(.+)$/.exec(arg);
      expect(match).not.toBeNull();
      expect(known.has(match![1])).toBe(true);
    }
    expect(args).toEqual(expect.arrayContaining([
      '--namespace=quidditch', '--lease-name=search-operator', '--lease-duration=15', '--renew-deadline=10', '--retry-period=2', '--heartbeat-timeout=60',
    ]));
  });

  it('tells data nodes the k8s control plane, the operator address and their own advertise address', () => {
    const env = one(objects, 'StatefulSet', 'search-data').spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
    const value = (name: string) => env.find((e) => e.name === name)?.value;
    expect(value('QUIDDITCH_CONTROL_PLANE_MODE')).toBe('k8s');
    expect(value('QUIDDITCH_OPERATOR_ADDRESS')).toBe('search-operator.quidditch.svc:8080');
    expect(value('QUIDDITCH_MASTER_ENDPOINTS')).toBeUndefined();
    expect(value('QUIDDITCH_ADVERTISE_ADDRESS')).toBe('$(POD_NAME).search-data-headless.quidditch.svc:9303');
    expect(value('QUIDDITCH_DATA_DIR')).toBe('/var/lib/quidditch');
    // $(POD_NAME) only expands when POD_NAME is defined earlier in the list.
    expect(env.findIndex((e) => e.name === 'POD_NAME')).toBeLessThan(env.findIndex((e) => e.name === 'QUIDDITCH_ADVERTISE_ADDRESS'));
  });
});
