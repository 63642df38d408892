import { AllocationLedger } from '../../../../lib/operator/controllers/allocation-ledger';
import type { ShardAllocationStatus } from '../../../../lib/api/v1';

const copies = (...nodes: string[]): ShardAllocationStatus[] => nodes.map((nodeId, shardId) => ({ shardId, nodeId, primary: true, state: 'STARTED' }));

describe('AllocationLedger', () => {
  it('counts copies per node over every index of a namespace only', () => {
    const l = new AllocationLedger();
    l.set('ns', 'a', '1', copies('n1', 'n2'));
    l.set('ns', 'b', '2', copies('n1'));
    l.set('other', 'c', '3', copies('n1'));
    expect(Object.fromEntries(l.loads('ns'))).toEqual({ n1: 2, n2: 1 });
  });

  it('ignores an informer event older than (or as old as) what it knows', () => {
    const l = new AllocationLedger();
    l.set('ns', 'a', '5', copies('n1'));
    l.set('ns', 'a', '4', copies('n2'));
    l.set('ns', 'a', '5', copies('n3'));
    expect([...l.loads('ns').keys()]).toEqual(['n1']);
    l.set('ns', 'a', '6', copies('n2'));
    expect([...l.loads('ns').keys()]).toEqual(['n2']);
  });

  it('lets a reservation count at once, and undoes it when the write fails', () => {
    const l = new AllocationLedger();
    l.set('ns', 'a', '5', []);
    const undo = l.reserve('ns', 'a', copies('n1', 'n1'));
    expect(l.loads('ns').get('n1')).toBe(2);
    l.set('ns', 'a', '5', []); // the cache still has the version the plan was made from
    expect(l.loads('ns').get('n1')).toBe(2);
    undo();
    expect(l.loads('ns').get('n1')).toBeUndefined();
  });

  it('does not undo over a newer version seen meanwhile', () => {
    const l = new AllocationLedger();
    l.set('ns', 'a', '5', []);
    const undo = l.reserve('ns', 'a', copies('n1'));
    l.set('ns', 'a', '7', copies('n2'));
    undo();
    expect([...l.loads('ns').keys()]).toEqual(['n2']);
  });

  it('tells when the cache is behind its own writes', () => {
    const l = new AllocationLedger();
    l.set('ns', 'a', '9', []);
    expect(l.isNewerThan('ns', 'a', '8')).toBe(true);
    expect(l.isNewerThan('ns', 'a', '9')).toBe(false);
  });
});

describe('AllocationLedger counts', () => {
  it('stay equal to a recount from scratch over any sequence of changes', () => {
    const l = new AllocationLedger();
    const truth = new Map<string, ShardAllocationStatus[]>();
    const nodes = ['n1', 'n2', 'n3'];
    let rv = 1;
    // A fixed pseudo-random walk over sets, reservations (kept or undone) and deletes.
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let step = 0; step < 500; step++) {
      const name = `i${rand(20)}`;
      const allocs = Array.from({ length: rand(4) }, (_, shardId) => ({ shardId, nodeId: nodes[rand(3)], primary: true, state: 'STARTED' as const }));
      const op = rand(4);
      if (op === 0) {
        l.delete('ns', name);
        truth.delete(name);
      } else if (op === 1) {
        const undo = l.reserve('ns', name, allocs);
        if (rand(2)) undo();
        else truth.set(name, allocs);
      } else {
        l.set('ns', name, String(++rv), allocs);
        truth.set(name, allocs);
      }
      const expected = new Map<string, number>();
      for (const list of truth.values()) for (const a of list) expected.set(a.nodeId, (expected.get(a.nodeId) ?? 0) + 1);
      expect(Object.fromEntries(l.loads('ns'))).toEqual(Object.fromEntries(expected));
    }
  });
});

describe('AllocationLedger.nodeMoves', () => {
  const move = (shardId: number, from: string, to: string): ShardAllocationStatus[] => [
    { shardId, nodeId: from, primary: true, state: 'RELOCATING', relocatingTo: to },
    { shardId, nodeId: to, primary: false, state: 'INITIALIZING', relocatingFrom: from },
  ];

  it('counts the moves into and out of a node over every index, as drainProgress does by scanning', () => {
    const l = new AllocationLedger();
    l.set('ns', 'a', '1', [...move(0, 'n1', 'n2'), ...move(1, 'n1', 'n3')]);
    l.set('ns', 'b', '2', move(0, 'n3', 'n1'));
    l.set('other', 'c', '3', move(0, 'n1', 'n2'));
    expect(l.nodeMoves('ns', 'n1')).toEqual({ relocationsIn: 1, relocationsOut: 2 });
    expect(l.nodeMoves('ns', 'n2')).toEqual({ relocationsIn: 1, relocationsOut: 0 });
    expect(l.nodeMoves('ns', 'n4')).toEqual({ relocationsIn: 0, relocationsOut: 0 });
  });

  it('forgets a move once the index no longer records it', () => {
    const l = new AllocationLedger();
    l.set('ns', 'a', '1', move(0, 'n1', 'n2'));
    l.set('ns', 'a', '2', copies('n2'));
    expect(l.nodeMoves('ns', 'n1')).toEqual({ relocationsIn: 0, relocationsOut: 0 });
    l.set('ns', 'b', '3', move(0, 'n2', 'n1'));
    l.delete('ns', 'b');
    expect(l.nodeMoves('ns', 'n2')).toEqual({ relocationsIn: 0, relocationsOut: 0 });
  });
});
