/**
 * The operator-managed CA (the default when no cert-manager certificates are mounted): the CA lives
 * in a Secret, created by whichever replica finds it missing first (a create conflict means another
 * won: read theirs). Every replica issues its own client certificate in memory, and keeps the data
 * nodes' certificate Secret current (optimistic lock: on a conflict it re-reads, and finds it fresh).
 * Each certificate is renewed after two thirds of its lifetime, long before it expires, so a rotation
 * never fails a call: connections opened afterwards use the new one, open ones stay valid. The CA
 * itself is rotated in phases (ca-rotation.ts) whose state is kept in the CA Secret.
 */
import { isIP } from 'node:net';
import { CoreV1Api, KubeConfig, V1Secret } from '@kubernetes/client-node';
import { statusCodeOf } from '../kube/custom-resource-client';
import type { Logger } from '../logger';
import { messageOf } from '../runtime/errors';
import { afterStep, CaState, CaStep, issuerIn, phaseOf, planCaRotation, trustBundle } from './ca-rotation';
import { bundleOf, caSecret, caStateOf, generationOf, leafSecret, pemOf } from './ca-secret';
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
  /**
   * How long a changed Secret takes to reach every reader (kubelet volume refresh, the data node's
   * file watcher, the other replicas' next pass): the CA rotation waits this long twice.
   */
  readonly caPropagationMs: number;
  readonly log: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Longest sleep between two checks: a CA replaced by hand, or another replica's rotation step, is noticed within it. */
const MAX_CHECK_MS = 60_000;
const RETRY_MS = 5_000;
/** After losing a write to another replica: re-read almost at once. */
const CONFLICT_MS = 100;

interface LeafOutcome {
  readonly certPem?: string;
  /** The Secret now holds this pass's bundle (false: another replica wrote it first). */
  readonly current: boolean;
}

export class ManagedCertificates {
  /** The operator's CA and client certificate for its gRPC channels, updated on every renewal. */
  readonly provider = new MemoryCertificateProvider();
  private readonly api: CoreV1Api;
  private readonly now: () => Date;
  private own?: CertKeyPem;
  private trusted?: string;
  private failed = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: ManagedCertificatesOptions) {
    this.api = options.kubeConfig.makeApiClient(CoreV1Api);
    this.now = options.now ?? (() => new Date());
  }

  /** Ensures the CA and both certificates once (throws if it cannot), then keeps them renewed. */
  async start(): Promise<void> {
    let next = await this.sync();
    // A pass that lost a write to another replica may end before this replica has its certificate.
    while (!this.own) {
      await new Promise((resolve) => setTimeout(resolve, CONFLICT_MS));
      next = await this.sync();
    }
    this.schedule(next);
  }

  /** Passes that failed and were retried (the current certificates stayed in use). */
  get failedPasses(): number {
    return this.failed;
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
          this.failed++;
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
    const read = await this.ensureCa(now);
    if (!read) return CONFLICT_MS;
    let { state } = read;
    const step = planCaRotation(state, now, o.caPropagationMs);
    if (step.kind === 'begin' || step.kind === 'swap' || step.kind === 'retire') {
      const next = step.kind === 'begin' ? await createCa(`quidditch-ca.${o.namespace}`, o.caValidityMs, now) : undefined;
      const written = await this.writeCa(afterStep(state, step, now, next), read.resourceVersion, step);
      if (!written) return CONFLICT_MS;
      state = written.state;
      read.resourceVersion = written.resourceVersion;
    }
    const bundle = trustBundle(state);
    await this.ensureOwn(state, bundle, now);
    const leaves = [await this.ensureLeafSecret(state, bundle, now, o.dataNodeSecret, TLS_ROLES.dataNode, o.dataNodeDnsNames)];
    if (o.routingClientSecret !== undefined) leaves.push(await this.ensureLeafSecret(state, bundle, now, o.routingClientSecret, TLS_ROLES.routingClient, []));
    if (leaves.some((l) => !l.current)) return CONFLICT_MS;
    if (planCaRotation(state, now, o.caPropagationMs).kind === 'publish') {
      // Every leaf Secret carries both CAs from now on: the propagation wait starts here.
      const written = await this.writeCa(afterStep(state, { kind: 'publish' }, now), read.resourceVersion, { kind: 'publish' });
      if (!written) return CONFLICT_MS;
      state = written.state;
    }
    const rotation = planCaRotation(state, this.now(), o.caPropagationMs);
    const times = [renewalTime(this.own!.certPem), ...leaves.map((l) => renewalTime(l.certPem!))];
    // A step already due (e.g. after a replica was down past its time) runs on the next pass.
    times.push(rotation.kind === 'wait' ? rotation.at : this.now());
    const due = Math.min(...times.map((t) => t.getTime())) - this.now().getTime();
    return Math.max(100, Math.min(MAX_CHECK_MS, o.caPropagationMs / 3, due));
  }

  /** This replica's certificate (in memory) from the signing CA, and the CAs it trusts. */
  private async ensureOwn(state: CaState, bundle: string, now: Date): Promise<void> {
    const renew = needsRenewal(this.own?.certPem, state.signer.certPem, now);
    if (!renew && bundle === this.trusted) return;
    if (renew) {
      const names = this.options.operatorNames ?? [];
      this.own = await issueLeaf(state.signer, {
        commonName: TLS_ROLES.operator,
        dnsNames: names.filter((n) => isIP(n) === 0),
        ipAddresses: names.filter((n) => isIP(n) !== 0),
        validityMs: this.leafValidity(state.signer, now),
        now,
      });
      this.options.log.info({ notAfter: validity(this.own.certPem).notAfter.toISOString() }, 'issued the operator\'s certificate (gRPC client, routing API server)');
    }
    this.trusted = bundle;
    this.provider.update(bundle, this.own!);
  }

  /** A leaf never outlives the CA that signed it. */
  private leafValidity(ca: CertKeyPem, now: Date): number {
    return Math.min(this.options.certValidityMs, validity(ca.certPem).notAfter.getTime() - now.getTime());
  }

  /** The CA state and the Secret's resourceVersion; undefined when another replica created it first (re-read). */
  private async ensureCa(now: Date): Promise<{ state: CaState; resourceVersion?: string } | undefined> {
    const o = this.options;
    const existing = await this.read(o.caSecret);
    const state = existing && caStateOf(existing);
    if (state) return { state, resourceVersion: existing.metadata?.resourceVersion };
    if (existing) throw new Error(`Secret ${o.namespace}/${o.caSecret} holds no ${TLS_FILES.cert} and ${TLS_FILES.key}; delete it to let the operator create a new CA, or fill it with one`);
    // A CA created after the old Secret was deleted must count above the leaves written from that one.
    const names = [o.dataNodeSecret, ...(o.routingClientSecret === undefined ? [] : [o.routingClientSecret])];
    const leaves = await Promise.all(names.map((name) => this.read(name)));
    const generation = Math.max(0, ...leaves.map(generationOf)) + 1;
    const created: CaState = { signer: await createCa(`quidditch-ca.${o.namespace}`, o.caValidityMs, now), generation };
    try {
      const secret = await this.api.createNamespacedSecret({ namespace: o.namespace, body: caSecret(o.caSecret, created, trustBundle(created)) });
      o.log.info({ secret: o.caSecret, notAfter: validity(created.signer.certPem).notAfter.toISOString() }, 'created the operator-managed CA');
      return { state: created, resourceVersion: secret.metadata?.resourceVersion };
    } catch (err) {
      // Another replica created it between our read and create: use theirs on the next pass.
      if (statusCodeOf(err) !== 409) throw err;
      return undefined;
    }
  }

  /** Writes a rotation step (optimistic lock); undefined when another replica wrote first. */
  private async writeCa(state: CaState, resourceVersion: string | undefined, step: Exclude<CaStep, { kind: 'wait' }>): Promise<{ state: CaState; resourceVersion?: string } | undefined> {
    const o = this.options;
    const body = caSecret(o.caSecret, state, trustBundle(state));
    try {
      const secret = await this.api.replaceNamespacedSecret({ name: o.caSecret, namespace: o.namespace, body: { ...body, metadata: { ...body.metadata, resourceVersion } } });
      o.log.info({ secret: o.caSecret, step: step.kind, phase: phaseOf(state), generation: state.generation, signerNotAfter: validity(state.signer.certPem).notAfter.toISOString() }, ROTATION_MESSAGES[step.kind]);
      return { state, resourceVersion: secret.metadata?.resourceVersion };
    } catch (err) {
      if (statusCodeOf(err) !== 409) throw err;
      return undefined;
    }
  }

  /**
   * Keeps Secret `name` (the data nodes', the routing client's) holding a certificate of the signing
   * (or next) CA that is not yet due, and the current bundle as ca.crt; reissues only when needed.
   */
  private async ensureLeafSecret(state: CaState, bundle: string, now: Date, name: string, role: TlsRole, dnsNames: readonly string[]): Promise<LeafOutcome> {
    const o = this.options;
    const existing = await this.read(name);
    const current = existing && pemOf(existing);
    const issuer = current && issuerIn(state, current.certPem);
    // Written from a newer CA Secret than the one read in this pass (by a CA this pass knows): leave
    // it, and re-read. A leaf of an unknown CA is reissued whatever its generation (the CA was replaced).
    if (generationOf(existing) > state.generation && (issuer || signedByPrevious(state, current?.certPem))) return { certPem: current?.certPem, current: false };
    const keep = current && issuer && !needsRenewal(current.certPem, issuer, now) ? current : undefined;
    if (keep && bundleOf(existing!) === bundle) return { certPem: keep.certPem, current: true };
    const pair = keep ?? (await issueLeaf(state.signer, { commonName: role, dnsNames, validityMs: this.leafValidity(state.signer, now), now }));
    const body = leafSecret(name, pair, bundle, state.generation);
    try {
      if (existing) {
        await this.api.replaceNamespacedSecret({ name, namespace: o.namespace, body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } } });
      } else {
        await this.api.createNamespacedSecret({ namespace: o.namespace, body });
      }
    } catch (err) {
      // Another replica wrote it first: the next pass reads theirs.
      if (statusCodeOf(err) !== 409) throw err;
      return { certPem: pair.certPem, current: false };
    }
    const what = keep ? 'updated the trusted CAs (ca.crt) of a certificate Secret' : existing ? 'renewed a certificate Secret' : 'issued a certificate Secret';
    o.log.info({ secret: name, role, notAfter: validity(pair.certPem).notAfter.toISOString() }, what);
    return { certPem: pair.certPem, current: true };
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

function signedByPrevious(state: CaState, leafPem: string | undefined): boolean {
  return state.previousPem !== undefined && leafPem !== undefined && issuerIn({ signer: { certPem: state.previousPem, keyPem: '' }, generation: 0 }, leafPem) !== undefined;
}

const ROTATION_MESSAGES: Record<Exclude<CaStep, { kind: 'wait' }>['kind'], string> = {
  begin: 'CA rotation: created a new CA, trusted alongside the current one (ca.crt holds both); nothing is signed by it yet',
  publish: 'CA rotation: every certificate Secret carries both CAs; waiting for them to propagate before the new CA signs',
  swap: 'CA rotation: the new CA signs from now on; certificates are reissued, the old CA stays trusted',
  retire: 'CA rotation: done; the old CA is no longer trusted',
};
