/**
 * Bad specs are rejected by the API server itself (OpenAPI schema + CEL), with a message that
 * names the field and the rule. Each case asserts the server's own text.
 */
import { API_GROUP, API_VERSION, INDEX_LIMITS } from '../../../lib/api/v1';
import { createTestNamespace, deleteNamespace, testKubeConfig } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import { statusMessage } from '../../support/server-side-apply';

const kc = testKubeConfig();
const apiVersion = `${API_GROUP}/${API_VERSION}`;
let ns: string;

const collection = (plural: string) => `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/${plural}`;

async function send(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<{ status: number; message: string }> {
  const contentType = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  const res = await rawRequest(kc, { method, path, body: JSON.stringify(body), contentType });
  return { status: res.status, message: statusMessage(res.body) };
}

let counter = 0;
const index = (spec: unknown) => ({ apiVersion, kind: 'QuidditchIndex', metadata: { name: `idx-${++counter}` }, spec });
const node = (spec: unknown) => ({ apiVersion, kind: 'QuidditchNode', metadata: { name: `node-${++counter}` }, spec });
const shard = (spec: unknown) => ({ apiVersion, kind: 'ShardAllocation', metadata: { name: `shard-${++counter}` }, spec });

const manySettings = Object.fromEntries(Array.from({ length: INDEX_LIMITS.maxSettings + 1 }, (_, i) => [`setting_${i}`, 'x']));
const manyFields = Object.fromEntries(Array.from({ length: INDEX_LIMITS.maxMappingFields + 1 }, (_, i) => [`field_${i}`, { type: 'keyword' }]));

beforeAll(async () => {
  ns = await createTestNamespace('validation');
});
afterAll(async () => {
  await deleteNamespace(ns);
});

describe('the API server rejects invalid Quidditch resources on create', () => {
  const cases: Array<[string, string, object, string]> = [
    ['shards 0', 'quidditchindices', index({ shards: 0 }), 'spec.shards: Invalid value: 0: spec.shards in body should be greater than or equal to 1'],
    ['shards 1001', 'quidditchindices', index({ shards: 1001 }), 'spec.shards: Invalid value: 1001: spec.shards in body should be less than or equal to 1000'],
    ['replicas 6', 'quidditchindices', index({ shards: 1, replicas: 6 }), 'spec.replicas: Invalid value: 6: spec.replicas in body should be less than or equal to 5'],
    ['replicas -1', 'quidditchindices', index({ shards: 1, replicas: -1 }), 'spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0'],
    ['shards as a string', 'quidditchindices', index({ shards: 'three' }), 'spec.shards: Invalid value: "string": spec.shards in body must be of type integer: "string"'],
    ['a missing shards', 'quidditchindices', index({ replicas: 1 }), 'spec.shards: Required value'],
    ['129 settings', 'quidditchindices', index({ shards: 1, settings: manySettings }), 'spec.settings: Too many: 129: must have at most 128 items'],
    ['a settings.index that is not an object', 'quidditchindices', index({ shards: 1, settings: { index: '1s' } }), 'spec.settings.index: Invalid value: "string": spec.settings.index in body must be of type object: "string"'],
    ['number_of_shards in settings', 'quidditchindices', index({ shards: 1, settings: { number_of_shards: '3' } }), 'spec.settings: Invalid value: "object": number_of_shards cannot be set in spec.settings (bare, index.-prefixed or under index): it is spec.shards. Remove it from spec.settings and set spec.shards'],
    ['index.number_of_replicas in settings', 'quidditchindices', index({ shards: 1, settings: { 'index.number_of_replicas': '2' } }), 'spec.settings: Invalid value: "object": number_of_replicas cannot be set in spec.settings (bare, index.-prefixed or under index): it is spec.replicas. Remove it from spec.settings and set spec.replicas'],
    ['number_of_shards under settings.index', 'quidditchindices', index({ shards: 1, settings: { index: { number_of_shards: 3, refresh_interval: '1s' } } }), 'spec.settings: Invalid value: "object": number_of_shards cannot be set in spec.settings (bare, index.-prefixed or under index): it is spec.shards.'],
    ['mappings with 1001 fields', 'quidditchindices', index({ shards: 1, mappings: { properties: manyFields } }), 'spec.mappings.properties: Too many: 1001: must have at most 1000 items'],
    ['an unknown mappings.dynamic', 'quidditchindices', index({ shards: 1, mappings: { dynamic: 'maybe' } }), 'spec.mappings.dynamic: Unsupported value: "maybe": supported values: "true", "false", "strict", "runtime"'],
    ['an unknown nodeType', 'quidditchnodes', node({ nodeType: 'MASTER', address: 'data-0:9303' }), 'spec.nodeType: Unsupported value: "MASTER": supported values: "DATA", "INGEST", "COORDINATING"'],
    ['an unknown tier', 'quidditchnodes', node({ nodeType: 'DATA', tier: 'lukewarm', address: 'data-0:9303' }), 'spec.tier: Unsupported value: "lukewarm": supported values: "hot", "warm", "cold"'],
    ['a missing address', 'quidditchnodes', node({ nodeType: 'DATA' }), 'spec.address: Required value'],
    ['an address without a port', 'quidditchnodes', node({ nodeType: 'DATA', address: 'data-0' }), 'spec.address: Invalid value: "data-0": spec.address in body should match'],
    ['maxShards 0', 'quidditchnodes', node({ nodeType: 'DATA', address: 'data-0:9303', maxShards: 0 }), 'spec.maxShards: Invalid value: 0: spec.maxShards in body should be greater than or equal to 1'],
    ['a shardId of 1000', 'shardallocations', shard({ indexName: 'i', shardId: 1000, isPrimary: true, assignedNode: 'n' }), 'spec.shardId: Invalid value: 1000: spec.shardId in body should be less than or equal to 999'],
    ['a missing assignedNode', 'shardallocations', shard({ indexName: 'i', shardId: 0, isPrimary: false }), 'spec.assignedNode: Required value'],
  ];

  it.each(cases)('rejects %s', async (_what, plural, body, expected) => {
    const res = await send('POST', collection(plural), body);
    expect(res.status).toBe(422);
    expect(res.message).toContain(expected);
  });
});

describe('the API server keeps index settings as the engine takes them', () => {
  it('accepts nested and dotted settings with string, number, boolean and list values, and stores them exactly', async () => {
    const settings = {
      'index.codec': 'best_compression',
      refresh_interval: '1s',
      max_result_window: 20000,
      blocks: { read_only: false },
      analysis: { analyzer: { folded: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding'] } } },
    };
    const created = await send('POST', collection('quidditchindices'), index({ shards: 1, settings }));
    expect(created.status).toBe(201);
    const read = await rawRequest(kc, { method: 'GET', path: `${collection('quidditchindices')}/idx-${counter}` });
    expect((JSON.parse(read.body) as { spec: { settings: unknown } }).spec.settings).toEqual(settings);
  });
});

describe('the API server rejects invalid updates', () => {
  it('rejects a change to shards after creation with the CEL rule message', async () => {
    const created = await send('POST', collection('quidditchindices'), index({ shards: 3 }));
    expect(created.status).toBe(201);
    const res = await send('PATCH', `${collection('quidditchindices')}/idx-${counter}`, { spec: { shards: 4 } });
    expect(res.status).toBe(422);
    expect(res.message).toContain('spec.shards: Invalid value: "integer": shards is immutable: create a new index with the new shard count and reindex into it');
  });

  it('still accepts other spec changes, so immutability is scoped to shards', async () => {
    const res = await send('PATCH', `${collection('quidditchindices')}/idx-${counter}`, { spec: { replicas: 3 } });
    expect(res.status).toBe(200);
  });

  it('rejects an unknown status.state written through /status', async () => {
    const name = `idx-${counter}`;
    const res = await send('PATCH', `${collection('quidditchindices')}/${name}/status`, { status: { state: 'BROKEN' } });
    expect(res.status).toBe(422);
    expect(res.message).toContain('status.state: Unsupported value: "BROKEN": supported values: "CREATING", "ACTIVE", "DELETING"');
  });

  it('rejects an unknown QuidditchNode status.state written through /status', async () => {
    const created = await send('POST', collection('quidditchnodes'), node({ nodeType: 'DATA', address: '[::1]:9303' }));
    expect(created.status).toBe(201);
    const res = await send('PATCH', `${collection('quidditchnodes')}/node-${counter}/status`, { status: { state: 'ASLEEP' } });
    expect(res.status).toBe(422);
    expect(res.message).toContain('status.state: Unsupported value: "ASLEEP": supported values: "HEALTHY", "UNHEALTHY", "DRAINING"');
  });
});
