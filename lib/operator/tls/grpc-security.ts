/**
 * How the data-node gRPC API is secured: mutual TLS with certificates from one CA (the default,
 * and the only choice in a deployed cluster), or plaintext, which must be asked for by name.
 * Certificates come from a grpc-js CertificateProvider, so a rotated certificate is used for every
 * connection opened after the rotation without restarting a channel or a server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { experimental } from '@grpc/grpc-js';
import type { CertKeyPem } from './pki';
import { TLS_ROLES, type TlsRole } from './tls-roles';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export type GrpcSecurity =
  /** Development only: anyone who reaches the port may call it, and every byte is readable. */
  | { readonly kind: 'insecure-plaintext' }
  /** Both ends present a certificate of the CA in `certificates` and check the other's role. */
  | { readonly kind: 'mutual-tls'; readonly certificates: CertificateProvider };

/** Plaintext gRPC, for development and for tests that are not about transport security. */
export const INSECURE_PLAINTEXT_GRPC: GrpcSecurity = { kind: 'insecure-plaintext' };

export function mutualTls(certificates: CertificateProvider): GrpcSecurity {
  return { kind: 'mutual-tls', certificates };
}

/** File names in a kubernetes.io/tls Secret (as cert-manager writes them, and the operator too). */
export const TLS_FILES = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;

/**
 * Channel credentials that accept only a server whose certificate was issued by the CA to `role`.
 * The host name is not matched: the operator dials the address a data node registered, and the
 * certificate's role (not its name) is what the operator trusts; which node may register which
 * address is the admission policy's job.
 */
export function channelCredentials(security: GrpcSecurity, role: TlsRole = TLS_ROLES.dataNode): grpc.ChannelCredentials {
  if (security.kind === 'insecure-plaintext') return grpc.credentials.createInsecure();
  return experimental.createCertificateProviderChannelCredentials(security.certificates, security.certificates, {
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      commonName(cert) === role
        ? undefined
        : new Error(`Unable to trust the server: its certificate names ${describe(cert)}, not ${role}. Only the cluster's data nodes hold ${role} certificates of this CA.`),
  });
}

/** Server credentials: with mutual TLS, a client without a certificate of the CA cannot connect. */
export function serverCredentials(security: GrpcSecurity): grpc.ServerCredentials {
  if (security.kind === 'insecure-plaintext') return grpc.ServerCredentials.createInsecure();
  return experimental.createCertificateProviderServerCredentials(security.certificates, security.certificates, true);
}

/** The role (certificate common name) of the peer of a server call; undefined over plaintext. */
export function peerRole(call: { getAuthContext(): { sslPeerCertificate?: PeerCertificate } }): string | undefined {
  const cert = call.getAuthContext().sslPeerCertificate;
  return cert ? commonName(cert) : undefined;
}

function commonName(cert: PeerCertificate): string | undefined {
  // Node gives an array when the subject repeats CN; the first one counts, as in Go's crypto/x509.
  const cn: unknown = cert.subject?.CN;
  return Array.isArray(cn) ? (cn[0] as string) : (cn as string | undefined);
}

function describe(cert: PeerCertificate): string {
  const cn = commonName(cert);
  return cn ? `CN=${cn}` : 'no common name';
}

/** Certificates held in memory and replaced by `update` (the operator's own, from its CA). */
export class MemoryCertificateProvider implements CertificateProvider {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private ca?: Buffer;
  private identity?: { certificate: Buffer; privateKey: Buffer };

  /** Replaces the CA bundle and this end's certificate; connections opened afterwards use them. */
  update(caPem: string, identity: CertKeyPem): void {
    this.ca = Buffer.from(caPem);
    this.identity = { certificate: Buffer.from(identity.certPem), privateKey: Buffer.from(identity.keyPem) };
    for (const l of this.caListeners) l({ caCertificate: this.ca });
    for (const l of this.identityListeners) l(this.identity);
  }

  // The current value is delivered on the next tick, as FileWatcherCertificateProvider does: grpc-js's
  // server credentials register their own watcher only after adding the listener, and would miss a
  // synchronous call (the server would then drop every connection for want of credentials).
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => {
      if (this.ca && this.caListeners.has(listener)) listener({ caCertificate: this.ca });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.identity && this.identityListeners.has(listener)) listener(this.identity);
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }
}

/**
 * Certificates read from `dir` (tls.crt, tls.key, ca.crt: a mounted kubernetes.io/tls Secret) and
 * re-read every `refreshMs`, so the files the kubelet rewrites after a rotation are picked up.
 * @throws Error naming the file when one cannot be read now (fail at start, not at the first call).
 */
export function fileCertificateProvider(dir: string, refreshMs = 60_000): CertificateProvider {
  for (const file of Object.values(TLS_FILES)) {
    try {
      readFileSync(join(dir, file));
    } catch (err) {
      throw new Error(`Unable to read ${join(dir, file)}: ${(err as Error).message}. Mount the TLS Secret (tls.crt, tls.key, ca.crt) there, or pass --insecure-plaintext-grpc for development.`, { cause: err });
    }
  }
  return new experimental.FileWatcherCertificateProvider({
    certificateFile: join(dir, TLS_FILES.cert),
    privateKeyFile: join(dir, TLS_FILES.key),
    caCertificateFile: join(dir, TLS_FILES.ca),
    refreshIntervalMs: refreshMs,
  });
}
