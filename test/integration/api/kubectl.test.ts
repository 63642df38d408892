/**
 * What a person sees with the real kubectl: printer columns, the `quidditch` category and
 * `kubectl explain` descriptions all come from the CRDs.
 */
import { API_GROUP, API_VERSION, quidditchIndexDefinition } from '../../../lib/api/v1';
import { createTestNamespace, deleteNamespace, kubectl } from '../../support/kube';

const apiVersion = `${API_GROUP}/${API_VERSION}`;
let ns: string;

const manifests = (namespace: string) =>
  [
    { apiVersion, kind: 'QuidditchIndex', metadata: { name: 'products', namespace }, spec: { shards: 3, replicas: 2 } },
    { apiVersion, kind: 'QuidditchNode', metadata: { name: 'data-0', namespace }, spec: { nodeType: 'DATA', address: '127.0.0.1:9303' } },
    { apiVersion, kind: 'ShardAllocation', metadata: { name: 'products-0-primary', namespace }, spec: { indexName: 'products', shardId: 0, isPrimary: true, assignedNode: 'data-0' } },
  ].map((m) => JSON.stringify(m));

async function ok(args: string[], stdin?: string): Promise<string> {
  const res = await kubectl(args, { stdin });
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
  return res.stdout;
}

const words = (line: string | undefined) => (line ?? '').trim().split(/\s+/);

beforeAll(async () => {
  ns = await createTestNamespace('kubectl');
  await ok(['apply', '--server-side', '--field-manager=quidditch-test', '-f', '-'], manifests(ns).join('\n---\n'));
});
afterAll(async () => {
  await deleteNamespace(ns);
});

describe('kubectl against the Quidditch CRDs', () => {
  it('prints the SHARDS REPLICAS STATE HEALTH DOCS SIZE AGE columns for qidx', async () => {
    const [header, row] = (await ok(['get', 'qidx', '-n', ns])).trimEnd().split('\n');
    expect(words(header)).toEqual(['NAME', 'SHARDS', 'REPLICAS', 'STATE', 'HEALTH', 'DOCS', 'SIZE', 'AGE']);
    // No operator runs here, so STATE, HEALTH, DOCS and SIZE are empty and the row has only 4 values.
    expect(words(row).slice(0, 3)).toEqual(['products', '3', '2']);
  });

  it('prints the TYPE TIER STATE SHARDS COPIES-LEFT ZONE LAST-HEARTBEAT columns for qnode', async () => {
    const [header, row] = (await ok(['get', 'qnode', '-n', ns])).trimEnd().split('\n');
    expect(words(header)).toEqual(['NAME', 'TYPE', 'TIER', 'STATE', 'SHARDS', 'COPIES-LEFT', 'ZONE', 'LAST-HEARTBEAT']);
    expect(words(row)).toEqual(['data-0', 'DATA', 'hot']);
  });

  it('lists all three kinds under the quidditch category', async () => {
    const out = await ok(['get', 'quidditch', '-n', ns, '-o', 'name']);
    expect(out.trim().split('\n').sort()).toEqual([
      'quidditchindex.quidditch.io/products',
      'quidditchnode.quidditch.io/data-0',
      'shardallocation.quidditch.io/products-0-primary',
    ]);
  });

  it('refuses to apply an index whose settings say number_of_shards, naming spec.shards', async () => {
    const bad = { apiVersion, kind: 'QuidditchIndex', metadata: { name: 'contradicts', namespace: ns }, spec: { shards: 2, settings: { number_of_shards: '5', refresh_interval: '1s' } } };
    const res = await kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(bad) });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(
      'The QuidditchIndex "contradicts" is invalid: spec.settings: Invalid value: "object": number_of_shards cannot be set in spec.settings (bare, index.-prefixed or under index): it is spec.shards. Remove it from spec.settings and set spec.shards',
    );
    expect((await kubectl(['get', 'qidx', 'contradicts', '-n', ns])).code).not.toBe(0);
  });

  it('explains quidditchindex.spec.shards with its schema description', async () => {
    const out = await ok(['explain', 'quidditchindex.spec.shards']);
    expect(out).toMatch(/FIELD:\s+shards <integer>/);
    // kubectl wraps long descriptions; compare with whitespace collapsed.
    const description = quidditchIndexDefinition.specSchema.properties?.shards.description ?? '';
    expect(description.length).toBeGreaterThan(20);
    expect(out.replace(/\s+/g, ' ')).toContain(description.replace(/\s+/g, ' '));
  });
});
