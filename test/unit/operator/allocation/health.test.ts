import fc from 'fast-check';
import { indexHealth, indexState } from '../../../../lib/operator/allocation';
import type { ShardAllocationStatus } from '../../../../lib/api/v1';

const copy = (shardId: number, primary: boolean, state: ShardAllocationStatus['state'], nodeId = `n${shardId}${primary}`) => ({
  shardId,
  nodeId,
  primary,
  state,
});

describe('indexHealth', () => {
  it('is green when every expected copy is started', () => {
    expect(indexHealth([copy(0, true, 'STARTED'), copy(0, false, 'STARTED'), copy(1, true, 'STARTED'), copy(1, false, 'RELOCATING')], 2, 1)).toBe('green');
  });

  it('is yellow when a replica is missing or still initializing', () => {
    expect(indexHealth([copy(0, true, 'STARTED')], 1, 1)).toBe('yellow');
    expect(indexHealth([copy(0, true, 'STARTED'), copy(0, false, 'INITIALIZING')], 1, 1)).toBe('yellow');
  });

  it('is red when a primary is missing or not started', () => {
    expect(indexHealth([copy(0, true, 'STARTED')], 2, 0)).toBe('red');
    expect(indexHealth([copy(0, true, 'INITIALIZING'), copy(0, false, 'STARTED')], 1, 1)).toBe('red');
    expect(indexHealth([], 1, 0)).toBe('red');
  });

  it('follows its definition for any allocation', () => {
    const arb = fc.record({
      shards: fc.integer({ min: 1, max: 5 }),
      replicas: fc.integer({ min: 0, max: 3 }),
      list: fc.array(fc.record({ shardId: fc.integer({ min: 0, max: 4 }), primary: fc.boolean(), state: fc.constantFrom('INITIALIZING' as const, 'STARTED' as const) }), { maxLength: 20 }),
    });
    fc.assert(
      fc.property(arb, ({ shards, replicas, list }) => {
        const allocations = list.map((a, i) => ({ ...a, nodeId: `n${i}` }));
        const started = (s: number, primary: boolean) => allocations.filter((a) => a.shardId === s && a.primary === primary && a.state === 'STARTED').length;
        const ids = [...Array(shards).keys()];
        const expected = ids.some((s) => started(s, true) === 0) ? 'red' : ids.some((s) => started(s, false) < replicas) ? 'yellow' : 'green';
        expect(indexHealth(allocations, shards, replicas)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('indexState', () => {
  const all = [copy(0, true, 'STARTED'), copy(0, false, 'STARTED')];

  it('is CREATING until every allocated copy has started', () => {
    expect(indexState({ previous: undefined, deleting: false, allocations: [], shards: 1 })).toBe('CREATING');
    expect(indexState({ previous: 'CREATING', deleting: false, allocations: [copy(0, true, 'STARTED'), copy(0, false, 'INITIALIZING')], shards: 1 })).toBe('CREATING');
    expect(indexState({ previous: 'CREATING', deleting: false, allocations: all, shards: 2 })).toBe('CREATING');
  });

  it('turns ACTIVE once every allocated copy has started, even if some replica has no node', () => {
    expect(indexState({ previous: 'CREATING', deleting: false, allocations: all, shards: 1 })).toBe('ACTIVE');
    expect(indexState({ previous: 'CREATING', deleting: false, allocations: [copy(0, true, 'STARTED')], shards: 1 })).toBe('ACTIVE');
  });

  it('stays ACTIVE when copies are lost later', () => {
    expect(indexState({ previous: 'ACTIVE', deleting: false, allocations: [], shards: 1 })).toBe('ACTIVE');
  });

  it('is DELETING once deletion started', () => {
    expect(indexState({ previous: 'ACTIVE', deleting: true, allocations: all, shards: 1 })).toBe('DELETING');
  });
});
