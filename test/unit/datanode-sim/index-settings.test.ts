import {
  flattenSettings,
  isStaticSetting,
  mappingTypeChanges,
  mergeMappings,
  parseObject,
  refusalOf,
  staticSettingChanges,
} from '../../../lib/datanode-sim/index-settings';

describe('index settings as a data node judges them', () => {
  it('flattens nested and dotted settings to the same keys, without the index. prefix', () => {
    expect(flattenSettings({ index: { refresh_interval: '1s', max_result_window: 20000 } })).toEqual(
      flattenSettings({ 'index.refresh_interval': '1s', max_result_window: 20000 }),
    );
    expect([...flattenSettings({ analysis: { analyzer: { a: { filter: ['lowercase'] } } } })]).toEqual([['analysis.analyzer.a.filter', '["lowercase"]']]);
  });

  it('knows static from dynamic settings', () => {
    expect(isStaticSetting('number_of_routing_shards')).toBe(true);
    expect(isStaticSetting('analysis.analyzer.my.type')).toBe(true);
    expect(isStaticSetting('refresh_interval')).toBe(false);
    expect(isStaticSetting('max_result_window')).toBe(false);
    expect(isStaticSetting('sorting')).toBe(false); // a prefix of a word is not the static key "sort"
  });

  it('lists static keys that were added, changed or removed, and ignores dynamic ones', () => {
    expect(
      staticSettingChanges(
        { index: { codec: 'default', refresh_interval: '1s', sort: { field: 'ts' } } },
        { index: { codec: 'best_compression', refresh_interval: '5s', number_of_routing_shards: 8 } },
      ),
    ).toEqual(['codec', 'number_of_routing_shards', 'sort.field']);
  });

  it('finds re-typed mapping fields, nested ones included, and lets new fields through', () => {
    const before = { properties: { title: { type: 'text' }, user: { properties: { name: { type: 'keyword' } } } } };
    const after = { properties: { title: { type: 'text' }, user: { properties: { name: { type: 'text' }, age: { type: 'integer' } } } } };
    expect(mappingTypeChanges(before, after)).toEqual(['user.name: keyword → text']);
    expect(mappingTypeChanges(before, { properties: { extra: { type: 'long' } } })).toEqual([]);
  });

  it('merges mappings by adding fields and never removing one', () => {
    expect(mergeMappings({ properties: { a: { type: 'text' } } }, { properties: { b: { type: 'long' } } })).toEqual({
      properties: { a: { type: 'text' }, b: { type: 'long' } },
    });
  });

  it('accepts a dynamic change and an added field, refusing nothing', () => {
    expect(refusalOf({ settings: { refresh_interval: '1s' }, mappings: {} }, { settings: { refresh_interval: '30s' }, mappings: { properties: { x: { type: 'keyword' } } } })).toBeUndefined();
  });

  it('says which keys it refuses and what to do instead', () => {
    expect(refusalOf({ settings: { number_of_routing_shards: 4 }, mappings: {} }, { settings: { number_of_routing_shards: 8 }, mappings: {} })).toBe(
      'static setting index.number_of_routing_shards cannot change on an open index. ' +
        'Create a new index with the new settings and mappings and reindex into it, or revert the change.',
    );
  });

  it('rejects settings that are not a JSON object, naming the field', () => {
    expect(() => parseObject('[1]', 'settings_json')).toThrow('settings_json must be a JSON object');
    expect(() => parseObject('{', 'mappings_json')).toThrow(/^mappings_json is not valid JSON/);
    expect(parseObject('', 'settings_json')).toEqual({});
  });
});
