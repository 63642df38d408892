import { summarizeHeap } from '../../../bench/heap-summary';

describe('bench heap summary', () => {
  it('sums self size per constructor and per string value, largest first', () => {
    const snap = {
      snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['hidden', 'object', 'string', 'closure']] as [string[]] } },
      strings: ['Object', 'Route', 'ACTIVE', 'f'],
      // type, name, id, self_size, edge_count
      nodes: [1, 0, 1, 40, 0, 1, 0, 3, 40, 0, 1, 1, 5, 100, 0, 2, 2, 7, 16, 0, 2, 2, 9, 16, 0, 3, 3, 11, 8, 0],
    };
    const { total, groups, strings } = summarizeHeap(snap);
    expect(total).toBe(220);
    expect(groups.map((g) => [g.key, g.count, g.bytes])).toEqual([['object:Route', 1, 100], ['object:Object', 2, 80], ['string', 2, 32], ['closure:f', 1, 8]]);
    expect(strings).toEqual([{ key: 'ACTIVE', count: 2, bytes: 32 }]);
  });
});
