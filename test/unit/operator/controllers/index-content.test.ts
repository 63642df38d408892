import { indexContent, settingsProblems } from '../../../../lib/operator/controllers/index-content';

describe('indexContent', () => {
  it('carries settings and mappings as JSON, exactly, with the generation they come from', () => {
    const settings = { refresh_interval: '1s', max_result_window: 20000, analysis: { analyzer: { folding: { type: 'custom', filter: ['lowercase'] } } } };
    const content = indexContent({ metadata: { generation: 4 }, spec: { shards: 1, settings: settings as never, mappings: { dynamic: 'strict' } } });
    expect(JSON.parse(content.settingsJson)).toEqual(settings);
    expect(JSON.parse(content.mappingsJson)).toEqual({ dynamic: 'strict' });
    expect(content.generation).toBe(4);
  });
});

describe('settingsProblems', () => {
  it('accepts nested strings, numbers, booleans and lists of them', () => {
    expect(settingsProblems({ a: '1s', b: 2, c: { d: true, e: ['x', 1] } })).toEqual([]);
    expect(settingsProblems(undefined)).toEqual([]);
  });

  it('names every field that is not a string, number, boolean or object of them, and an oversized whole', () => {
    expect(settingsProblems({ a: null, b: [{ c: 1 }] })).toEqual([
      'spec.settings.a must be a string, number, boolean or an object of them, got null',
      'spec.settings.b[0] must be a string, number or boolean',
    ]);
    expect(settingsProblems({ big: 'x'.repeat(70_000) })[0]).toMatch(/^spec.settings is \d+ bytes as JSON; at most 65536 are allowed$/);
  });
});
