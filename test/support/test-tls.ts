/**
 * Certificates for tests, issued by the operator's own PKI code: a CA, the operator's client
 * certificate and the data nodes' certificate, written as the files a mounted kubernetes.io/tls
 * Secret holds. `namespaceTls` plays the part of the operator-managed CA for a test namespace: it
 * puts the CA in the Secret the operator adopts (so both sides share it) and hands sims their files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { MemoryCertificateProvider, mutualTls, TLS_FILES, type GrpcSecurity } from '../../lib/operator/tls/grpc-security';
import { CertKeyPem, createCa, issueLeaf, TLS_ROLES, TlsRole } from '../../lib/operator/tls/pki';
import { testKubeConfig } from './kube';

const DAY_MS = 24 * 3600 * 1000;

export interface TestPki {
  readonly ca: CertKeyPem;
  /** Issues a certificate of this CA for `role`. */
  issue(role: TlsRole, validityMs?: number): Promise<CertKeyPem>;
  /** GrpcSecurity with a fresh certificate for `role`. */
  security(role: TlsRole): Promise<GrpcSecurity>;
  /** A directory with tls.crt, tls.key, ca.crt for `role` (what --tls-dir / --tls-cert-dir read). */
  files(role: TlsRole): Promise<string>;
}

export async function createTestPki(ca?: CertKeyPem): Promise<TestPki> {
  const authority = ca ?? (await createCa('quidditch-test-ca', 30 * DAY_MS, new Date()));
  const issue = (role: TlsRole, validityMs = DAY_MS) => issueLeaf(authority, { commonName: role, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityMs, now: new Date() });
  return {
    ca: authority,
    issue,
    async security(role) {
      const provider = new MemoryCertificateProvider();
      provider.update(authority.certPem, await issue(role));
      return mutualTls(provider);
    },
    async files(role) {
      return writeTlsDir(await issue(role), authority.certPem);
    },
  };
}

/** Writes `pair` and the CA as tls.crt, tls.key, ca.crt into `dir` (a new temp dir by default). */
export function writeTlsDir(pair: CertKeyPem, caPem: string, dir = mkdtempSync(join(tmpdir(), 'quidditch-tls-'))): string {
  writeFileSync(join(dir, TLS_FILES.cert), pair.certPem);
  writeFileSync(join(dir, TLS_FILES.key), pair.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, TLS_FILES.ca), caPem);
  return dir;
}

/** The Secret the operator adopts as its CA (its --tls-ca-secret default). */
export const TEST_CA_SECRET = 'quidditch-ca';

const perNamespace = new Map<string, Promise<TestPki>>();

/**
 * The PKI of a test namespace: its CA is stored in the CA Secret first (or read from it when an
 * operator already created one), so operators started there adopt it and the sims' files match.
 */
export function namespaceTls(namespace: string): Promise<TestPki> {
  let pki = perNamespace.get(namespace);
  if (!pki) {
    pki = loadOrCreateCa(namespace).then((ca) => createTestPki(ca));
    perNamespace.set(namespace, pki);
    pki.catch(() => perNamespace.delete(namespace));
  }
  return pki;
}

async function loadOrCreateCa(namespace: string): Promise<CertKeyPem> {
  const api = testKubeConfig().makeApiClient(CoreV1Api);
  const read = async (): Promise<CertKeyPem | undefined> => {
    try {
      const s = await api.readNamespacedSecret({ name: TEST_CA_SECRET, namespace });
      const d = s.data ?? {};
      return { certPem: Buffer.from(d[TLS_FILES.cert], 'base64').toString(), keyPem: Buffer.from(d[TLS_FILES.key], 'base64').toString() };
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  };
  const existing = await read();
  if (existing) return existing;
  const ca = await createCa(`quidditch-test-ca.${namespace}`, 30 * DAY_MS, new Date());
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  try {
    await api.createNamespacedSecret({
      namespace,
      body: { metadata: { name: TEST_CA_SECRET }, type: 'kubernetes.io/tls', data: { [TLS_FILES.cert]: b64(ca.certPem), [TLS_FILES.key]: b64(ca.keyPem), [TLS_FILES.ca]: b64(ca.certPem) } },
    });
    return ca;
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    return (await read())!;
  }
}

export { TLS_ROLES };
