import { Testing } from 'cdk8s';
import { QuidditchCluster } from '../../../lib/cdk8s/cluster';
import { QuidditchIndex, QuidditchIndexProps } from '../../../lib/cdk8s/quidditch-index';
import { INDEX_LIMITS } from '../../../lib/api/v1/quidditch-index';

function synthIndex(id: string, props: QuidditchIndexProps) {
  const chart = Testing.chart();
  new QuidditchIndex(chart, id, props);
  return Testing.synth(chart);
}

function errorOf(id: string, props: QuidditchIndexProps): string {
  try {
    synthIndex(id, props);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected QuidditchIndex to throw');
}

describe('QuidditchIndex', () => {
  it('renders a typed QuidditchIndex named after its id', () => {
    expect(synthIndex('products', { shards: 5, replicas: 1, settings: { refresh_interval: '1s' } })).toEqual([
      expect.objectContaining({
        apiVersion: 'quidditch.io/v1',
        kind: 'QuidditchIndex',
        metadata: expect.objectContaining({ name: 'products' }),
        spec: { shards: 5, replicas: 1, settings: { refresh_interval: '1s' } },
      }),
    ]);
  });

  it('takes namespace and labels from its cluster and follows the CRDs in the output', () => {
    const chart = Testing.chart();
    const cluster = new QuidditchCluster(chart, 'search', { namespace: 'quidditch' });
    cluster.addIndex('products', { shards: 5, replicas: 1 });
    const objects = Testing.synth(chart);
    const index = objects.find((o) => o.kind === 'QuidditchIndex');
    expect(index.metadata).toEqual({
      name: 'products',
      namespace: 'quidditch',
      labels: expect.objectContaining({ 'app.kubernetes.io/instance': 'search', 'app.kubernetes.io/component': 'index' }),
    });
    const lastCrd = objects.map((o) => o.kind).lastIndexOf('CustomResourceDefinition');
    expect(objects.indexOf(index)).toBeGreaterThan(lastCrd);
  });

  it.each([
    ['0 shards', { shards: 0 }, `shards = 0: must be an integer from 1 to ${INDEX_LIMITS.maxShards}`],
    ['1001 shards', { shards: 1001 }, 'shards = 1001: must be an integer from 1 to 1000'],
    ['fractional shards', { shards: 1.5 }, 'shards = 1.5: must be an integer from 1 to 1000'],
    ['6 replicas', { shards: 1, replicas: 6 }, 'replicas = 6: must be an integer from 0 to 5'],
    ['-1 replicas', { shards: 1, replicas: -1 }, 'replicas = -1: must be an integer from 0 to 5'],
    ['too many settings', { shards: 1, settings: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v'])) }, 'settings = "129 keys": must have at most 128 keys'],
    ['a null setting', { shards: 1, settings: JSON.parse('{"analysis":{"analyzer":null}}') as never }, 'settings.analysis.analyzer = null: must be a string, number, boolean, a list of them or an object of settings'],
    ['number_of_shards under settings.index', { shards: 1, settings: { index: { number_of_shards: 3 } } }, 'settings = "{ number_of_shards: … }": must not set number_of_shards: shards says it. Remove it and set shards'],
    ['a bad namespace', { shards: 1, namespace: 'Q' }, 'namespace = "Q": must be a DNS-1123 label'],
  ])('rejects %s', (_what, props, expected) => {
    const message = errorOf('products', props);
    expect(message).toContain('Unable to synthesize QuidditchIndex products: 1 invalid prop. Fix:\n');
    expect(message).toContain(`  - ${expected}`);
  });

  it('rejects a name that is not a DNS subdomain', () => {
    expect(errorOf('Products', { shards: 1 })).toBe(
      'Unable to synthesize QuidditchIndex Products: 1 invalid prop. Fix:\n  - name = "Products": must be a DNS-1123 subdomain (lowercase letters, digits, \'-\' and \'.\')',
    );
  });
});
