/**
 * spec.settings and spec.mappings reach every copy, end to end: stored by the API server as the
 * engine takes them (nested, numbers, booleans, lists), carried by CreateShard, pushed to existing
 * copies when a dynamic setting changes, and a change the nodes refuse (a static setting) is said
 * once in a condition and an Event, not retried.
 */
import type { IndexSettings, QuidditchIndex } from '../../../lib/api/v1';
import { createTestNamespace, waitFor } from '../../support/kube';
import { rawRequest } from '../../support/raw-request';
import { Cluster } from './fixtures';
import { OperatorProcess, SimProcess, stopAll } from './harness';

let cluster: Cluster;
let sims: SimProcess[];
let operator: OperatorProcess;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('op-settings'));
  // Copies take a moment to open, as real ones do.
  sims = await Promise.all(['data-0', 'data-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace, extraArgs: ['--start-delay-ms=300'] })));
  operator = await OperatorProcess.start({ namespace: cluster.namespace });
}, 90_000);

afterAll(() => stopAll());

const settings: IndexSettings = {
  index: { refresh_interval: '1s', max_result_window: 20000, blocks: { read_only: false } },
  analysis: { analyzer: { folded: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding'] } } },
};
const mappings = { dynamic: 'strict' as const, properties: { title: { type: 'text', analyzer: 'folded' }, year: { type: 'integer' } } };

/** Every copy of `name` the sims hold, with the definition each one runs. */
async function copiesOf(name: string): Promise<{ node: string; settings: unknown; mappings: unknown; settingsGeneration: number }[]> {
  const out = [];
  for (const sim of sims) {
    for (const s of (await sim.stats()).shards) {
      if (s.shard.indexName === name) out.push({ node: sim.name, settings: s.settings, mappings: s.mappings, settingsGeneration: s.settingsGeneration });
    }
  }
  return out;
}

const updateCalls = async () => (await Promise.all(sims.map((s) => s.stats()))).reduce((n, s) => n + s.stats.updateCalls, 0);
const indexReconciles = async () =>
  [...(await operator.metrics()).matchAll(/^reconcile_total\{[^}]*controller="index"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
const condition = (i: QuidditchIndex, type: string) => i.status?.conditions?.find((c) => c.type === type);

describe('index settings and mappings on the copies', () => {
  it('creates every copy with the nested settings and the mappings, exactly as stored', async () => {
    await cluster.indices.create(cluster.namespace, { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'books', namespace: cluster.namespace }, spec: { shards: 2, replicas: 1, settings, mappings } });
    const active = await cluster.waitForActive('books', 'green');
    const copies = await copiesOf('books');
    expect(copies).toHaveLength(4);
    for (const c of copies) expect(c).toMatchObject({ settings, mappings, settingsGeneration: active.metadata.generation });
  });

  it('pushes a dynamic setting change to every existing copy and only then reports the generation observed', async () => {
    const changed = await cluster.indices.patchSpec(cluster.namespace, 'books', { settings: { index: { refresh_interval: '30s' } } });
    const generation = changed.metadata.generation ?? 0;
    expect(generation).toBeGreaterThan(1);
    const applied = await cluster.waitForIndex('books', (i) => i.status?.observedGeneration === generation && condition(i, 'SettingsApplied')?.status === 'True', `generation ${generation} applied`);
    expect(applied.spec.settings).toEqual({ ...settings, index: { ...(settings.index as object), refresh_interval: '30s' } });
    for (const c of await copiesOf('books')) expect(c).toMatchObject({ settings: applied.spec.settings, settingsGeneration: generation });
  });

  it('says once, in a condition and an Event, that the nodes refused a static change, and does not retry it', async () => {
    const changed = await cluster.indices.patchSpec(cluster.namespace, 'books', { settings: { analysis: { analyzer: { folded: { tokenizer: 'whitespace' } } } } });
    const refused = await cluster.waitForIndex('books', (i) => condition(i, 'SettingsApplied')?.reason === 'SettingsRefused', 'SettingsApplied=False/SettingsRefused');
    expect(condition(refused, 'SettingsApplied')?.message).toMatch(/refused generation \d+ of the index's settings or mappings \(shard \d on data-\d: .*analysis/);
    expect((await cluster.waitForEvents('books', ['SettingsRefused'])).find((e) => e.reason === 'SettingsRefused')?.type).toBe('Warning');
    // The copies still run the last generation they accepted.
    for (const c of await copiesOf('books')) expect(c.settingsGeneration).toBeLessThan(changed.metadata.generation ?? 0);

    // No hot loop: make the operator look at the index again (a label is not a spec change), wait
    // until it has, and see that it neither re-sent the refused change nor wrote the index.
    const calls = await updateCalls();
    const reconcilesBefore = await indexReconciles();
    const res = await rawRequest(cluster.kc, {
      method: 'PATCH',
      path: `/apis/quidditch.io/v1/namespaces/${cluster.namespace}/quidditchindices/books`,
      body: JSON.stringify({ metadata: { labels: { touched: 'yes' } } }),
      contentType: 'application/merge-patch+json',
    });
    expect(res.status).toBe(200);
    const labelled = JSON.parse(res.body) as QuidditchIndex;
    await waitFor(async () => ((await indexReconciles()) > reconcilesBefore ? true : undefined), { timeoutMs: 30_000, intervalMs: 200, description: 'the operator to reconcile the labelled index' });
    expect(await updateCalls()).toBe(calls);
    expect((await cluster.index('books')).metadata.resourceVersion).toBe(labelled.metadata.resourceVersion);
  });

  it('accepts what the API server cannot check but refuses it in the operator: a null setting is InvalidSpec, and no copy is made', async () => {
    await cluster.indices.create(cluster.namespace, { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'odd', namespace: cluster.namespace }, spec: { shards: 1, replicas: 0, settings: JSON.parse('{"refresh_interval":null}') as IndexSettings } });
    const invalid = await cluster.waitForIndex('odd', (i) => condition(i, 'Ready')?.reason === 'InvalidSpec', 'Ready=False/InvalidSpec');
    expect(condition(invalid, 'Ready')?.message).toContain('spec.settings.refresh_interval must be a string, number, boolean, a list of them or an object of settings');
    expect(await copiesOf('odd')).toEqual([]);
  });
});
