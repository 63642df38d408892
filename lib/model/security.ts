/**
 * Security props resolved and validated: defaults applied (see security-props.ts), every label,
 * address range and port checked with a message naming the prop.
 */
import { isInteger, isLabelKey, isLabelValue, Problems } from './validation';
import type { ApiServerProps, CertManagerProps, PeerProps, SecurityProps } from './security-props';

/** Label a pod carries to reach the routing API by default. */
export const ROUTING_CLIENT_LABEL = 'quidditch.io/routing-client';
/** Set by the API server on every namespace (Kubernetes 1.21+): selects a namespace by name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface ResolvedPeer {
  /** Undefined: the cluster's namespace only. */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** Undefined: every pod of the selected namespaces. */
  readonly podLabels?: Readonly<Record<string, string>>;
}

export interface ResolvedNetworkPolicies {
  readonly enabled: boolean;
  readonly routingClients: ResolvedPeer;
  readonly metricsScrapers: ResolvedPeer;
  readonly restrictEgress: boolean;
  readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
}

/** Where the gRPC certificates come from: the operator's own CA, cert-manager, or none (plaintext). */
export type ResolvedGrpcTls =
  | { readonly kind: 'operator-ca'; readonly validitySeconds: number }
  | { readonly kind: 'cert-manager'; readonly validitySeconds: number; readonly issuerRef?: { readonly name: string; readonly kind: string; readonly group: string } }
  | { readonly kind: 'insecure-plaintext' };

export interface ResolvedSecurity {
  readonly nodeAdmissionPolicy: boolean;
  readonly networkPolicies: ResolvedNetworkPolicies;
  readonly grpcTls: ResolvedGrpcTls;
}

export const SECURITY_DEFAULTS = {
  nodeAdmissionPolicy: true,
  networkPolicies: {
    enabled: true,
    routingClients: { podLabels: { [ROUTING_CLIENT_LABEL]: 'true' } },
    metricsScrapers: { namespaceLabels: { [NAMESPACE_NAME_LABEL]: 'monitoring' } },
    restrictEgress: true,
    apiServer: { cidrs: ['0.0.0.0/0', '::/0'], ports: [443, 6443] },
  },
  insecurePlaintextGrpc: false,
  certificateValiditySeconds: 90 * 24 * 3600,
} as const;

function resolveGrpcTls(s: SecurityProps | undefined): ResolvedGrpcTls {
  if (s?.insecurePlaintextGrpc === true) return { kind: 'insecure-plaintext' };
  const validitySeconds = s?.certificateValiditySeconds ?? SECURITY_DEFAULTS.certificateValiditySeconds;
  const cm: CertManagerProps | undefined = s?.certManager;
  if (cm === undefined) return { kind: 'operator-ca', validitySeconds };
  const ref = cm.issuerRef;
  return {
    kind: 'cert-manager',
    validitySeconds,
    ...(ref ? { issuerRef: { name: ref.name, kind: ref.kind ?? 'Issuer', group: ref.group ?? 'cert-manager.io' } } : {}),
  };
}

function resolvePeer(p: PeerProps | undefined, dflt: ResolvedPeer): ResolvedPeer {
  if (p === undefined) return dflt;
  return {
    ...(p.namespaceLabels !== undefined ? { namespaceLabels: { ...p.namespaceLabels } } : {}),
    ...(p.podLabels !== undefined ? { podLabels: { ...p.podLabels } } : {}),
  };
}

function resolveApiServer(a: ApiServerProps | undefined): ResolvedNetworkPolicies['apiServer'] {
  const d = SECURITY_DEFAULTS.networkPolicies.apiServer;
  return { cidrs: [...(a?.cidrs ?? d.cidrs)], ports: [...(a?.ports ?? d.ports)] };
}

export function resolveSecurity(s: SecurityProps | undefined): ResolvedSecurity {
  const n = s?.networkPolicies;
  const d = SECURITY_DEFAULTS.networkPolicies;
  return {
    nodeAdmissionPolicy: s?.nodeAdmissionPolicy ?? SECURITY_DEFAULTS.nodeAdmissionPolicy,
    networkPolicies: {
      enabled: n?.enabled ?? d.enabled,
      routingClients: resolvePeer(n?.routingClients, d.routingClients),
      metricsScrapers: resolvePeer(n?.metricsScrapers, d.metricsScrapers),
      restrictEgress: n?.restrictEgress ?? d.restrictEgress,
      apiServer: resolveApiServer(n?.apiServer),
    },
    grpcTls: resolveGrpcTls(s),
  };
}

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

/** An IPv4 or IPv6 CIDR as NetworkPolicy ipBlock.cidr accepts it. */
export function isCidr(value: unknown): value is string {
  return typeof value === 'string' && (IPV4_CIDR.test(value) || IPV6_CIDR.test(value));
}

function validateLabels(problems: Problems, path: string, labels: Readonly<Record<string, string>> | undefined): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const at = `${path}[${JSON.stringify(key)}]`;
    if (!problems.check(isLabelKey(key), at, key, 'the key must be a label key ([prefix/]name, name at most 63 alphanumerics, \'-\', \'_\' or \'.\')')) continue;
    problems.check(isLabelValue(value), at, value, 'must be a label value (at most 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending alphanumeric)');
  }
}

/** Checks the props as given (the resolved form no longer shows a contradiction). */
export function validateGrpcTlsProps(problems: Problems, s: SecurityProps | undefined): void {
  if (s === undefined) return;
  problems.check(s.insecurePlaintextGrpc === undefined || typeof s.insecurePlaintextGrpc === 'boolean', 'security.insecurePlaintextGrpc', s.insecurePlaintextGrpc, 'must be a boolean');
  problems.check(!(s.insecurePlaintextGrpc === true && s.certManager !== undefined), 'security.certManager', s.certManager,
    'cannot be set with insecurePlaintextGrpc: true (plaintext uses no certificates); remove one of them');
  const v = s.certificateValiditySeconds;
  problems.check(v === undefined || (isInteger(v) && v >= 3600), 'security.certificateValiditySeconds', v, 'must be an integer of at least 3600 (one hour; cert-manager refuses shorter certificates)');
  const ref = s.certManager?.issuerRef;
  if (ref !== undefined) {
    problems.check(typeof ref.name === 'string' && ref.name !== '', 'security.certManager.issuerRef.name', ref.name, 'must name the Issuer or ClusterIssuer');
    problems.check(ref.kind === undefined || ref.kind === 'Issuer' || ref.kind === 'ClusterIssuer', 'security.certManager.issuerRef.kind', ref.kind, 'must be Issuer or ClusterIssuer');
  }
}

export function validateSecurity(problems: Problems, s: ResolvedSecurity): void {
  const path = 'security.networkPolicies';
  const n = s.networkPolicies;
  for (const [field, value] of [['nodeAdmissionPolicy', s.nodeAdmissionPolicy], ['networkPolicies.enabled', n.enabled], ['networkPolicies.restrictEgress', n.restrictEgress]] as const) {
    problems.check(typeof value === 'boolean', `security.${field}`, value, 'must be a boolean');
  }
  for (const peer of ['routingClients', 'metricsScrapers'] as const) {
    validateLabels(problems, `${path}.${peer}.namespaceLabels`, n[peer].namespaceLabels);
    validateLabels(problems, `${path}.${peer}.podLabels`, n[peer].podLabels);
  }
  problems.check(n.apiServer.cidrs.length > 0, `${path}.apiServer.cidrs`, n.apiServer.cidrs, 'must name at least one address range, or the operator cannot reach the API server; set restrictEgress: false instead');
  n.apiServer.cidrs.forEach((c, i) =>
    problems.check(isCidr(c), `${path}.apiServer.cidrs[${i}]`, c, 'must be an IPv4 or IPv6 CIDR (e.g. "10.0.0.0/16" or "fd00::/64")'));
  problems.check(n.apiServer.ports.length > 0, `${path}.apiServer.ports`, n.apiServer.ports, 'must name at least one port, or the operator cannot reach the API server; set restrictEgress: false instead');
  n.apiServer.ports.forEach((p, i) =>
    problems.check(isInteger(p) && p >= 1 && p <= 65535, `${path}.apiServer.ports[${i}]`, p, 'must be a TCP port from 1 to 65535'));
}
