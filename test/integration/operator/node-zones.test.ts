import { CoreV1Api } from '@kubernetes/client-node';
import { ZONE_LABEL } from '../../../lib/api/v1';
import { KubernetesNodeZones } from '../../../lib/operator/kube/node-zones';
import { testKubeConfig } from '../../support/kube';

// How soon a changed zone label is seen (--zone-cache-ttl): a Node is read again once its answer is
// older than the TTL, and not before. Against the real API server; the clock is the test's.
const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const name = `zone-ttl-${Math.random().toString(16).slice(2, 8)}`;

beforeAll(async () => {
  await core.createNode({ body: { metadata: { name, labels: { [ZONE_LABEL]: 'zone-a' } } } });
});

afterAll(async () => {
  await core.deleteNode({ name }).catch(() => undefined);
});

const relabel = (zone: string) =>
  core.patchNode({ name, body: [{ op: 'replace', path: `/metadata/labels/${ZONE_LABEL.replace('/', '~1')}`, value: zone }] });

describe('KubernetesNodeZones', () => {
  it('reuses a Node\'s zone for the TTL and reads the changed label once it has passed', async () => {
    let now = 1_000_000;
    const zones = new KubernetesNodeZones(kc, { ttlMs: 30_000, now: () => now });
    expect(await zones.lookup(name)).toEqual({ kind: 'found', node: name, zone: 'zone-a' });
    await relabel('zone-b');
    now += 29_999;
    expect(await zones.lookup(name)).toEqual({ kind: 'found', node: name, zone: 'zone-a' });
    now += 1;
    expect(await zones.lookup(name)).toEqual({ kind: 'found', node: name, zone: 'zone-b' });
  });

  it('reads the Node on every lookup with a TTL of 0', async () => {
    const zones = new KubernetesNodeZones(kc, { ttlMs: 0, now: () => 5 });
    await relabel('zone-c');
    expect(await zones.lookup(name)).toMatchObject({ zone: 'zone-c' });
    await relabel('zone-d');
    expect(await zones.lookup(name)).toMatchObject({ zone: 'zone-d' });
  });
});
