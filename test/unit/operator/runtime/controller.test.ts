import { Writable } from 'node:stream';
import { createLogger } from '../../../../lib/operator/logger';
import { OperatorMetrics } from '../../../../lib/operator/metrics';
import { AdaptiveConcurrency } from '../../../../lib/operator/runtime/adaptive-concurrency';
import { Controller } from '../../../../lib/operator/runtime/controller';
import { ManualClock } from '../../../../lib/operator/runtime/manual-clock';
import { done, ReconcileContext, ReconcileResult, Reconciler, requeueAfter, retry, terminal } from '../../../../lib/operator/runtime/reconciler';
import type { EventSource, ObjectStore } from '../../../../lib/operator/runtime/source';

type Behaviour = (key: string, call: number, ctx: ReconcileContext) => Promise<ReconcileResult> | ReconcileResult;

/** A reconciler whose answer per call is scripted by the test, recording every call. */
class ScriptedReconciler implements Reconciler {
  readonly calls: Array<{ key: string; ctx: ReconcileContext }> = [];
  active = 0;
  maxActive = 0;
  readonly activeKeys = new Set<string>();
  overlappingKey = false;
  constructor(private readonly behaviour: Behaviour) {}
  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (this.activeKeys.has(key)) this.overlappingKey = true;
    this.activeKeys.add(key);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const call = this.calls.filter((c) => c.key === key).length;
    this.calls.push({ key, ctx });
    try {
      return await this.behaviour(key, call, ctx);
    } finally {
      this.active--;
      this.activeKeys.delete(key);
    }
  }
  callsFor(key: string): number {
    return this.calls.filter((c) => c.key === key).length;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick();
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function counter(metrics: OperatorMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe('Controller', () => {
  let clock: ManualClock;
  let metrics: OperatorMetrics;
  let lines: Array<Record<string, unknown>>;
  let controller: Controller | undefined;

  function make(behaviour: Behaviour, concurrency = 1, limit?: AdaptiveConcurrency): [Controller, ScriptedReconciler] {
    const reconciler = new ScriptedReconciler(behaviour);
    const destination = new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
    const log = createLogger({ level: 'debug', destination });
    controller = new Controller({ name: 'test', reconciler, log, metrics, clock, concurrency, limit });
    return [controller, reconciler];
  }

  beforeEach(() => {
    clock = new ManualClock();
    metrics = new OperatorMetrics();
    lines = [];
  });
  afterEach(async () => {
    await controller?.stop();
  });

  it('reconciles an enqueued key and counts it as done', async () => {
    const [c, r] = make(() => done());
    c.start();
    c.enqueue('ns/a');
    await settle();
    expect(r.callsFor('ns/a')).toBe(1);
    expect(await counter(metrics, 'reconcile_total', { controller: 'test', result: 'done' })).toBe(1);
  });

  it('gives every reconcile its own id in the log context', async () => {
    const [c, r] = make((_k, _n, ctx) => (ctx.log.info('inside'), done()));
    c.start();
    c.enqueue('ns/a');
    c.enqueue('ns/b');
    await settle();
    const ids = r.calls.map((call) => call.ctx.reconcileId);
    expect(new Set(ids).size).toBe(2);
    const inside = lines.filter((l) => l.msg === 'inside');
    expect(inside.map((l) => [l.controller, l.key, l.reconcileId])).toEqual([['test', 'ns/a', ids[0]], ['test', 'ns/b', ids[1]]]);
  });

  it('never reconciles one key concurrently, even with many workers and repeated adds', async () => {
    const gate = deferred();
    const [c, r] = make(async () => (await gate.promise, done()), 4);
    c.start();
    c.enqueue('ns/a');
    await settle();
    c.enqueue('ns/a');
    c.enqueue('ns/a');
    await settle();
    expect(r.callsFor('ns/a')).toBe(1);
    gate.resolve();
    await settle();
    expect(r.overlappingKey).toBe(false);
    expect(r.callsFor('ns/a')).toBe(2); // the adds during processing collapse into one re-run
  });

  it('reconciles different keys in parallel up to the concurrency', async () => {
    const gate = deferred();
    const [c, r] = make(async () => (await gate.promise, done()), 2);
    c.start();
    ['ns/a', 'ns/b', 'ns/c'].forEach((k) => c.enqueue(k));
    await settle();
    expect(r.active).toBe(2);
    gate.resolve();
    await settle();
    expect(r.maxActive).toBe(2);
    expect(r.calls).toHaveLength(3);
  });

  it('runs no more reconciles at once than its adaptive limit allows, and more as soon as it grows', async () => {
    const gate = deferred();
    const limit = new AdaptiveConcurrency({ min: 1, max: 3, windowSamples: 2 });
    limit.observe(10);
    limit.observe(10);
    limit.observe(100);
    limit.observe(100); // the API server queues: 3 → 1
    expect(limit.limit).toBe(1);
    const [c, r] = make(async () => (await gate.promise, done()), 3, limit);
    c.start();
    ['ns/a', 'ns/b', 'ns/c'].forEach((k) => c.enqueue(k));
    await settle();
    expect(r.active).toBe(1);
    limit.observe(10);
    limit.observe(10); // fast again, and the one slot was in use: 1 → 2
    await settle();
    expect(r.active).toBe(2);
    gate.resolve();
    await settle();
    expect(r.calls).toHaveLength(3);
    expect(r.maxActive).toBe(2);
  });

  it('lets I/O in between reconciles that never wait on I/O themselves (a cold start of thousands of cached, settled objects)', async () => {
    // Such reconciles resolve in microtasks only; without a turn of the event loop between them a
    // cold start of 10,000 indices starved every socket and timer (the Lease renewal timed out and
    // the leader stepped down, seen in the scale benchmark).
    const [c, r] = make(() => done(), 4);
    c.start();
    for (let i = 0; i < 2000; i++) c.enqueue(`ns/i${i}`);
    const seenByIo = await new Promise<number>((resolve) => setImmediate(() => resolve(r.calls.length)));
    expect(seenByIo).toBeLessThan(100);
    await settle(1000);
    expect(r.calls).toHaveLength(2000);
  });

  it('reconciles again after the requested delay on requeueAfter', async () => {
    const [c, r] = make((_k, call) => (call === 0 ? requeueAfter(1000) : done()));
    c.start();
    c.enqueue('ns/a');
    await settle();
    clock.advance(999);
    await settle();
    expect(r.callsFor('ns/a')).toBe(1);
    clock.advance(1);
    await settle();
    expect(r.callsFor('ns/a')).toBe(2);
    expect(await counter(metrics, 'reconcile_total', { result: 'requeueAfter' })).toBe(1);
  });

  it('retries a failed key with growing backoff and counts the retries', async () => {
    const [c, r] = make((_k, call) => (call < 3 ? retry(new Error('api down')) : done()));
    c.start();
    c.enqueue('ns/a');
    await settle();
    for (const delay of [5, 10, 20]) {
      clock.advance(delay - 1);
      await settle();
      const before = r.callsFor('ns/a');
      clock.advance(1);
      await settle();
      expect(r.callsFor('ns/a')).toBe(before + 1);
    }
    expect(await counter(metrics, 'reconcile_total', { result: 'retry' })).toBe(3);
    expect(await counter(metrics, 'workqueue_retries_total', { controller: 'test' })).toBe(3);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(3);
  });

  it('resets the backoff after a success', async () => {
    const [c, r] = make((_k, call) => (call === 0 || call === 2 ? retry(new Error('x')) : done()));
    c.start();
    c.enqueue('ns/a');
    await settle();
    clock.advance(5);
    await settle(); // call 1 succeeds
    c.enqueue('ns/a');
    await settle(); // call 2 fails again: first backoff step, not the second
    clock.advance(5);
    await settle();
    expect(r.callsFor('ns/a')).toBe(4);
  });

  it('does not retry a terminal failure and logs it as an error', async () => {
    const [c, r] = make(() => terminal(new Error('spec can never work')));
    c.start();
    c.enqueue('ns/a');
    await settle();
    clock.advance(2_000_000);
    await settle();
    expect(r.callsFor('ns/a')).toBe(1);
    expect(await counter(metrics, 'reconcile_total', { result: 'terminal' })).toBe(1);
    expect(lines.some((l) => l.level === 'error' && l.key === 'ns/a')).toBe(true);
  });

  it('counts a thrown exception as a panic and retries the key', async () => {
    const [c, r] = make((_k, call) => {
      if (call === 0) throw new Error('bug');
      return done();
    });
    c.start();
    c.enqueue('ns/a');
    await settle();
    clock.advance(5);
    await settle();
    expect(r.callsFor('ns/a')).toBe(2);
    expect(await counter(metrics, 'reconcile_panics_total', { controller: 'test' })).toBe(1);
  });

  it('waits for in-flight reconciles on stop and aborts their signal', async () => {
    const gate = deferred();
    let aborted = false;
    const [c] = make(async (_k, _n, ctx) => {
      await gate.promise;
      aborted = ctx.signal.aborted;
      return done();
    });
    c.start();
    c.enqueue('ns/a');
    await settle();
    let stopped = false;
    const stopping = c.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(aborted).toBe(true);
  });

  it('enqueues every object of a watched source on start and each event afterwards', async () => {
    const objects = [{ metadata: { namespace: 'ns', name: 'a' } }, { metadata: { namespace: 'ns', name: 'b' } }];
    const handlers: Array<(o: (typeof objects)[number]) => void> = [];
    const source: EventSource<(typeof objects)[number]> & ObjectStore<(typeof objects)[number]> = {
      onAdd: (h) => handlers.push(h), onUpdate: (h) => handlers.push(h), onDelete: (h) => handlers.push(h),
      get: () => undefined, list: () => objects,
    };
    const [c, r] = make(() => done());
    c.watch(source);
    c.start();
    await settle();
    expect(r.calls.map((x) => x.key).sort()).toEqual(['ns/a', 'ns/b']);
    handlers[1]({ metadata: { namespace: 'ns', name: 'c' } });
    await settle();
    expect(r.callsFor('ns/c')).toBe(1);
  });

  it('refuses to start twice', () => {
    const [c] = make(() => done());
    c.start();
    expect(() => c.start()).toThrow('Unable to start controller test: it is running. Create a new Controller.');
  });
});
