import { setCondition, findCondition } from '../../../../lib/operator/controllers/conditions';

const t1 = new Date('2026-01-01T00:00:00Z');
const t2 = new Date('2026-01-01T00:01:00Z');

describe('setCondition', () => {
  it('keeps lastTransitionTime when only the reason or message changes', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'ShardsInitializing', message: 'a' }, t1);
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'NoHealthyNodes', message: 'b' }, t2);
    expect(findCondition(b, 'Ready')).toEqual({ type: 'Ready', status: 'False', reason: 'NoHealthyNodes', message: 'b', lastTransitionTime: t1.toISOString() });
  });

  it('moves lastTransitionTime when the status flips', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'X', message: '' }, t1);
    const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'Y', message: '' }, t2);
    expect(findCondition(b, 'Ready')?.lastTransitionTime).toBe(t2.toISOString());
  });

  it('leaves other conditions and the input untouched', () => {
    const a = setCondition([], { type: 'Ready', status: 'True', reason: 'R', message: '' }, t1);
    const b = setCondition(a, { type: 'Degraded', status: 'False', reason: 'D', message: '' }, t2);
    expect(b.map((c) => c.type)).toEqual(['Ready', 'Degraded']);
    expect(a).toHaveLength(1);
  });
});
