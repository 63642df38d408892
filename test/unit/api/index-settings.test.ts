import { indexSettingsProblems, SETTINGS_LIMITS } from '../../../lib/api/v1/index-settings';

const rules = (settings: unknown, path?: string) => indexSettingsProblems(settings, path).map((p) => `${p.path}: ${p.rule}`);

describe('indexSettingsProblems', () => {
  it('accepts what index settings really are: nested or dotted, strings, numbers, booleans and lists of them', () => {
    expect(rules({ refresh_interval: '1s', max_result_window: 20000, 'index.codec': 'best_compression', blocks: { read_only: false }, analysis: { analyzer: { folded: { type: 'custom', filter: ['lowercase', 'asciifolding'] } } } })).toEqual([]);
    expect(rules(undefined)).toEqual([]);
    expect(rules({})).toEqual([]);
  });

  it('names every value that is not a setting, with its path', () => {
    expect(rules({ a: null, b: [{ c: 1 }], d: { e: null } })).toEqual([
      'spec.settings.a: must be a string, number, boolean, a list of them or an object of settings',
      'spec.settings.b[0]: must be a string, number or boolean',
      'spec.settings.d.e: must be a string, number, boolean, a list of them or an object of settings',
    ]);
    expect(rules('1s', 'settings')).toEqual(['settings: must be an object of settings, like { refresh_interval: "1s" }']);
  });

  it.each([
    ['bare', { number_of_shards: 3 }],
    ['index.-prefixed', { 'index.number_of_shards': '3' }],
    ['under index', { index: { number_of_shards: 3 } }],
  ])('refuses number_of_shards %s: spec.shards says it', (_how, settings) => {
    expect(rules(settings)).toEqual(['spec.settings: must not set number_of_shards: spec.shards says it. Remove it and set spec.shards']);
  });

  it('refuses number_of_replicas in any spelling: spec.replicas says it', () => {
    expect(rules({ index: { number_of_replicas: 2 } })).toEqual(['spec.settings: must not set number_of_replicas: spec.replicas says it. Remove it and set spec.replicas']);
  });

  it('bounds top-level keys, depth and size', () => {
    const many = Object.fromEntries(Array.from({ length: SETTINGS_LIMITS.maxTopLevelKeys + 1 }, (_, i) => [`k${i}`, 'v']));
    expect(rules(many)).toEqual([`spec.settings: must have at most ${SETTINGS_LIMITS.maxTopLevelKeys} keys`]);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i <= SETTINGS_LIMITS.maxDepth; i++) deep = { n: deep };
    expect(rules(deep)).toEqual([`spec.settings${'.n'.repeat(SETTINGS_LIMITS.maxDepth + 1)}: must not be nested more than ${SETTINGS_LIMITS.maxDepth} levels deep`]);
    expect(rules((deep as { n: unknown }).n)).toEqual([]);
    expect(rules({ big: 'x'.repeat(SETTINGS_LIMITS.maxBytes) })).toEqual([`spec.settings: must be at most ${SETTINGS_LIMITS.maxBytes} bytes as JSON`]);
  });
});
