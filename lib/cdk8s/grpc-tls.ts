/**
 * Mutual TLS on the data-node gRPC API (9303), as the pods see it. Both certificate sources write
 * the same kubernetes.io/tls Secret layout (tls.crt, tls.key, ca.crt), so the pods mount either
 * the same way:
 *   - operator-ca (default): the operator creates its CA in `<name>-ca`, issues its own certificate
 *     in memory (gRPC client, and server of the routing API over HTTPS), and keeps `<name>-data-tls`
 *     filled for the data nodes (a Secret volume, which the kubelet refreshes after each renewal)
 *     and `<name>-routing-client-tls` for coordinating nodes;
 *   - cert-manager: the constructs emit Certificates for `<name>-operator-tls`, `<name>-data-tls`
 *     and `<name>-routing-client-tls`
 *     (and, without an issuerRef, a self-signed bootstrap Issuer, a CA Certificate and a CA Issuer);
 *   - insecure-plaintext: nothing is mounted; both sides run with --insecure-plaintext-grpc.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DATANODE_ENV, DATANODE_TLS_DIR } from '../model/datanode-env';
import type { OperatorFlagKey } from '../model/operator-flags';
import type { ResolvedCluster } from '../model/resolved';
import { namespacedMeta, valueEnv } from './pod';

const TLS_VOLUME = 'grpc-tls';
/** The Role names the Secrets it may read and renew; creating cannot be limited by name in RBAC. */
const SECRET_VERBS_BY_NAME = ['get', 'update'];

/** Common names the peers check (lib/operator/tls/pki.ts TLS_ROLES; kept as literals: the library must not import the operator). */
export const TLS_COMMON_NAMES = { operator: 'quidditch-operator', dataNode: 'quidditch-data-node', routingClient: 'quidditch-routing-client' } as const;

/** DNS names in the operator's certificate, which also serves the routing API (HTTPS) behind its Service. */
export function operatorTlsDnsNames(cluster: ResolvedCluster): string[] {
  const svc = `${cluster.names.operator}.${cluster.namespace}.svc`;
  return [svc, `${svc}.cluster.local`];
}

/** Whether the operator's routing API is HTTPS with client certificates (false only with plaintext gRPC). */
export function routingApiTls(cluster: ResolvedCluster): boolean {
  return cluster.security.grpcTls.kind !== 'insecure-plaintext';
}

/** DNS names in the data nodes' certificate: every pod of the headless Service, short and fully qualified. */
export function dataNodeTlsDnsNames(cluster: ResolvedCluster): string[] {
  const svc = `${cluster.names.dataNodesHeadless}.${cluster.namespace}.svc`;
  return [`*.${svc}`, `*.${svc}.cluster.local`, svc];
}

function secretVolume(secretName: string): k8s.Volume {
  // 0440 with the pod's fsGroup: the non-root user reads the key, nobody else in the container does.
  return { name: TLS_VOLUME, secret: { secretName, defaultMode: 0o440 } };
}

const TLS_MOUNT: k8s.VolumeMount = { name: TLS_VOLUME, mountPath: DATANODE_TLS_DIR, readOnly: true };

/** Env, volume and mount of the data-node container (k8s mode; raft-mode transport security belongs to the engine). */
export function dataNodeGrpcTls(cluster: ResolvedCluster): { env: k8s.EnvVar[]; volumes: k8s.Volume[]; volumeMounts: k8s.VolumeMount[] } {
  const tls = cluster.security.grpcTls;
  if (cluster.mode !== 'k8s') return { env: [], volumes: [], volumeMounts: [] };
  if (tls.kind === 'insecure-plaintext') return { env: [valueEnv(DATANODE_ENV.insecurePlaintextGrpc, 'true')], volumes: [], volumeMounts: [] };
  return { env: [valueEnv(DATANODE_ENV.tlsDir, DATANODE_TLS_DIR)], volumes: [secretVolume(cluster.names.dataNodesTls)], volumeMounts: [TLS_MOUNT] };
}

/** Volume and mount of the operator container: only cert-manager mounts a certificate into it. */
export function operatorGrpcTlsVolumes(cluster: ResolvedCluster): { volumes: k8s.Volume[]; volumeMounts: k8s.VolumeMount[] } {
  if (cluster.security.grpcTls.kind !== 'cert-manager') return { volumes: [], volumeMounts: [] };
  return { volumes: [secretVolume(cluster.names.operatorTls)], volumeMounts: [TLS_MOUNT] };
}

/** The operator's TLS flags. */
export function operatorGrpcTlsFlags(cluster: ResolvedCluster): Partial<Record<OperatorFlagKey, string | number | boolean>> {
  const tls = cluster.security.grpcTls;
  switch (tls.kind) {
    case 'insecure-plaintext':
      return { insecurePlaintextGrpc: true };
    case 'cert-manager':
      return { tlsCertDir: DATANODE_TLS_DIR };
    case 'operator-ca':
      return {
        tlsCaSecret: cluster.names.caSecret,
        tlsDataNodeSecret: cluster.names.dataNodesTls,
        tlsDataNodeDnsNames: dataNodeTlsDnsNames(cluster).join(','),
        tlsOperatorDnsNames: operatorTlsDnsNames(cluster).join(','),
        tlsRoutingClientSecret: cluster.names.routingClientTls,
        tlsCertValidity: tls.validitySeconds,
      };
  }
}

/** RBAC the operator-managed CA needs: read and renew its three Secrets, create them once. */
export function operatorGrpcTlsRules(cluster: ResolvedCluster): k8s.PolicyRule[] {
  if (cluster.security.grpcTls.kind !== 'operator-ca') return [];
  return [
    { apiGroups: [''], resources: ['secrets'], resourceNames: [cluster.names.caSecret, cluster.names.dataNodesTls, cluster.names.routingClientTls], verbs: SECRET_VERBS_BY_NAME },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  ];
}

/** Props of QuidditchGrpcCertificates. */
export interface QuidditchGrpcCertificatesProps {
  /** The resolved cluster; `security.grpcTls.kind` must be `cert-manager`. */
  readonly cluster: ResolvedCluster;
}

/** cert-manager Certificates (and, without an issuerRef, the Issuers) of the operator, the data nodes and routing clients. */
export class QuidditchGrpcCertificates extends Construct {
  constructor(scope: Construct, id: string, props: QuidditchGrpcCertificatesProps) {
    super(scope, id);
    const c = props.cluster;
    const tls = c.security.grpcTls;
    if (tls.kind !== 'cert-manager') throw new Error(`Unable to render the cert-manager Certificates of QuidditchCluster ${c.name}: security.certManager is not set.`);
    let issuerRef = tls.issuerRef;
    if (!issuerRef) {
      // The standard cert-manager bootstrap: a self-signed Issuer signs a CA, a CA Issuer signs the leaves.
      const bootstrap = `${c.names.certIssuer}-bootstrap`;
      new ApiObject(this, 'BootstrapIssuer', { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: namespacedMeta(c, 'operator', bootstrap), spec: { selfSigned: {} } });
      new ApiObject(this, 'CaCertificate', {
        apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: namespacedMeta(c, 'operator', c.names.caSecret),
        spec: {
          isCA: true, commonName: `quidditch-ca.${c.namespace}`, secretName: c.names.caSecret, duration: '87600h',
          privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: bootstrap, kind: 'Issuer', group: 'cert-manager.io' },
        },
      });
      new ApiObject(this, 'CaIssuer', { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: namespacedMeta(c, 'operator', c.names.certIssuer), spec: { ca: { secretName: c.names.caSecret } } });
      issuerRef = { name: c.names.certIssuer, kind: 'Issuer', group: 'cert-manager.io' };
    }
    const leaf = (name: string, commonName: string, dnsNames: string[]) => ({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: namespacedMeta(c, commonName === TLS_COMMON_NAMES.dataNode ? 'data' : 'operator', name),
      spec: {
        secretName: name,
        commonName,
        ...(dnsNames.length > 0 ? { dnsNames } : {}),
        duration: `${tls.validitySeconds}s`,
        // Two thirds of the lifetime, as the operator-managed CA renews.
        renewBefore: `${Math.floor(tls.validitySeconds / 3)}s`,
        usages: ['digital signature', 'server auth', 'client auth'],
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        issuerRef,
      },
    });
    new ApiObject(this, 'OperatorCertificate', leaf(c.names.operatorTls, TLS_COMMON_NAMES.operator, operatorTlsDnsNames(c)));
    new ApiObject(this, 'DataNodeCertificate', leaf(c.names.dataNodesTls, TLS_COMMON_NAMES.dataNode, dataNodeTlsDnsNames(c)));
    // For coordinating nodes to mount: the routing API serves only certificates of the CA with this CN (or the data nodes').
    new ApiObject(this, 'RoutingClientCertificate', leaf(c.names.routingClientTls, TLS_COMMON_NAMES.routingClient, []));
  }
}
