import { isLeaseFree, releasedSpec, renewedSpec, takeoverSpec } from '../../../../lib/operator/runtime/lease';

const T = 1_700_000_000_000;

describe('lease rules', () => {
  it('treats a lease with no holder as free', () => {
    expect(isLeaseFree(undefined, T)).toBe(true);
    expect(isLeaseFree({ holderIdentity: '', renewTime: new Date(T), leaseDurationSeconds: 15 }, T)).toBe(true);
  });

  it('treats a held lease as taken until renewTime plus its own duration has passed', () => {
    const spec = { holderIdentity: 'a', renewTime: new Date(T), leaseDurationSeconds: 15 };
    expect(isLeaseFree(spec, T + 15_000)).toBe(false);
    expect(isLeaseFree(spec, T + 15_001)).toBe(true);
  });

  it('counts a transition when the holder changes, not when the holder re-acquires', () => {
    const held = { holderIdentity: 'a', leaseTransitions: 4, renewTime: new Date(T), leaseDurationSeconds: 15 };
    expect(takeoverSpec(held, 'b', 15, T).leaseTransitions).toBe(5);
    expect(takeoverSpec(held, 'a', 15, T).leaseTransitions).toBe(4);
    expect(takeoverSpec(undefined, 'a', 15, T).leaseTransitions).toBe(0);
  });

  it('writes renew and acquire times as microsecond timestamps', () => {
    const spec = takeoverSpec(undefined, 'a', 15, T + 123);
    expect(JSON.parse(JSON.stringify(spec))).toEqual({
      holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0,
      acquireTime: '2023-11-14T22:13:20.123000Z', renewTime: '2023-11-14T22:13:20.123000Z',
    });
  });

  it('moves only renewTime (and the duration) on renew', () => {
    const held = takeoverSpec(undefined, 'a', 15, T);
    const renewed = renewedSpec(held, 15, T + 2000);
    expect(renewed.holderIdentity).toBe('a');
    expect(renewed.acquireTime).toEqual(held.acquireTime);
    expect(new Date(renewed.renewTime as Date).getTime()).toBe(T + 2000);
  });

  it('leaves no holder on release, so the lease is free at once', () => {
    const released = releasedSpec(takeoverSpec(undefined, 'a', 15, T), T + 1);
    expect(released.holderIdentity).toBe('');
    expect(released.leaseDurationSeconds).toBe(1);
    expect(isLeaseFree(released, T + 1)).toBe(true);
  });
});
