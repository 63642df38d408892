import { EventBudget } from '../../../../lib/operator/kube/event-budget';

describe('EventBudget', () => {
  it('lets the burst through back to back, then refuses until time refills it at the rate', () => {
    let now = 0;
    const budget = new EventBudget(3, 2, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
    now += 499; // 0.998 of a token at 2/s
    expect(budget.take()).toBe(false);
    now += 1;
    expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
  });

  it('refills up to the burst and no further, however long it was idle', () => {
    let now = 0;
    const budget = new EventBudget(2, 10, () => now);
    budget.take();
    budget.take();
    now += 60_000;
    expect([budget.take(), budget.take(), budget.take()]).toEqual([true, true, false]);
  });
});
