/**
 * Issue 15: the operator-managed CA rotates itself without a failed call. Against the real API
 * server, with a CA of 30 s (its rotation is due at 20 s), certificates of 9 s and a propagation
 * wait of 4 s (the "kubelet" below copies a changed Secret within 1 s, the sim re-reads its files
 * every 0.3 s): the operator's ManagedCertificates keeps the Secrets; the test copies the data-node
 * Secret into a datanode-sim's TLS directory whenever it changes (as the kubelet does), and calls
 * the sim over mutual TLS on a new connection (a fresh handshake) every 150 ms with the operator's
 * certificates. Mid-rotation the "operator" is restarted: a new ManagedCertificates continues from
 * the state in the CA Secret.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DataNodeClient } from '../../../lib/operator/datanode/client';
import { mutualTls, TLS_FILES } from '../../../lib/operator/tls/grpc-security';
import { ManagedCertificates } from '../../../lib/operator/tls/managed-certificates';
import { createTestNamespace, testKubeConfig, waitFor } from '../../support/kube';
import { SecretVolume } from '../../support/secret-volume';
import { Cluster } from '../operator/fixtures';
import { SimProcess, stopAll } from '../operator/harness';

const CA = 'rot-ca';
const DATA = 'rot-data';
const ROUTING = 'rot-routing';
const kubeConfig = testKubeConfig();

let cluster: Cluster;
let sim: SimProcess;
let tlsDir: string;
let running = true;
const loops: Promise<void>[] = [];
/** Every version of the data-node files the "kubelet" copied, in order. */
const served: { cert: string; bundle: string }[] = [];
/** Rotation steps logged by every ManagedCertificates, in order. */
const steps: string[] = [];
const calls = { ok: 0, failed: [] as string[] };
const replicas: ManagedCertificates[] = [];
let operator: ManagedCertificates;

const log = pino({ level: 'info' }, {
  write(line: string) {
    const entry = JSON.parse(line) as { step?: string };
    if (entry.step) steps.push(entry.step);
  },
});

function startOperator(): Promise<void> {
  const m = new ManagedCertificates({
    kubeConfig, namespace: cluster.namespace, caSecret: CA, dataNodeSecret: DATA, dataNodeDnsNames: ['localhost'],
    operatorNames: ['127.0.0.1'], routingClientSecret: ROUTING, certValidityMs: 9_000, caValidityMs: 30_000, caPropagationMs: 4_000, log,
  });
  replicas.push(m);
  return m.start().then(() => {
    operator = m;
  });
}

/**
 * The kubelet's AtomicWriter: new files in a new directory, then one symlink swap. It looks once a
 * second, so (like the real one) it can miss a version that lived shorter than that: a rotation
 * that did not wait would show up as a new certificate served together with its CA, or as a failed call.
 */
async function kubelet(): Promise<void> {
  const volume = new SecretVolume(tlsDir);
  while (running) {
    const data = await cluster.secretData(DATA).catch(() => undefined);
    const last = served.at(-1);
    if (data?.[TLS_FILES.cert] && (data[TLS_FILES.cert] !== last?.cert || data[TLS_FILES.ca] !== last?.bundle)) {
      volume.write(Object.fromEntries(Object.values(TLS_FILES).map((file) => [file, data[file]])));
      served.push({ cert: data[TLS_FILES.cert], bundle: data[TLS_FILES.ca] });
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** What a reconcile does to a data node, on a new connection each time, with the operator's current certificates. */
async function callLoop(): Promise<void> {
  while (running) {
    // A local subchannel pool: grpc-js would otherwise reuse the open connection (no new handshake).
    const client = new DataNodeClient({ security: mutualTls(operator.provider), deadlineMs: 2000, maxAttempts: 1, channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
    try {
      await client.listShards({ name: sim.name, address: `127.0.0.1:${sim.grpcPort}` });
      calls.ok++;
    } catch (err) {
      calls.failed.push((err as Error).message);
    } finally {
      client.close();
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

const certsOf = (bundle: string) => bundle.split(/(?<=-----END CERTIFICATE-----\n?)/).filter((p) => p.includes('BEGIN CERTIFICATE')).map((p) => new X509Certificate(p));
const signedBy = (leafPem: string, caPem: string) => new X509Certificate(leafPem).verify(new X509Certificate(caPem).publicKey);
const fingerprints = (bundle: string) => certsOf(bundle).map((c) => c.fingerprint256);

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('ca-rotation'));
  tlsDir = mkdtempSync(join(tmpdir(), 'quidditch-kubelet-'));
  await startOperator();
  loops.push(kubelet());
  await waitFor(() => served.length > 0, { timeoutMs: 10_000, description: 'the first certificate in the TLS directory' });
  sim = await SimProcess.start({ name: 'data-0', namespace: cluster.namespace, tlsDir, extraArgs: ['--tls-refresh-ms=300'] });
  loops.push(callLoop());
}, 60_000);

afterAll(async () => {
  running = false;
  await Promise.all(loops);
  replicas.forEach((r) => r.stop());
  await stopAll();
});

describe('rotation of the operator-managed CA', () => {
  it('trusts both CAs before the new one signs, reissues every certificate, survives a restart, and drops the old CA, with no failed call', async () => {
    const first = (await cluster.secretData(CA))!;
    const oldCa = first['tls.crt'];
    expect(fingerprints(first['ca.crt'])).toEqual(fingerprints(oldCa));

    // Phase 1 (trusting): a new CA, trusted alongside the old one, signing nothing yet.
    const trusting = await waitFor(async () => {
      const ca = await cluster.secretData(CA);
      return ca?.['next.crt'] ? ca : undefined;
    }, { timeoutMs: 40_000, intervalMs: 100, description: 'the CA Secret to hold a next CA' });
    const newCa = trusting['next.crt'];
    expect(trusting['tls.crt']).toBe(oldCa);
    expect(fingerprints(trusting['ca.crt'])).toEqual([...fingerprints(oldCa), ...fingerprints(newCa)]);

    // A new operator pod takes over mid-rotation (a rolling update: it starts, then the old one stops),
    // knowing nothing but what the CA Secret says. Starting it first keeps the old one's pace: a
    // rotation that did not wait for propagation would swap right away, with nothing to slow it.
    await startOperator();
    replicas[0].stop();

    // Both leaf Secrets carry both CAs, while their certificates are still the old CA's.
    for (const name of [DATA, ROUTING]) {
      const both = await waitFor(async () => {
        const s = await cluster.secretData(name);
        return s && fingerprints(s['ca.crt']).length === 2 ? s : undefined;
      }, { timeoutMs: 20_000, intervalMs: 100, description: `${name} to carry both CAs` });
      expect(fingerprints(both['ca.crt'])).toEqual([...fingerprints(oldCa), ...fingerprints(newCa)]);
    }

    // The operator trusts both too (its gRPC channels and the routing API's client verification).
    const trustedByOperator = await new Promise<string>((resolve) => operator.provider.addCaCertificateListener((u) => u && resolve(u.caCertificate.toString())));
    expect(new Set(fingerprints(trustedByOperator))).toEqual(new Set([...fingerprints(oldCa), ...fingerprints(newCa)]));

    // Phase 2 (retiring): the new CA signs; the leaves are reissued by it.
    for (const name of [DATA, ROUTING]) {
      await waitFor(async () => {
        const s = await cluster.secretData(name);
        return s && signedBy(s['tls.crt'], newCa);
      }, { timeoutMs: 20_000, intervalMs: 100, description: `${name} to hold a certificate of the new CA` });
    }
    // The new operator went on with the CA created before it started, not another one.
    const swapped = (await cluster.secretData(CA))!;
    expect(swapped['tls.crt']).toBe(newCa);
    // It is restarted in this phase too (stopped, then started): the next one retires the old CA.
    replicas[1].stop();
    await startOperator();

    // Phase 3: the old CA is dropped from the CA Secret and from both leaf Secrets.
    const done = await waitFor(async () => {
      const ca = await cluster.secretData(CA);
      return ca && !ca['previous.crt'] && ca['tls.crt'] === newCa ? ca : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100, description: 'the old CA to be retired' });
    expect(fingerprints(done['ca.crt'])).toEqual(fingerprints(newCa));
    for (const name of [DATA, ROUTING]) {
      await waitFor(async () => {
        const s = await cluster.secretData(name);
        return s && fingerprints(s['ca.crt']).join() === fingerprints(newCa).join();
      }, { timeoutMs: 20_000, intervalMs: 100, description: `${name} to trust the new CA only` });
    }

    // The data node received the bundle before any certificate of the new CA, and ends trusting the new CA alone.
    const firstBundle = served.findIndex((v) => fingerprints(v.bundle).includes(fingerprints(newCa)[0]));
    const firstNewLeaf = served.findIndex((v) => signedBy(v.cert, newCa));
    expect(firstBundle).toBeGreaterThanOrEqual(0);
    expect(firstNewLeaf).toBeGreaterThan(firstBundle);
    const lastServed = await waitFor(() => served.findIndex((v) => fingerprints(v.bundle).join() === fingerprints(newCa).join()) + 1, {
      timeoutMs: 10_000, intervalMs: 100, description: 'the data node to be given the new CA alone',
    });
    // Calls keep working after the data node re-read its files (10 more fresh handshakes).
    const okBefore = calls.ok;
    await waitFor(() => calls.ok >= okBefore + 10 || calls.failed.length > 0, { timeoutMs: 20_000, intervalMs: 100, description: '10 more calls' });

    expect(lastServed).toBeGreaterThan(firstNewLeaf);
    expect(steps.slice(0, 4)).toEqual(['begin', 'publish', 'swap', 'retire']);
    expect(calls.failed).toEqual([]);
    expect(calls.ok).toBeGreaterThan(10);
    expect(replicas.map((r) => r.failedPasses)).toEqual([0, 0, 0]);
  }, 120_000);
});
