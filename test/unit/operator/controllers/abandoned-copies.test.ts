import { AbandonedCopy, describeAbandoned, fullList } from '../../../../lib/operator/controllers/abandoned-copies';

const copy = (node: string, shardId: number, primary: boolean, why = 'deadline exceeded'): AbandonedCopy => ({ node, shardId, primary, why });

describe('describeAbandoned', () => {
  it('names every copy, grouped by node with its reason, copies whose node object is gone included', () => {
    const text = describeAbandoned([
      copy('d-1', 2, true), copy('d-1', 0, true), copy('d-1', 1, false),
      copy('ghost', 3, false, 'no QuidditchNode object'),
    ]);
    expect(text).toBe('d-1 (deadline exceeded): primary 0, 2; replica 1 | ghost (no QuidditchNode object): replica 3');
  });

  it('lists each distinct reason of a node once', () => {
    expect(describeAbandoned([copy('d-1', 0, true, 'timeout'), copy('d-1', 1, true, 'refused'), copy('d-1', 2, true, 'timeout')]))
      .toBe('d-1 (timeout; refused): primary 0, 1, 2');
  });

  it('keeps whole node groups within the limit and counts the rest, pointing at the log', () => {
    const copies = Array.from({ length: 200 }, (_, i) => copy(`node-${String(i).padStart(3, '0')}`, i, true));
    const text = describeAbandoned(copies, 300);
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text).toMatch(/^node-000 \(deadline exceeded\): primary 0 \| /);
    const kept = text.split(' | ').length - 1;
    expect(text).toMatch(new RegExp(`and ${200 - kept} more copies on ${200 - kept} nodes \\(the operator log lists every one\\)$`));
  });
});

describe('fullList', () => {
  it('names every copy on its own, sorted by node and shard', () => {
    expect(fullList([copy('d-2', 0, false), copy('d-1', 1, true, 'no QuidditchNode object')])).toEqual([
      'd-1: shard 1 (primary): no QuidditchNode object',
      'd-2: shard 0 (replica): deadline exceeded',
    ]);
  });
});
