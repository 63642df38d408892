/**
 * Issue 15, items 2 and 5 against the real API server, with the operator and data nodes as real
 * processes: the operator creates its own CA and the data nodes' certificate Secret; the test copies
 * that Secret into the sims' TLS directory whenever it changes, as the kubelet refreshes a Secret
 * volume. Shard RPCs then run over mutual TLS; a plaintext client, a node without a certificate and
 * a node of another CA get nothing; and certificates that live 6 s rotate under load without a
 * failed reconcile.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { DataNodeClient } from '../../../lib/operator/datanode/client';
import { INSECURE_PLAINTEXT_GRPC, TLS_FILES } from '../../../lib/operator/tls/grpc-security';
import { createTestNamespace, waitFor } from '../../support/kube';
import { createTestPki, TLS_ROLES } from '../../support/test-tls';
import { SecretVolume } from '../../support/secret-volume';
import { Cluster } from '../operator/fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from '../operator/harness';

const CA_SECRET = 'quidditch-ca';
const DATA_SECRET = 'quidditch-data-node-tls';
const ref = { namespace: '', indexName: 'probe', indexUid: 'u', shardId: 0, primary: true };

let cluster: Cluster;
let operator: OperatorProcess;
let sims: SimProcess[];
let tlsDir: string;
let syncing = true;
let sync: Promise<void>;
/** Serial numbers of every data-node certificate the "kubelet" copied, in order. */
const served: string[] = [];
const clients: DataNodeClient[] = [];

/**
 * What the kubelet does for a Secret volume (its AtomicWriter): write every file into a new
 * directory, then swap the `..data` symlink, so a reader never sees a new certificate with an old key.
 */
async function kubeletSync(): Promise<void> {
  let last = '';
  const volume = new SecretVolume(tlsDir);
  while (syncing) {
    const data = await cluster.secretData(DATA_SECRET).catch(() => undefined);
    const cert = data?.[TLS_FILES.cert];
    if (data && cert && cert !== last) {
      volume.write(Object.fromEntries(Object.values(TLS_FILES).map((file) => [file, data[file]])));
      last = cert;
      served.push(new X509Certificate(cert).serialNumber);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const node = (sim: SimProcess) => ({ name: sim.name, address: `127.0.0.1:${sim.grpcPort}` });
const newClient = (security: ConstructorParameters<typeof DataNodeClient>[0]['security']) => {
  const c = new DataNodeClient({ security, deadlineMs: 2000, maxAttempts: 1 });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('grpc-mtls'));
  ref.namespace = cluster.namespace;
  tlsDir = mkdtempSync(join(tmpdir(), 'quidditch-kubelet-'));
  // Certificates of 6 s are renewed every 4 s: several rotations happen during the tests.
  operator = await OperatorProcess.start({
    namespace: cluster.namespace, ownCa: true,
    args: ['--tls-cert-validity=6', '--tls-ca-validity=3600', '--heartbeat-timeout=10', '--node-left-delay=30'],
  });
  await waitFor(async () => (await cluster.secretData(DATA_SECRET)) !== undefined, { timeoutMs: 30_000, description: 'the operator to fill the data-node Secret' });
  sync = kubeletSync();
  await waitFor(() => served.length > 0, { timeoutMs: 10_000, description: 'the first certificate in the TLS directory' });
  sims = await Promise.all(['data-0', 'data-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace, tlsDir, extraArgs: ['--tls-refresh-ms=300'] })));
  await waitFor(async () => (await Promise.all(sims.map((s) => cluster.node(s.name)))).every((n) => n?.status?.state === 'HEALTHY'), {
    timeoutMs: 30_000, intervalMs: 200, description: 'two HEALTHY data nodes',
  });
}, 120_000);

afterAll(async () => {
  syncing = false;
  await sync;
  clients.forEach((c) => c.close());
  await stopAll();
});

afterEach(() => {
  const state = expect.getState();
  if (state.assertionCalls !== state.numPassingAsserts) process.stderr.write(`${allLogs(120)}\n`);
});

describe('mutual TLS between the operator and the data nodes', () => {
  it('the operator creates its CA and signs the data nodes\' certificate with it', async () => {
    const ca = (await cluster.secretData(CA_SECRET))!;
    const data = (await cluster.secretData(DATA_SECRET))!;
    expect(Object.keys(ca).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    const caCert = new X509Certificate(ca['tls.crt']);
    const leaf = new X509Certificate(data['tls.crt']);
    expect(caCert.ca).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.subject).toBe(`CN=${TLS_ROLES.dataNode}`);
    // No rotation under way: the bundle the data nodes trust is the CA's certificate alone.
    expect(data['ca.crt']).toBe(ca['ca.crt']);
    expect(ca['ca.crt'].trim()).toBe(ca['tls.crt'].trim());
  });

  it('creates every copy over mutual TLS', async () => {
    await cluster.createIndex('secure', 2, 1);
    const index = await cluster.waitForActive('secure');
    expect(index.status?.health).toBe('green');
    const created = (await Promise.all(sims.map((s) => s.stats()))).reduce((n, s) => n + s.stats.createEffective, 0);
    expect(created).toBe(4);
  });

  it('a plaintext client gets nothing from 9303', async () => {
    const before = (await sims[0].stats()).stats.createCalls;
    const plaintext = newClient(INSECURE_PLAINTEXT_GRPC);
    await expect(plaintext.listShards(node(sims[0]))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(plaintext.createShard(node(sims[0]), { shard: ref })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect((await sims[0].stats()).stats.createCalls).toBe(before);
  });

  it('a client with a certificate of another CA gets nothing, even named as the operator', async () => {
    const before = (await sims[0].stats()).stats.createCalls;
    const impostor = newClient(await (await createTestPki()).security(TLS_ROLES.operator));
    await expect(impostor.createShard(node(sims[0]), { shard: ref })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect((await sims[0].stats()).stats.createCalls).toBe(before);
  });

  it('rotates every certificate before it expires without a failed reconcile', async () => {
    // Three data-node certificates served (two renewals), and the operator renewed its own.
    await waitFor(() => served.length >= 3, { timeoutMs: 30_000, intervalMs: 250, description: 'two renewals of the data-node certificate' });
    expect(new Set(served).size).toBe(served.length);
    expect(operator.logs().split('\n').filter((l) => l.includes('issued the operator\'s certificate (gRPC client, routing API server)')).length).toBeGreaterThanOrEqual(2);
    const failedReconciles = async () => (await operator.metrics()).split('\n').filter((l) => /^reconcile_total\{.*result="(retry|terminal)"/.test(l) && !/ 0$/.test(l));
    expect(await failedReconciles()).toEqual([]);
    expect(operator.logs()).not.toContain('Unable to renew TLS certificates');
    // A restarted node handshakes afresh, with the current certificates on both sides (the first ones
    // long expired). Calls while it is down may fail; that is the restart, not the rotation.
    const [, restarted] = sims;
    await restarted.stop();
    sims[1] = await SimProcess.start({ name: 'data-1', namespace: cluster.namespace, tlsDir, port: restarted.grpcPort, extraArgs: ['--tls-refresh-ms=300'] });
    await cluster.createIndex('after-rotation', 2, 1);
    const index = await cluster.waitForActive('after-rotation');
    expect(index.status?.health).toBe('green');
    expect((await sims[1].stats()).shards.filter((s) => s.shard.indexName === 'after-rotation')).toHaveLength(2);
  }, 90_000);

  it('the operator refuses a data node that presents no certificate or one of another CA', async () => {
    const otherCa = await (await createTestPki()).files(TLS_ROLES.dataNode);
    const rogues = await Promise.all([
      SimProcess.start({ name: 'rogue-plaintext', namespace: cluster.namespace, extraArgs: ['--insecure-plaintext-grpc'] }),
      SimProcess.start({ name: 'rogue-other-ca', namespace: cluster.namespace, tlsDir: otherCa }),
    ]);
    try {
      // Registered and heartbeating, so the allocator places copies on them; the handshake refuses both.
      await waitFor(async () => (await Promise.all(rogues.map((r) => cluster.node(r.name)))).every((n) => n?.status?.state === 'HEALTHY'), {
        timeoutMs: 30_000, intervalMs: 200, description: 'the rogue nodes registered',
      });
      await cluster.createIndex('rogue-probe', 4, 1);
      const index = await cluster.waitForIndex('rogue-probe', (i) => {
        const ready = i.status?.conditions?.find((c) => c.type === 'Ready');
        // Whichever call reaches a rogue first (a create, or the ListShards that checks what a node not
        // yet streaming holds before a replica is placed there) is refused by the handshake.
        return ready?.reason === 'NodeUnreachable' && rogues.every((r) => ready.message.includes(`${r.name}: Unable to `));
      }, 'Ready=False NodeUnreachable naming both rogue nodes', 45_000);
      const message = index.status!.conditions!.find((c) => c.type === 'Ready')!.message;
      expect(message).toContain('self-signed certificate in certificate chain'); // another CA
      expect(message).toContain('wrong version number'); // no TLS, so no certificate
      for (const rogue of rogues) expect({ node: rogue.name, createCalls: (await rogue.stats()).stats.createCalls }).toEqual({ node: rogue.name, createCalls: 0 });
    } finally {
      for (const rogue of rogues) {
        await rogue.stop();
        await cluster.nodes.delete(cluster.namespace, rogue.name);
      }
    }
  }, 120_000);
});
