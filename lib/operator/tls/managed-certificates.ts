/**
 * The operator-managed CA (the default when no cert-manager certificates are mounted): the CA lives
 * in a Secret, created by whichever replica finds it missing first (a create conflict means another
 * won: read theirs). Every replica issues its own client certificate in memory, and keeps the data
 * nodes' certificate Secret current (optimistic lock: on a conflict it re-reads, and finds it fresh).
 * Each certificate is renewed after two thirds of its lifetime, long before it expires, so a rotation
 * never fails a call: connections opened afterwards use the new one, open ones stay valid.
 */
import { isIP } from 'node:net';
import { CoreV1Api, KubeConfig, V1Secret } from '@kubernetes/client-node';
import { statusCodeOf } from '../kube/custom-resource-client';
import type { Logger } from '../logger';
import { messageOf } from '../runtime/errors';
import { MemoryCertificateProvider, TLS_FILES } from './grpc-security';
import { CertKeyPem, createCa, issueLeaf, needsRenewal, renewalTime, TLS_ROLES, TlsRole, validity } from './pki';

export interface ManagedCertificatesOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly caSecret: string;
  readonly dataNodeSecret: string;
  readonly dataNodeDnsNames: readonly string[];
  /** Names (DNS or IP) in the operator's own certificate, which also serves the routing API. */
  readonly operatorNames?: readonly string[];
  /** Secret kept filled with a routing-API client certificate; none when undefined. */
  readonly routingClientSecret?: string;
  readonly certValidityMs: number;
  readonly caValidityMs: number;
  readonly log: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'quidditch-operator' };
/** Longest sleep between two checks: a CA replaced by hand is noticed within it. */
const MAX_CHECK_MS = 60_000;
const RETRY_MS = 5_000;

export class ManagedCertificates {
  /** The operator's CA and client certificate for its gRPC channels, updated on every renewal. */
  readonly provider = new MemoryCertificateProvider();
  private readonly api: CoreV1Api;
  private readonly now: () => Date;
  private own?: CertKeyPem;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: ManagedCertificatesOptions) {
    this.api = options.kubeConfig.makeApiClient(CoreV1Api);
    this.now = options.now ?? (() => new Date());
  }

  /** Ensures the CA and both certificates once (throws if it cannot), then keeps them renewed. */
  async start(): Promise<void> {
    const next = await this.sync();
    this.schedule(next);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(inMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sync().then(
        (next) => this.schedule(next),
        (err: unknown) => {
          this.options.log.warn({ err: messageOf(err) }, `Unable to renew TLS certificates: ${messageOf(err)}. Retrying in ${RETRY_MS / 1000} s; current certificates stay in use.`);
          this.schedule(RETRY_MS);
        },
      );
    }, inMs);
  }

  /** One pass; returns the ms until the next one is due. */
  private async sync(): Promise<number> {
    const o = this.options;
    const now = this.now();
    const ca = await this.ensureCa(now);
    if (needsRenewal(this.own?.certPem, ca.certPem, now)) {
      const names = o.operatorNames ?? [];
      this.own = await issueLeaf(ca, {
        commonName: TLS_ROLES.operator,
        dnsNames: names.filter((n) => isIP(n) === 0),
        ipAddresses: names.filter((n) => isIP(n) !== 0),
        validityMs: this.leafValidity(ca, now),
        now,
      });
      this.provider.update(ca.certPem, this.own);
      o.log.info({ notAfter: validity(this.own.certPem).notAfter.toISOString() }, 'issued the operator\'s certificate (gRPC client, routing API server)');
    }
    const leaves = [await this.ensureLeafSecret(ca, now, o.dataNodeSecret, TLS_ROLES.dataNode, o.dataNodeDnsNames)];
    if (o.routingClientSecret !== undefined) leaves.push(await this.ensureLeafSecret(ca, now, o.routingClientSecret, TLS_ROLES.routingClient, []));
    const due = Math.min(renewalTime(this.own!.certPem).getTime(), ...leaves.map((pem) => renewalTime(pem).getTime())) - this.now().getTime();
    return Math.max(100, Math.min(MAX_CHECK_MS, due));
  }

  /** A leaf never outlives the CA that signed it. */
  private leafValidity(ca: CertKeyPem, now: Date): number {
    return Math.min(this.options.certValidityMs, validity(ca.certPem).notAfter.getTime() - now.getTime());
  }

  private async ensureCa(now: Date): Promise<CertKeyPem> {
    const o = this.options;
    const existing = await this.read(o.caSecret);
    const pem = existing && pemOf(existing);
    if (pem) return pem;
    if (existing) throw new Error(`Secret ${o.namespace}/${o.caSecret} holds no ${TLS_FILES.cert} and ${TLS_FILES.key}; delete it to let the operator create a new CA, or fill it with one`);
    const ca = await createCa(`quidditch-ca.${o.namespace}`, o.caValidityMs, now);
    try {
      await this.api.createNamespacedSecret({ namespace: o.namespace, body: tlsSecret(o.caSecret, ca, ca.certPem) });
      o.log.info({ secret: o.caSecret, notAfter: validity(ca.certPem).notAfter.toISOString() }, 'created the operator-managed CA');
      return ca;
    } catch (err) {
      // Another replica created it between our read and create: use theirs.
      if (statusCodeOf(err) !== 409) throw err;
      const theirs = await this.read(o.caSecret);
      const pem = theirs && pemOf(theirs);
      if (!pem) throw new Error(`Secret ${o.namespace}/${o.caSecret} appeared without a CA`, { cause: err });
      return pem;
    }
  }

  /**
   * Issues the certificate in Secret `name` (the data nodes', the routing client's) when missing,
   * due or from another CA; returns the current one.
   */
  private async ensureLeafSecret(ca: CertKeyPem, now: Date, name: string, role: TlsRole, dnsNames: readonly string[]): Promise<string> {
    const o = this.options;
    const existing = await this.read(name);
    const current = existing && pemOf(existing);
    if (current && existing?.data?.[TLS_FILES.ca] && !needsRenewal(current.certPem, ca.certPem, now)) return current.certPem;
    const leaf = await issueLeaf(ca, { commonName: role, dnsNames, validityMs: this.leafValidity(ca, now), now });
    const body = tlsSecret(name, leaf, ca.certPem);
    try {
      if (existing) {
        await this.api.replaceNamespacedSecret({ name, namespace: o.namespace, body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } } });
      } else {
        await this.api.createNamespacedSecret({ namespace: o.namespace, body });
      }
    } catch (err) {
      // Another replica renewed it first: theirs is as good, the next pass reads it.
      if (statusCodeOf(err) !== 409) throw err;
      return leaf.certPem;
    }
    o.log.info({ secret: name, role, notAfter: validity(leaf.certPem).notAfter.toISOString() }, existing ? 'renewed a certificate Secret' : 'issued a certificate Secret');
    return leaf.certPem;
  }

  private async read(name: string): Promise<V1Secret | undefined> {
    try {
      return await this.api.readNamespacedSecret({ name, namespace: this.options.namespace });
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }
}

function pemOf(secret: V1Secret): CertKeyPem | undefined {
  const cert = secret.data?.[TLS_FILES.cert];
  const key = secret.data?.[TLS_FILES.key];
  if (!cert || !key) return undefined;
  return { certPem: Buffer.from(cert, 'base64').toString('utf8'), keyPem: Buffer.from(key, 'base64').toString('utf8') };
}

/** The layout of cert-manager's Secrets, so a data node mounts either the same way. */
function tlsSecret(name: string, pair: CertKeyPem, caPem: string): V1Secret {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, labels: MANAGED_BY },
    data: { [TLS_FILES.cert]: b64(pair.certPem), [TLS_FILES.key]: b64(pair.keyPem), [TLS_FILES.ca]: b64(caPem) },
  };
}
