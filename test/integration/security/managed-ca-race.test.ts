/**
 * The operator-managed CA against the real API server: replicas that start together end up with
 * one CA (the create conflict decides), and a CA Secret without a key is reported, not replaced.
 */
import { X509Certificate } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import pino from 'pino';
import { ManagedCertificates } from '../../../lib/operator/tls/managed-certificates';
import { createTestNamespace, testKubeConfig, waitFor } from '../../support/kube';

const kubeConfig = testKubeConfig();
const core = kubeConfig.makeApiClient(CoreV1Api);
const log = pino({ enabled: false });
let namespace: string;

const managed = (caSecret: string, caPropagationMs = 300_000) =>
  new ManagedCertificates({
    kubeConfig, namespace, caSecret, dataNodeSecret: `${caSecret}-data`, dataNodeDnsNames: ['*.data.svc'],
    certValidityMs: 3_600_000, caValidityMs: 7_200_000, caPropagationMs, log,
  });
const secretText = async (name: string, key: string) => Buffer.from((await core.readNamespacedSecret({ name, namespace })).data![key], 'base64').toString();

/** The CA a replica's client certificate provider trusts. */
const trustedCa = (m: ManagedCertificates) =>
  new Promise<string>((resolve) => m.provider.addCaCertificateListener((u) => u && resolve(u.caCertificate.toString())));

beforeAll(async () => {
  namespace = await createTestNamespace('managed-ca');
});

describe('the operator-managed CA', () => {
  it('is created once when three replicas start together, and all three trust it', async () => {
    const replicas = [managed('race-ca'), managed('race-ca'), managed('race-ca')];
    try {
      await Promise.all(replicas.map((r) => r.start()));
      const cas = await Promise.all(replicas.map(trustedCa));
      expect(new Set(cas).size).toBe(1);
      const stored = await core.readNamespacedSecret({ name: 'race-ca', namespace });
      // The bundle every replica trusts is the CA's certificate alone (no rotation under way).
      expect(Buffer.from(stored.data!['ca.crt'], 'base64').toString()).toBe(cas[0]);
      expect(Buffer.from(stored.data!['tls.crt'], 'base64').toString().trim()).toBe(cas[0].trim());
      const data = await core.readNamespacedSecret({ name: 'race-ca-data', namespace });
      const leaf = new X509Certificate(Buffer.from(data.data!['tls.crt'], 'base64'));
      expect(leaf.verify(new X509Certificate(cas[0]).publicKey)).toBe(true);
    } finally {
      replicas.forEach((r) => r.stop());
    }
  });

  it('refuses a CA Secret that holds no key, naming it and the fix', async () => {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'broken-ca' }, data: { 'tls.crt': Buffer.from('x').toString('base64') } } });
    await expect(managed('broken-ca').start()).rejects.toThrow(
      `Secret ${namespace}/broken-ca holds no tls.crt and tls.key; delete it to let the operator create a new CA, or fill it with one`,
    );
  });

  it('creates a new CA when its Secret is deleted, and reissues the leaves written from the old one', async () => {
    // A 3 s propagation wait makes the operator look every second.
    const replica = managed('deleted-ca', 3_000);
    try {
      await replica.start();
      const oldLeaf = await secretText('deleted-ca-data', 'tls.crt');
      // As after a few rotations: the leaf Secret was written from CA generation 7.
      const leaf = await core.readNamespacedSecret({ name: 'deleted-ca-data', namespace });
      leaf.metadata!.annotations = { ...leaf.metadata!.annotations, 'quidditch.io/ca-generation': '7' };
      await core.replaceNamespacedSecret({ name: 'deleted-ca-data', namespace, body: leaf });
      await core.deleteNamespacedSecret({ name: 'deleted-ca', namespace });
      const newCa = await waitFor(async () => {
        const ca = await secretText('deleted-ca', 'tls.crt').catch(() => undefined);
        return ca && !new X509Certificate(oldLeaf).verify(new X509Certificate(ca).publicKey) ? ca : undefined;
      }, { timeoutMs: 20_000, intervalMs: 100, description: 'a new CA in deleted-ca' });
      await waitFor(async () => new X509Certificate(await secretText('deleted-ca-data', 'tls.crt')).verify(new X509Certificate(newCa).publicKey), {
        timeoutMs: 20_000, intervalMs: 100, description: 'the data-node certificate reissued by the new CA',
      });
      expect((await secretText('deleted-ca-data', 'ca.crt')).trim()).toBe(newCa.trim());
      expect(replica.failedPasses).toBe(0);
    } finally {
      replica.stop();
    }
  });
});
