/** The admission policy and NetworkPolicies as synthesized: what they select, allow and refuse. */
import { resolveCluster } from '../../../lib/model/resolve';
import { Manifest, ofKind, one, synthCluster } from './synth';

const LABELS = (component: string) => ({ 'app.kubernetes.io/name': 'quidditch', 'app.kubernetes.io/instance': 'search', 'app.kubernetes.io/component': component });
const port = (p: number, protocol = 'TCP') => ({ port: p, protocol });

describe('the node admission policy (k8s mode)', () => {
  const objects = synthCluster('search', { namespace: 'ns1' });
  const policy = one(objects, 'ValidatingAdmissionPolicy', 'ns1.search-data');

  it('applies to QuidditchNode writes (spec and status) by the data nodes\' ServiceAccount only', () => {
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: ['quidditch.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['quidditchnodes', 'quidditchnodes/status'] },
    ]);
    expect(policy.spec.matchConditions).toEqual([{ name: 'data-node-service-account', expression: "request.userInfo.username == 'system:serviceaccount:ns1:search-data'" }]);
  });

  it('binds the node to the pod its token names, and its address to that pod\'s own DNS name', () => {
    expect(policy.spec.variables).toContainEqual({ name: 'ownAddressPrefix', expression: "variables.podName + '.search-data-headless.ns1.svc:'" });
    const expressions = policy.spec.validations.map((v: Manifest) => v.expression);
    expect(expressions).toContain("variables.podName == '' || request.name == variables.podName");
    expect(policy.spec.validations.every((v: Manifest) => v.reason === 'Forbidden' && /rule [a-z-]+:/.test(v.message ?? v.messageExpression))).toBe(true);
  });

  it('is bound with Deny to every namespace (the match condition names the ServiceAccount)', () => {
    expect(one(objects, 'ValidatingAdmissionPolicyBinding', 'ns1.search-data').spec).toEqual({ policyName: 'ns1.search-data', validationActions: ['Deny'] });
  });

  it('precedes the data nodes in the output, so it is in force before any node starts', () => {
    const at = (kind: string) => objects.findIndex((o) => o.kind === kind);
    expect(at('ValidatingAdmissionPolicyBinding')).toBeLessThan(at('StatefulSet'));
  });

  it('is left out in raft mode and with nodeAdmissionPolicy: false (Kubernetes before 1.30)', () => {
    expect(ofKind(synthCluster('search', { mode: 'raft' }), 'ValidatingAdmissionPolicy')).toEqual([]);
    expect(ofKind(synthCluster('search', { security: { nodeAdmissionPolicy: false } }), 'ValidatingAdmissionPolicy')).toEqual([]);
  });
});

describe('NetworkPolicies in k8s mode, by default', () => {
  const objects = synthCluster('search', { namespace: 'ns1' });
  const data = one(objects, 'NetworkPolicy', 'search-data');
  const operator = one(objects, 'NetworkPolicy', 'search-operator');

  it('let only the operator and the other data nodes reach a data node\'s 9303', () => {
    expect(data.spec.podSelector).toEqual({ matchLabels: LABELS('data') });
    expect(data.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: LABELS('operator') } }, { podSelector: { matchLabels: LABELS('data') } }], ports: [port(9303)] }]);
  });

  it('limit the data nodes\' egress to the API server, the operator\'s 8080, the masters\' 9200 (a migration), the other data nodes\' 9303 and DNS', () => {
    expect(data.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(data.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [port(443), port(6443)] },
      { to: [{ podSelector: { matchLabels: LABELS('operator') } }], ports: [port(8080)] },
      { to: [{ podSelector: { matchLabels: LABELS('master') } }], ports: [port(9200)] },
      { to: [{ podSelector: { matchLabels: LABELS('data') } }], ports: [port(9303)] },
      { ports: [port(53, 'UDP'), port(53, 'TCP')] },
    ]);
  });

  it('let the data nodes and labelled routing clients reach 8080, and the monitoring namespace 9090', () => {
    expect(operator.spec.podSelector).toEqual({ matchLabels: LABELS('operator') });
    expect(operator.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: LABELS('data') } }, { podSelector: { matchLabels: { 'quidditch.io/routing-client': 'true' } } }], ports: [port(8080)] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [port(9090)] },
    ]);
  });

  it('limit the operator\'s egress to the API server, the data nodes\' 9303 and DNS', () => {
    expect(operator.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(operator.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [port(443), port(6443)] },
      { to: [{ podSelector: { matchLabels: LABELS('data') } }], ports: [port(9303)] },
      { ports: [port(53, 'UDP'), port(53, 'TCP')] },
    ]);
  });
});

describe('NetworkPolicies in raft mode', () => {
  const objects = synthCluster('search', { mode: 'raft', namespace: 'ns1' });

  it('let the masters reach data nodes, masters reach each other\'s Raft port, and clients the masters\' HTTP', () => {
    expect(one(objects, 'NetworkPolicy', 'search-data').spec.ingress[0].from[0]).toEqual({ podSelector: { matchLabels: LABELS('master') } });
    const masters = one(objects, 'NetworkPolicy', 'search-master').spec;
    expect(masters.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: LABELS('master') } }], ports: [port(9300)] },
      { from: [{ podSelector: { matchLabels: LABELS('master') } }, { podSelector: { matchLabels: LABELS('data') } }, { podSelector: { matchLabels: { 'quidditch.io/routing-client': 'true' } } }], ports: [port(9200)] },
    ]);
    expect(masters.egress).toEqual([
      { to: [{ podSelector: { matchLabels: LABELS('master') } }], ports: [port(9300), port(9200)] },
      { to: [{ podSelector: { matchLabels: LABELS('data') } }], ports: [port(9303)] },
      { ports: [port(53, 'UDP'), port(53, 'TCP')] },
    ]);
    // Data nodes join the masters over 9200; no API server.
    expect(one(objects, 'NetworkPolicy', 'search-data').spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: LABELS('master') } }], ports: [port(9200)] },
      { to: [{ podSelector: { matchLabels: LABELS('data') } }], ports: [port(9303)] },
      { ports: [port(53, 'UDP'), port(53, 'TCP')] },
    ]);
  });
});

describe('NetworkPolicy props', () => {
  it('turn off entirely with enabled: false', () => {
    expect(ofKind(synthCluster('search', { security: { networkPolicies: { enabled: false } } }), 'NetworkPolicy')).toEqual([]);
  });

  it('take the user\'s peers, API server addresses and no egress rules when asked', () => {
    const objects = synthCluster('search', {
      security: {
        networkPolicies: {
          routingClients: { namespaceLabels: {}, podLabels: { role: 'coordinator' } },
          metricsScrapers: { namespaceLabels: { team: 'obs' }, podLabels: { app: 'prometheus' } },
          apiServer: { cidrs: ['10.0.0.1/32'], ports: [6443] },
        },
      },
    });
    const op = one(objects, 'NetworkPolicy', 'search-operator').spec;
    expect(op.ingress[0].from[1]).toEqual({ namespaceSelector: { matchLabels: {} }, podSelector: { matchLabels: { role: 'coordinator' } } });
    expect(op.ingress[1].from).toEqual([{ namespaceSelector: { matchLabels: { team: 'obs' } }, podSelector: { matchLabels: { app: 'prometheus' } } }]);
    expect(op.egress[0]).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [port(6443)] });
    expect(one(objects, 'NetworkPolicy', 'search-data').spec.egress[0]).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [port(6443)] });
    const unrestricted = synthCluster('search', { security: { networkPolicies: { restrictEgress: false } } });
    for (const name of ['search-operator', 'search-data']) {
      const open = one(unrestricted, 'NetworkPolicy', name).spec;
      expect([open.policyTypes, open.egress]).toEqual([['Ingress'], undefined]);
    }
  });

  it('are validated, naming the prop and the rule', () => {
    expect(() => resolveCluster('search', {
      security: { networkPolicies: { routingClients: { podLabels: { 'bad key!': 'x' } }, apiServer: { cidrs: ['10.0.0.1', 'fd00::/64'], ports: [0] } } },
    })).toThrow([
      'Unable to synthesize QuidditchCluster search: 3 invalid props. Fix:',
      '  - security.networkPolicies.routingClients.podLabels["bad key!"] = "bad key!": the key must be a label key ([prefix/]name, name at most 63 alphanumerics, \'-\', \'_\' or \'.\')',
      '  - security.networkPolicies.apiServer.cidrs[0] = "10.0.0.1": must be an IPv4 or IPv6 CIDR (e.g. "10.0.0.0/16" or "fd00::/64")',
      '  - security.networkPolicies.apiServer.ports[0] = 0: must be a TCP port from 1 to 65535',
    ].join('\n'));
    expect(() => resolveCluster('search', { security: { networkPolicies: { apiServer: { cidrs: [] } } } })).toThrow(/apiServer\.cidrs = \[\]: must name at least one address range/);
  });
});
