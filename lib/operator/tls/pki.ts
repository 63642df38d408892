/**
 * The operator's certificate authority: a self-signed CA and the leaf certificates it issues
 * (ECDSA P-256, SHA-256) with @peculiar/x509 over Node's WebCrypto. Pure apart from randomness:
 * the time is passed in, nothing is stored or read here.
 */
// tsyringe (under @peculiar/x509) needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { TlsRole } from './tls-roles';

export { TLS_ROLES, type TlsRole } from './tls-roles';

/** A certificate and its private key, PEM-encoded (the layout of a kubernetes.io/tls Secret). */
export interface CertKeyPem {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface LeafRequest {
  readonly commonName: TlsRole;
  /** DNS subject alternative names (wildcards allowed). */
  readonly dnsNames?: readonly string[];
  /** IP subject alternative names. */
  readonly ipAddresses?: readonly string[];
  readonly validityMs: number;
  readonly now: Date;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
x509.cryptoProvider.set(crypto);

/**
 * Certificates start an hour in the past: a peer whose clock runs a little behind still accepts
 * a certificate issued a moment ago (cert-manager and ECK do the same).
 */
const BACKDATE_MS = 60 * 60 * 1000;

function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // positive, as RFC 5280 requires
  return Buffer.from(bytes).toString('hex');
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']));
}

async function keyToPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A new self-signed CA valid for `validityMs` from `now`. */
export async function createCa(commonName: string, validityMs: number, now: Date): Promise<CertKeyPem> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityMs),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      // pathLen 0: the CA signs leaves only, never another CA.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/** A leaf certificate for `request`, signed by `ca`; usable as TLS server and client. */
export async function issueLeaf(ca: CertKeyPem, request: LeafRequest): Promise<CertKeyPem> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const signingKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.keyPem), ALGORITHM, false, ['sign']);
  const keys = await keyPair();
  const names = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${request.commonName}`,
    issuer: caCert.subject,
    notBefore: new Date(request.now.getTime() - BACKDATE_MS),
    notAfter: new Date(request.now.getTime() + request.validityMs),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/** Validity window of the first certificate in `certPem`. */
export function validity(certPem: string): { notBefore: Date; notAfter: Date } {
  const cert = new NodeX509(certPem);
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/**
 * Whether a certificate should be replaced: it is past two thirds of its lifetime (cert-manager's
 * default renewBefore), does not parse, or was not signed by `caPem` (the CA changed).
 */
export function needsRenewal(certPem: string | undefined, caPem: string, now: Date): boolean {
  if (!certPem) return true;
  try {
    const cert = new NodeX509(certPem);
    if (!cert.verify(new NodeX509(caPem).publicKey)) return true;
    const from = Date.parse(cert.validFrom) + BACKDATE_MS;
    const to = Date.parse(cert.validTo);
    return now.getTime() >= from + ((to - from) * 2) / 3;
  } catch {
    return true;
  }
}

/** When `needsRenewal` turns true for this certificate. */
export function renewalTime(certPem: string): Date {
  const cert = new NodeX509(certPem);
  const from = Date.parse(cert.validFrom) + BACKDATE_MS;
  const to = Date.parse(cert.validTo);
  return new Date(from + ((to - from) * 2) / 3);
}
