/**
 * Who may read the routing API. It is read-only but reveals the cluster's topology (every shard
 * copy's node and address), so over HTTPS only clients with a certificate of the cluster's CA whose
 * role (common name) is allowed get an answer: routing clients (coordinating nodes) and the data
 * nodes. The TLS layer has already refused certificates of another CA; this decides per request.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { presentedCertificate } from '../runtime/server';

export type RoutingAccess =
  /** Development only (--insecure-plaintext-grpc): plain HTTP, anyone who reaches the port reads. */
  | { readonly kind: 'unauthenticated' }
  | { readonly kind: 'client-certificate'; readonly allowedRoles: readonly string[] };

/** What a request's connection proved, independent of node:tls (so the rule is unit-testable). */
export interface ClientPeer {
  /** Came over TLS. */
  readonly encrypted: boolean;
  /** A certificate was presented. */
  readonly presented: boolean;
  /** It verified against the CA (and is within its validity). */
  readonly verified: boolean;
  /** Its common name. */
  readonly commonName?: string;
}

export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly status: 401 | 403; readonly error: string };

/** The rule: unauthenticated access must be chosen; otherwise a verified certificate of an allowed role. */
export function clientCertificateVerdict(peer: ClientPeer, access: RoutingAccess): Verdict {
  if (access.kind === 'unauthenticated') return { allowed: true };
  const roles = access.allowedRoles.join(' or ');
  if (!peer.encrypted) return { allowed: false, status: 401, error: 'Unable to serve the routing API over plain HTTP: it requires HTTPS with a client certificate of the cluster\'s CA.' };
  if (!peer.presented) {
    return { allowed: false, status: 401, error: `Unable to serve routes: no client certificate. Present a certificate of the cluster's CA with CN ${roles} (mount the <cluster>-routing-client-tls Secret: tls.crt, tls.key, ca.crt).` };
  }
  if (!peer.verified) return { allowed: false, status: 401, error: 'Unable to serve routes: the client certificate does not verify against the cluster\'s CA.' };
  if (peer.commonName === undefined || !access.allowedRoles.includes(peer.commonName)) {
    return { allowed: false, status: 403, error: `Unable to serve routes to CN=${peer.commonName ?? '(none)'}: only ${roles} may read the routing API. Use the <cluster>-routing-client-tls certificate.` };
  }
  return { allowed: true };
}

/**
 * What each TLS connection proved, computed on its first request: getPeerCertificate() decodes the
 * whole certificate into a new object on every call, and per request that held the routing API to a
 * quarter of its plain-HTTP rate over keep-alive. Renegotiation, the one way a connection's peer could
 * change, is refused on connections kept here (Go's TLS server does not offer it at all).
 */
const peers = new WeakMap<object, ClientPeer>();

/** The ClientPeer of a request's connection. */
export function clientPeerOf(req: IncomingMessage): ClientPeer {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function') return { encrypted: false, presented: false, verified: false };
  const known = peers.get(socket);
  if (known) return known;
  socket.disableRenegotiation?.();
  const peer = readPeer(socket as TLSSocket);
  peers.set(socket, peer);
  return peer;
}

function readPeer(socket: TLSSocket): ClientPeer {
  const cert = socket.getPeerCertificate();
  const presented = presentedCertificate(cert);
  // Node gives an array when the subject repeats CN; the first counts, as in Go's crypto/x509.
  const cn: unknown = presented ? cert.subject?.CN : undefined;
  const commonName = Array.isArray(cn) ? (cn[0] as string) : (cn as string | undefined);
  return { encrypted: true, presented, verified: socket.authorized === true, commonName };
}
