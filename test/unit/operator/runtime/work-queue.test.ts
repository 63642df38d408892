import { ExponentialBackoff } from '../../../../lib/operator/runtime/backoff';
import { ManualClock } from '../../../../lib/operator/runtime/manual-clock';
import { QueueDepth, WorkQueue } from '../../../../lib/operator/runtime/work-queue';

/** Takes a key that must be available right now. */
async function take(queue: WorkQueue): Promise<string | undefined> {
  const marker = Symbol('pending');
  const got = await Promise.race([queue.get(), new Promise<typeof marker>((resolve) => setImmediate(() => resolve(marker)))]);
  if (got === marker) throw new Error('queue had no key ready');
  return got;
}

/** True when get() would block right now. */
async function isEmptyForWorkers(queue: WorkQueue): Promise<boolean> {
  let settled = false;
  const pending = queue.get().then((k) => {
    settled = true;
    if (k !== undefined) queue.done(k);
  });
  await new Promise((resolve) => setImmediate(resolve));
  void pending;
  return !settled;
}

describe('WorkQueue', () => {
  let clock: ManualClock;
  let queue: WorkQueue;
  beforeEach(() => {
    clock = new ManualClock();
    queue = new WorkQueue({ clock });
  });
  afterEach(() => {
    // Some tests leave a key in flight on purpose; do not wait for it.
    void queue.shutDown();
  });

  it('hands out keys in the order they were added', async () => {
    queue.add('a');
    queue.add('b');
    expect(await take(queue)).toBe('a');
    expect(await take(queue)).toBe('b');
  });

  it('does not queue a key twice while it is waiting', async () => {
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(1);
    expect(await take(queue)).toBe('a');
    expect(queue.len()).toBe(0);
  });

  it('never hands one key to two workers at once', async () => {
    queue.add('a');
    const first = await take(queue);
    queue.add('a');
    expect(queue.len()).toBe(0);
    expect(await isEmptyForWorkers(queue)).toBe(true);
    queue.done(first as string);
  });

  it('re-queues a key added while it was being processed once processing is done', async () => {
    queue.add('a');
    const key = (await take(queue)) as string;
    queue.add('a');
    queue.add('a');
    queue.done(key);
    expect(queue.len()).toBe(1);
    expect(await take(queue)).toBe('a');
  });

  it('does not re-queue a processed key that was not added again', async () => {
    queue.add('a');
    queue.done((await take(queue)) as string);
    expect(queue.len()).toBe(0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const waiting = queue.get();
    queue.add('x');
    await expect(waiting).resolves.toBe('x');
  });

  it('adds a key after the requested delay, not before', () => {
    queue.addAfter('a', 100);
    clock.advance(99);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
  });

  it('keeps one timer per key and lets the earliest requested time win', () => {
    queue.addAfter('a', 100);
    queue.addAfter('a', 500);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(100);
    expect(queue.len()).toBe(1);
    queue.addAfter('b', 500);
    queue.addAfter('b', 50);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(50);
    expect(queue.len()).toBe(2);
  });

  it('adds a key at once when the delay is zero or negative', () => {
    queue.addAfter('a', 0);
    queue.addAfter('b', -5);
    expect(queue.len()).toBe(2);
  });

  it('backs off exponentially per key on rate-limited adds', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = clock.now();
      queue.addRateLimited('a');
      for (let waited = 0; queue.len() === 0 && waited < 1000; waited++) clock.advance(1);
      delays.push(clock.now() - before);
      queue.done((await take(queue)) as string);
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(queue.numRequeues('a')).toBe(4);
  });

  it('keeps the backoff of one key independent of another', () => {
    queue.addRateLimited('a');
    queue.addRateLimited('a');
    queue.addRateLimited('b');
    expect(queue.numRequeues('a')).toBe(2);
    expect(queue.numRequeues('b')).toBe(1);
  });

  it('resets a key backoff on forget', () => {
    queue.addRateLimited('a');
    queue.addRateLimited('a');
    queue.forget('a');
    expect(queue.numRequeues('a')).toBe(0);
  });

  it('reports depth and retries to its hooks', async () => {
    const depths: QueueDepth[] = [];
    const retried: string[] = [];
    const q = new WorkQueue({ clock, hooks: { depthChanged: (d) => depths.push(d), retried: (k) => retried.push(k) } });
    q.add('a');
    q.add('b');
    q.done((await take(q)) as string);
    q.addRateLimited('c');
    expect(depths.map((d) => [d.waiting, d.inFlight, d.retrying, d.scheduled])).toEqual([[1, 0, 0, 0], [2, 0, 0, 0], [1, 1, 0, 0], [1, 0, 0, 0], [1, 0, 1, 0]]);
    expect(retried).toEqual(['c']);
    await q.shutDown();
  });

  it('counts keys in flight and backing off as unfinished work, and planned re-checks apart', async () => {
    queue.add('busy');
    const busy = (await take(queue)) as string;
    queue.addRateLimited('failed');
    queue.addAfter('recheck', 60_000);
    expect(queue.depth()).toEqual({ waiting: 0, inFlight: 1, retrying: 1, scheduled: 1 });
    queue.done(busy);
    clock.advance(5); // the first backoff of 'failed'
    expect(queue.depth()).toEqual({ waiting: 1, inFlight: 0, retrying: 0, scheduled: 1 });
    // A retry overtaken by an earlier addAfter is a re-check now, counted once.
    queue.addRateLimited('other');
    queue.addAfter('other', 1);
    expect(queue.depth()).toEqual({ waiting: 1, inFlight: 0, retrying: 0, scheduled: 2 });
  });

  it('releases waiting workers with undefined on shutdown and drops queued and delayed keys', async () => {
    const waiting = queue.get();
    await queue.shutDown();
    await expect(waiting).resolves.toBeUndefined();
    queue.add('late');
    queue.addAfter('later', 10);
    expect(queue.len()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    await expect(queue.get()).resolves.toBeUndefined();
  });

  it('cancels delayed keys on shutdown', async () => {
    queue.addAfter('a', 10);
    await queue.shutDown();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('resolves shutdown only after keys in flight are done', async () => {
    queue.add('a');
    const key = (await take(queue)) as string;
    let drained = false;
    const shutdown = queue.shutDown().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    queue.done(key);
    await shutdown;
    expect(drained).toBe(true);
  });
});

describe('ExponentialBackoff', () => {
  it('caps the delay at the maximum', () => {
    const b = new ExponentialBackoff({ baseMs: 5, maxMs: 1_000_000 });
    let last = 0;
    for (let i = 0; i < 2000; i++) last = b.next('k');
    expect(last).toBe(1_000_000);
  });

  it('defaults to 5 ms doubling like controller-runtime', () => {
    const b = new ExponentialBackoff();
    expect([b.next('k'), b.next('k'), b.next('k')]).toEqual([5, 10, 20]);
  });

  it('rejects a base that is not positive or a max below the base', () => {
    expect(() => new ExponentialBackoff({ baseMs: 0 })).toThrow('Unable to create backoff with baseMs=0, maxMs=1000000: baseMs must be > 0 and maxMs >= baseMs.');
    expect(() => new ExponentialBackoff({ baseMs: 10, maxMs: 5 })).toThrow('maxMs >= baseMs');
  });
});
