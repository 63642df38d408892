import { clientCertificateVerdict, type ClientPeer, type RoutingAccess } from '../../../../lib/operator/routing/client-auth';

const access: RoutingAccess = { kind: 'client-certificate', allowedRoles: ['quidditch-routing-client', 'quidditch-data-node'] };
const verified = (commonName?: string): ClientPeer => ({ encrypted: true, presented: true, verified: true, commonName });

describe('who may read the routing API', () => {
  it('lets in a verified certificate of every allowed role', () => {
    expect(clientCertificateVerdict(verified('quidditch-routing-client'), access)).toEqual({ allowed: true });
    expect(clientCertificateVerdict(verified('quidditch-data-node'), access)).toEqual({ allowed: true });
  });

  it('answers 401 naming what to present when no certificate came, or the connection is plain HTTP', () => {
    const none = clientCertificateVerdict({ encrypted: true, presented: false, verified: false }, access);
    expect(none).toEqual({ allowed: false, status: 401, error: expect.stringContaining('no client certificate. Present a certificate of the cluster\'s CA with CN quidditch-routing-client or quidditch-data-node') });
    expect(clientCertificateVerdict({ encrypted: false, presented: false, verified: false }, access)).toMatchObject({ allowed: false, status: 401, error: expect.stringContaining('requires HTTPS') });
  });

  it('answers 401 for a certificate that does not verify, even with an allowed name', () => {
    expect(clientCertificateVerdict({ ...verified('quidditch-routing-client'), verified: false }, access)).toMatchObject({ allowed: false, status: 401, error: expect.stringContaining('does not verify against the cluster\'s CA') });
  });

  it('answers 403 naming the role for a verified certificate of another role', () => {
    expect(clientCertificateVerdict(verified('quidditch-operator'), access)).toEqual({
      allowed: false,
      status: 403,
      error: 'Unable to serve routes to CN=quidditch-operator: only quidditch-routing-client or quidditch-data-node may read the routing API. Use the <cluster>-routing-client-tls certificate.',
    });
    expect(clientCertificateVerdict(verified(undefined), access)).toMatchObject({ status: 403, error: expect.stringContaining('CN=(none)') });
  });

  it('lets anyone in only when unauthenticated access was chosen', () => {
    expect(clientCertificateVerdict({ encrypted: false, presented: false, verified: false }, { kind: 'unauthenticated' })).toEqual({ allowed: true });
  });
});
