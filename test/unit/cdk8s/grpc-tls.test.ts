import { TLS_COMMON_NAMES } from '../../../lib/cdk8s/grpc-tls';
import { resolveCluster } from '../../../lib/model/resolve';
import { TLS_ROLES } from '../../../lib/operator/tls/pki';
import { Manifest, ofKind, one, synthCluster } from './synth';

const base = { mode: 'k8s', namespace: 'quidditch' } as const;
const operatorContainer = (objects: Manifest[]) => one(objects, 'Deployment', 'search-operator').spec.template.spec.containers[0];
const dataPod = (objects: Manifest[]) => one(objects, 'StatefulSet', 'search-data').spec.template.spec;
const secretRules = (objects: Manifest[]) =>
  (one(objects, 'Role', 'search-operator').rules as Manifest[]).filter((r) => r.resources.includes('secrets'));

describe('gRPC TLS in the manifests', () => {
  it('names the roles exactly as the operator checks them', () => {
    expect(TLS_COMMON_NAMES).toEqual(TLS_ROLES);
  });

  it('by default has the operator manage the CA and mount its data-node Secret into every data node', () => {
    const objects = synthCluster('search', base);
    expect(operatorContainer(objects).args).toEqual(expect.arrayContaining([
      '--tls-ca-secret=search-ca',
      '--tls-data-node-secret=search-data-tls',
      '--tls-data-node-dns-names=*.search-data-headless.quidditch.svc,*.search-data-headless.quidditch.svc.cluster.local,search-data-headless.quidditch.svc',
      // The operator's certificate also serves the routing API behind its Service; coordinating nodes mount the client Secret.
      '--tls-operator-dns-names=search-operator.quidditch.svc,search-operator.quidditch.svc.cluster.local',
      '--tls-routing-client-secret=search-routing-client-tls',
    ]));
    expect(operatorContainer(objects).args.join(' ')).not.toContain('plaintext');
    expect(dataPod(objects).volumes).toContainEqual({ name: 'grpc-tls', secret: { secretName: 'search-data-tls', defaultMode: 0o440 } });
    expect(dataPod(objects).containers[0].env).toContainEqual({ name: 'QUIDDITCH_TLS_DIR', value: '/etc/quidditch/tls' });
    expect(ofKind(objects, 'Certificate')).toEqual([]);
  });

  it('with cert-manager and an issuerRef emits the three Certificates and mounts the operator\'s', () => {
    const objects = synthCluster('search', { ...base, security: { certManager: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } }, certificateValiditySeconds: 86400 } });
    const certs = ofKind(objects, 'Certificate');
    expect(certs.map((c) => [c.metadata.name, c.spec.commonName, c.spec.secretName])).toEqual([
      ['search-operator-tls', 'quidditch-operator', 'search-operator-tls'],
      ['search-data-tls', 'quidditch-data-node', 'search-data-tls'],
      ['search-routing-client-tls', 'quidditch-routing-client', 'search-routing-client-tls'],
    ]);
    for (const c of certs) {
      expect(c.spec).toMatchObject({ issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, duration: '86400s', renewBefore: '28800s' });
    }
    expect(certs[1].spec.dnsNames).toContain('*.search-data-headless.quidditch.svc');
    // The operator's certificate serves the routing API: the names clients dial through its Service.
    expect(certs[0].spec.dnsNames).toEqual(['search-operator.quidditch.svc', 'search-operator.quidditch.svc.cluster.local']);
    expect(certs[2].spec.dnsNames).toBeUndefined();
    expect(ofKind(objects, 'Issuer')).toEqual([]);
    expect(operatorContainer(objects).args).toContain('--tls-cert-dir=/etc/quidditch/tls');
    expect(operatorContainer(objects).volumeMounts).toContainEqual({ name: 'grpc-tls', mountPath: '/etc/quidditch/tls', readOnly: true });
    expect(one(objects, 'Deployment', 'search-operator').spec.template.spec.volumes).toContainEqual({ name: 'grpc-tls', secret: { secretName: 'search-operator-tls', defaultMode: 0o440 } });
    // cert-manager writes the Secrets: the operator needs no access to any.
    expect(secretRules(objects)).toEqual([]);
  });

  it('with cert-manager and no issuerRef bootstraps a CA Issuer from a self-signed one', () => {
    const objects = synthCluster('search', { ...base, security: { certManager: {} } });
    expect(ofKind(objects, 'Issuer').map((i) => [i.metadata.name, Object.keys(i.spec)[0]])).toEqual([
      ['search-ca-bootstrap', 'selfSigned'],
      ['search-ca', 'ca'],
    ]);
    expect(one(objects, 'Certificate', 'search-ca').spec).toMatchObject({ isCA: true, secretName: 'search-ca', issuerRef: { name: 'search-ca-bootstrap' } });
    expect(one(objects, 'Certificate', 'search-data-tls').spec.issuerRef).toEqual({ name: 'search-ca', kind: 'Issuer', group: 'cert-manager.io' });
  });

  it('serves plaintext only when asked for by name, and then mounts nothing', () => {
    const objects = synthCluster('search', { ...base, security: { insecurePlaintextGrpc: true } });
    expect(operatorContainer(objects).args).toContain('--insecure-plaintext-grpc=true');
    expect(dataPod(objects).containers[0].env).toContainEqual({ name: 'QUIDDITCH_INSECURE_PLAINTEXT_GRPC', value: 'true' });
    expect(dataPod(objects).volumes.map((v: Manifest) => v.name)).not.toContain('grpc-tls');
    expect(secretRules(objects)).toEqual([]);
    // No CA, so the routing API is plain HTTP too, and the kubelet probes it so.
    expect(operatorContainer(objects).livenessProbe.httpGet.scheme).toBe('HTTP');
    expect(operatorContainer(objects).readinessProbe.httpGet.scheme).toBe('HTTP');
  });

  it('names the prop and the rule for contradicting or too short settings', () => {
    expect(() => resolveCluster('search', { security: { insecurePlaintextGrpc: true, certManager: {}, certificateValiditySeconds: 60 } })).toThrow(
      'Unable to synthesize QuidditchCluster search: 2 invalid props. Fix:\n' +
        '  - security.certManager = {}: cannot be set with insecurePlaintextGrpc: true (plaintext uses no certificates); remove one of them\n' +
        '  - security.certificateValiditySeconds = 60: must be an integer of at least 3600 (one hour; cert-manager refuses shorter certificates)',
    );
  });
});
