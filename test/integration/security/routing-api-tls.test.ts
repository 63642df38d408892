/**
 * Issue 15, item 4 against the real API server, the operator a real process with its own CA: the
 * routing API (8080) answers routes only over HTTPS to a client certificate of the cluster's CA
 * with an allowed role — the one in the routing-client Secret the operator keeps, or a data node's.
 * No certificate: 401; another role: 403; another CA: the connection ends; plain HTTP: nothing.
 * /healthz and /readyz need no client certificate (the kubelet probes HTTPS without one). The
 * operator's certificates live 6 s, so the server certificate rotates during the tests.
 */
import { X509Certificate } from 'node:crypto';
import { connect, type PeerCertificate } from 'node:tls';
import { TLS_FILES } from '../../../lib/operator/tls/grpc-security';
import { probe, type ProbeOptions } from '../../support/http-probe';
import { createTestNamespace, waitFor } from '../../support/kube';
import { createTestPki, namespaceTls, TLS_ROLES } from '../../support/test-tls';
import { Cluster } from '../operator/fixtures';
import { OperatorProcess, stopAll } from '../operator/harness';

const CLIENT_SECRET = 'quidditch-routing-client-tls';

let cluster: Cluster;
let operator: OperatorProcess;
let caPem: string;

const routes = () => operator.url(`/v1/namespaces/${cluster.namespace}/indices/products/routing`);

/** The serial number of the certificate the routing API serves now (server verified against the CA). */
function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: operator.httpPort, ca: caPem, servername: 'localhost' }, () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      socket.end();
      resolve(cert.serialNumber);
    });
    socket.on('error', reject);
  });
}

/**
 * What a coordinating node has mounted: the Secret the operator keeps filled, read afresh (as the
 * kubelet refreshes it), since these 6 s certificates are replaced every 4 s.
 */
async function mounted(): Promise<ProbeOptions> {
  const files = await waitFor(() => cluster.secretData(CLIENT_SECRET), { timeoutMs: 30_000, description: 'the operator to fill the routing-client Secret' });
  return { ca: files[TLS_FILES.ca], cert: files[TLS_FILES.cert], key: files[TLS_FILES.key] };
}

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('routing-tls'));
  operator = await OperatorProcess.start({ namespace: cluster.namespace, ownCa: true, args: ['--tls-cert-validity=6', '--tls-ca-validity=3600'] });
  caPem = (await mounted()).ca!;
  await cluster.createIndex('products', 2, 0);
}, 120_000);

afterAll(() => stopAll());

describe('the routing API over HTTPS with client certificates', () => {
  it('serves routes to the certificate of the routing-client Secret, which names the role and the CA', async () => {
    const client = await mounted();
    expect(new X509Certificate(client.cert!).subject).toBe(`CN=${TLS_ROLES.routingClient}`);
    expect(new X509Certificate(client.cert!).verify(new X509Certificate(caPem).publicKey)).toBe(true);
    await waitFor(async () => (await probe(routes(), await mounted())).status === 200, { timeoutMs: 15_000, intervalMs: 200, description: 'routes for products' });
    const answer = JSON.parse((await probe(routes(), await mounted())).body) as { shards?: unknown[] };
    expect(answer.shards).toHaveLength(2);
  });

  it('serves routes to a data node\'s certificate of the same CA (data nodes coordinate searches)', async () => {
    const pki = await namespaceTls(cluster.namespace); // reads the operator's CA from its Secret
    const pair = await pki.issue(TLS_ROLES.dataNode);
    expect((await probe(routes(), { ca: caPem, cert: pair.certPem, key: pair.keyPem })).status).toBe(200);
  });

  it('answers 401 naming what to present when no client certificate is presented', async () => {
    const res = await probe(routes(), { ca: caPem });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error).toContain(`no client certificate. Present a certificate of the cluster's CA with CN ${TLS_ROLES.routingClient} or ${TLS_ROLES.dataNode}`);
  });

  it('answers 403 naming the role to a certificate of the CA with another role (the operator\'s)', async () => {
    const pki = await namespaceTls(cluster.namespace);
    const pair = await pki.issue(TLS_ROLES.operator);
    const res = await probe(routes(), { ca: caPem, cert: pair.certPem, key: pair.keyPem });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toBe(`Unable to serve routes to CN=${TLS_ROLES.operator}: only ${TLS_ROLES.routingClient} or ${TLS_ROLES.dataNode} may read the routing API. Use the <cluster>-routing-client-tls certificate.`);
  });

  it('ends the connection for a routing-client certificate of another CA: nothing is served', async () => {
    const rogue = await createTestPki();
    const pair = await rogue.issue(TLS_ROLES.routingClient);
    await expect(probe(routes(), { ca: caPem, cert: pair.certPem, key: pair.keyPem })).rejects.toThrow();
    // The port still serves the legitimate client afterwards.
    expect((await probe(routes(), await mounted())).status).toBe(200);
  });

  it('serves nothing over plain HTTP', async () => {
    const outcome = await probe(`http://127.0.0.1:${operator.httpPort}/v1/namespaces/${cluster.namespace}/indices/products/routing`).then(
      (res) => `HTTP ${res.status}`,
      () => 'connection ended',
    );
    // Node's https server answers a plaintext request with a bare 400 and closes, or just closes: no routes.
    expect(outcome).toMatch(/^(connection ended|HTTP 400)$/);
  });

  it('answers /healthz and /readyz without a client certificate, as the kubelet probes them', async () => {
    for (const path of ['/healthz', '/readyz']) {
      expect(await probe(operator.url(path), { ca: caPem })).toEqual({ status: 200, body: 'ok\n' });
      expect((await probe(operator.url(path), { insecureSkipVerify: true })).status).toBe(200);
    }
  });

  it('serves a renewed server certificate without a restart, and routing clients keep reading', async () => {
    const first = await servedSerial();
    // 6 s certificates are renewed after 4 s: wait for the served one to change.
    await waitFor(async () => (await servedSerial()) !== first, { timeoutMs: 20_000, intervalMs: 500, description: 'a renewed server certificate' });
    expect((await probe(routes(), await mounted())).status).toBe(200);
  });
});
