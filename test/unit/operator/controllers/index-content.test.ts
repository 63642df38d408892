import { indexContent } from '../../../../lib/operator/controllers/index-content';

describe('indexContent', () => {
  it('carries settings and mappings as JSON, exactly, with the generation they come from', () => {
    const settings = { refresh_interval: '1s', max_result_window: 20000, analysis: { analyzer: { folding: { type: 'custom', filter: ['lowercase'] } } } };
    const content = indexContent({ metadata: { generation: 4 }, spec: { shards: 1, settings, mappings: { dynamic: 'strict' } } });
    expect(JSON.parse(content.settingsJson)).toEqual(settings);
    expect(JSON.parse(content.mappingsJson)).toEqual({ dynamic: 'strict' });
    expect(content.generation).toBe(4);
  });
});
