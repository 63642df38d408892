/**
 * The HttpServer in https mode, fed by followCertificates: it serves with the provider's
 * certificate, follows a rotation without a restart, lets clients without a certificate in (the
 * routes decide), and ends connections whose certificate does not verify against the CA.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { createLogger } from '../../../../lib/operator/logger';
import { clientCertificateVerdict, clientPeerOf } from '../../../../lib/operator/routing/client-auth';
import { HttpServer, sendJson } from '../../../../lib/operator/runtime/server';
import { MemoryCertificateProvider } from '../../../../lib/operator/tls/grpc-security';
import { followCertificates } from '../../../../lib/operator/tls/https-certificates';
import { createCa, issueLeaf, TLS_ROLES, type CertKeyPem, type TlsRole } from '../../../../lib/operator/tls/pki';
import { probe } from '../../../support/http-probe';

const log = createLogger({ level: 'silent' });
const DAY = 24 * 3600 * 1000;
const leaf = (ca: CertKeyPem, role: TlsRole) => issueLeaf(ca, { commonName: role, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityMs: DAY, now: new Date() });

function servedSerial(port: number, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: caPem, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('HttpServer over HTTPS', () => {
  let server: HttpServer;
  afterEach(() => server.close());

  it('serves the provider\'s certificate, follows a rotation, and leaves client authentication to the routes', async () => {
    const ca = await createCa('test-ca', 10 * DAY, new Date());
    const provider = new MemoryCertificateProvider();
    provider.update(ca.certPem, await leaf(ca, TLS_ROLES.operator));
    server = new HttpServer({ host: '127.0.0.1', port: 0, log, https: true });
    const access = { kind: 'client-certificate', allowedRoles: [TLS_ROLES.routingClient] } as const;
    server.addRoute('GET', /\/who/, (req, res) => {
      const verdict = clientCertificateVerdict(clientPeerOf(req), access);
      sendJson(res, verdict.allowed ? 200 : verdict.status, verdict);
    });
    const subscription = await followCertificates(provider, (context) => server.setSecureContext(context));
    const port = await server.listen();

    const client = await leaf(ca, TLS_ROLES.routingClient);
    expect((await probe(`https://127.0.0.1:${port}/who`, { ca: ca.certPem, cert: client.certPem, key: client.keyPem })).status).toBe(200);
    expect((await probe(`https://127.0.0.1:${port}/who`, { ca: ca.certPem })).status).toBe(401);

    const other = await createCa('other-ca', 10 * DAY, new Date());
    const rogue = await leaf(other, TLS_ROLES.routingClient);
    await expect(probe(`https://127.0.0.1:${port}/who`, { ca: ca.certPem, cert: rogue.certPem, key: rogue.keyPem })).rejects.toThrow();

    const renewed = await leaf(ca, TLS_ROLES.operator);
    provider.update(ca.certPem, renewed);
    await new Promise((r) => setImmediate(r));
    expect(await servedSerial(port, ca.certPem)).toBe(new X509Certificate(renewed.certPem).serialNumber);
    subscription.stop();
  });

  it('refuses setSecureContext on a plain HTTP server', () => {
    server = new HttpServer({ host: '127.0.0.1', port: 0, log });
    expect(() => server.setSecureContext({})).toThrow('setSecureContext needs an https server');
  });
});
