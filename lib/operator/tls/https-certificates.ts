/**
 * Feeds an https server (the routing API) from the same CertificateProvider as the gRPC channels:
 * the operator's own certificate serves, the CA verifies clients, and a rotation replaces both for
 * connections opened afterwards (tls.Server#setSecureContext) without a restart.
 */
import type { SecureContextOptions } from 'node:tls';
import { experimental } from '@grpc/grpc-js';

type CertificateProvider = experimental.CertificateProvider;

export interface CertificateSubscription {
  stop(): void;
}

/**
 * Calls `apply` with the certificate, key and CA whenever the provider delivers a new one; resolves
 * once the first complete set was applied (so a server listens with a certificate, never without).
 */
export function followCertificates(provider: CertificateProvider, apply: (context: SecureContextOptions) => void): Promise<CertificateSubscription> {
  let ca: Buffer | undefined;
  let identity: { certificate: Buffer; privateKey: Buffer } | undefined;
  let first: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => (first = resolve));
  const push = () => {
    if (!ca || !identity) return;
    apply({ cert: identity.certificate, key: identity.privateKey, ca });
    first?.();
    first = undefined;
  };
  const onCa: experimental.CaCertificateUpdateListener = (update) => {
    ca = update?.caCertificate;
    push();
  };
  const onIdentity: experimental.IdentityCertificateUpdateListener = (update) => {
    identity = update ?? undefined;
    push();
  };
  provider.addCaCertificateListener(onCa);
  provider.addIdentityCertificateListener(onIdentity);
  const subscription = {
    stop() {
      provider.removeCaCertificateListener(onCa);
      provider.removeIdentityCertificateListener(onIdentity);
    },
  };
  return ready.then(() => subscription);
}
