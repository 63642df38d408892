/**
 * Identities the CA issues, carried in the certificate's common name; the peers check it. Kept
 * apart from pki.ts so that what only checks roles (gRPC credentials, the data node) does not
 * load the X.509 library.
 */
export const TLS_ROLES = {
  /** The operator's client certificate: the only one a data node accepts shard calls from. */
  operator: 'quidditch-operator',
  /** The data nodes' certificate (server, and client for peer recovery reads). */
  dataNode: 'quidditch-data-node',
  /** A client of the routing API (e.g. a coordinating node): may read routes, nothing else. */
  routingClient: 'quidditch-routing-client',
} as const;
export type TlsRole = (typeof TLS_ROLES)[keyof typeof TLS_ROLES];
