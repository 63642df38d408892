/**
 * How the operator-managed CA and the certificates it issues are laid out in Secrets. The whole
 * rotation state lives in the CA Secret (keys and annotations), so a replica that starts or takes
 * over mid-rotation continues from the API server, never from memory:
 *
 *   tls.crt, tls.key       the CA that signs now        ca.crt        every CA trusted now (bundle)
 *   next.crt, next.key     the CA being introduced      previous.crt  the CA being retired
 *   annotations            quidditch.io/ca-trusted-at, quidditch.io/ca-swapped-at (RFC 3339),
 *                          quidditch.io/ca-generation (raised by every write)
 *
 * Leaf Secrets keep cert-manager's layout (tls.crt, tls.key, ca.crt = the bundle), so a data node
 * mounts either the same way, plus the CA generation they were written from.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { CaState } from './ca-rotation';
import { TLS_FILES } from './grpc-security';
import type { CertKeyPem } from './pki';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'quidditch-operator' };
const KEYS = { nextCert: 'next.crt', nextKey: 'next.key', previousCert: 'previous.crt' } as const;
export const CA_ANNOTATIONS = {
  trustedAt: 'quidditch.io/ca-trusted-at',
  swappedAt: 'quidditch.io/ca-swapped-at',
  generation: 'quidditch.io/ca-generation',
} as const;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const text = (secret: V1Secret, key: string): string | undefined => {
  const v = secret.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
};

/** The certificate and key under tls.crt / tls.key, if both are there. */
export function pemOf(secret: V1Secret, certKey: string = TLS_FILES.cert, keyKey: string = TLS_FILES.key): CertKeyPem | undefined {
  const certPem = text(secret, certKey);
  const keyPem = text(secret, keyKey);
  return certPem && keyPem ? { certPem, keyPem } : undefined;
}

/** The CA generation a Secret was written from (0 when it carries none: written before rotation existed). */
export function generationOf(secret: V1Secret | undefined): number {
  const n = Number(secret?.metadata?.annotations?.[CA_ANNOTATIONS.generation] ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The CA state in a CA Secret; undefined when it holds no signing CA. */
export function caStateOf(secret: V1Secret): CaState | undefined {
  const signer = pemOf(secret);
  if (!signer) return undefined;
  const date = (key: string) => {
    const v = secret.metadata?.annotations?.[key];
    const t = v === undefined ? NaN : Date.parse(v);
    return Number.isNaN(t) ? undefined : new Date(t);
  };
  return {
    signer,
    next: pemOf(secret, KEYS.nextCert, KEYS.nextKey),
    trustedAt: date(CA_ANNOTATIONS.trustedAt),
    previousPem: text(secret, KEYS.previousCert),
    swappedAt: date(CA_ANNOTATIONS.swappedAt),
    generation: generationOf(secret),
  };
}

/** The CA Secret holding `state`, with `bundle` as ca.crt. */
export function caSecret(name: string, state: CaState, bundle: string): V1Secret {
  const data: Record<string, string> = { [TLS_FILES.cert]: b64(state.signer.certPem), [TLS_FILES.key]: b64(state.signer.keyPem), [TLS_FILES.ca]: b64(bundle) };
  if (state.next) Object.assign(data, { [KEYS.nextCert]: b64(state.next.certPem), [KEYS.nextKey]: b64(state.next.keyPem) });
  if (state.previousPem) data[KEYS.previousCert] = b64(state.previousPem);
  const annotations: Record<string, string> = { [CA_ANNOTATIONS.generation]: String(state.generation) };
  if (state.trustedAt) annotations[CA_ANNOTATIONS.trustedAt] = state.trustedAt.toISOString();
  if (state.swappedAt) annotations[CA_ANNOTATIONS.swappedAt] = state.swappedAt.toISOString();
  return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, labels: MANAGED_BY, annotations }, data };
}

/** A leaf Secret: the certificate, its key, and the CAs to trust. */
export function leafSecret(name: string, pair: CertKeyPem, bundle: string, generation: number): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, labels: MANAGED_BY, annotations: { [CA_ANNOTATIONS.generation]: String(generation) } },
    data: { [TLS_FILES.cert]: b64(pair.certPem), [TLS_FILES.key]: b64(pair.keyPem), [TLS_FILES.ca]: b64(bundle) },
  };
}

/** The ca.crt of a Secret, as text. */
export function bundleOf(secret: V1Secret): string | undefined {
  return text(secret, TLS_FILES.ca);
}
