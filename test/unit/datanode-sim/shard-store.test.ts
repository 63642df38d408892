import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { ShardInfo, ShardRef } from '../../../lib/operator/datanode/protocol';
import { DataDir } from '../../../lib/datanode-sim/data-dir';
import { Faults } from '../../../lib/datanode-sim/faults';
import { ShardStore } from '../../../lib/datanode-sim/shard-store';

const ref = (shardId: number, primary = true): ShardRef => ({ namespace: 'ns', indexName: 'logs', indexUid: 'u', shardId, primary });
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sim-data-'));

/** Resolves with the first change of `store` that `match` accepts. */
const change = (store: ShardStore, match: (s: ShardInfo) => boolean) =>
  new Promise<ShardInfo>((resolve) => {
    const off = store.subscribe((c) => {
      if (c.kind === 'UPSERT' && match(c.shard)) {
        off();
        resolve(c.shard);
      }
    });
  });

describe('ShardStore realism', () => {
  it('keeps its copies, settings and documents across a restart with its data directory, and re-opens them', () => {
    const dir = tmpDir();
    let now = new Date('2025-01-01T00:00:00Z');
    const clock = () => now;
    const first = new ShardStore('data-0', { dataDir: new DataDir(dir, 'data-0'), ingestRate: 10, startDelayMs: 1000, now: clock });
    first.open();
    first.createShard({ shard: ref(0), settingsJson: '{"index":{"refresh_interval":"1s"}}', settingsGeneration: 3 });
    now = new Date('2025-01-01T00:00:11Z'); // started at 1 s, 10 s of ingest
    expect(first.getShardInfo(ref(0))).toMatchObject({ state: 'STARTED', docsCount: 100 });
    first.close();

    const again = new ShardStore('data-0', { dataDir: new DataDir(dir, 'data-0'), ingestRate: 10, startDelayMs: 1000, now: clock });
    again.open();
    expect(again.getShardInfo(ref(0))).toMatchObject({ state: 'INITIALIZING', docsCount: 100, settingsGeneration: 3 });
    expect(again.definitions()['ns/logs/u/0/p'].settings).toEqual({ index: { refresh_interval: '1s' } });
    expect(again.stats().createEffective).toBe(0); // nothing was created again
    again.close();
  });

  it('loses its copies when restarted without its data directory', () => {
    const first = new ShardStore('data-0');
    first.createShard({ shard: ref(0) });
    first.close();
    const again = new ShardStore('data-0');
    again.open();
    expect(again.size).toBe(0);
  });

  it("refuses another node's data directory", () => {
    const dir = tmpDir();
    const a = new ShardStore('data-0', { dataDir: new DataDir(dir, 'data-0') });
    a.open();
    a.createShard({ shard: ref(0) });
    expect(() => new ShardStore('data-1', { dataDir: new DataDir(dir, 'data-1') }).open()).toThrow(
      `Unable to use data directory ${dir}: it holds the data of node data-0, not data-1. Give each node its own --data-dir.`,
    );
  });

  it('recovers a replica from its source: documents copied, start delayed by the MiB it holds', async () => {
    const store = new ShardStore('data-1', {
      recoveryMsPerMiB: 40,
      recover: () => Promise.resolve({ docsCount: 500, sizeBytes: 2 * 1024 * 1024 }),
    });
    const created = store.createShard({ shard: ref(0, false), recoverySource: { nodeName: 'data-0', address: 'x:1', shard: ref(0) } });
    expect(created.state).toBe('INITIALIZING');
    const started = await change(store, (s) => s.state === 'STARTED');
    expect(started.docsCount).toBe(500);
    store.close();
  });

  it('fails a copy whose recovery source cannot be read, saying why', async () => {
    const store = new ShardStore('data-1', { recover: () => Promise.reject(new Error('UNAVAILABLE')) });
    store.createShard({ shard: ref(0, false), recoverySource: { nodeName: 'data-0', address: 'x:1', shard: ref(0) } });
    const failed = await change(store, (s) => s.state === 'FAILED');
    expect(failed.failureReason).toBe('recovery from node data-0 at x:1 failed: UNAVAILABLE');
    // Idempotent: creating it again returns the failed copy, it does not start over.
    expect(store.createShard({ shard: ref(0, false) })).toMatchObject({ created: false, state: 'FAILED' });
  });

  it('fails the injected fraction of creates, creating nothing for them, reproducibly by seed', () => {
    const run = () => {
      const store = new ShardStore('data-0', { faults: new Faults({ failCreateRatio: 0.2 }, 42) });
      const outcomes = Array.from({ length: 200 }, (_, i) => {
        try {
          store.createShard({ shard: ref(i) });
          return true;
        } catch (err) {
          expect(err).toMatchObject({ code: grpc.status.UNAVAILABLE });
          return false;
        }
      });
      expect(store.size).toBe(outcomes.filter(Boolean).length);
      return outcomes;
    };
    const outcomes = run();
    expect(outcomes).toEqual(run());
    const failed = outcomes.filter((ok) => !ok).length;
    expect(failed).toBeGreaterThan(10);
    expect(failed).toBeLessThan(80);
  });

  it('refuses a create once its disk is full', () => {
    const store = new ShardStore('data-0', { diskCapacityBytes: 10 });
    store.createShard({ shard: ref(0), settingsJson: '{"refresh_interval":"1s"}' });
    expect(() => store.createShard({ shard: ref(1) })).toThrow(/^node data-0 has no disk left/);
  });

  it('reports a start time of fixed delay plus jitter', () => {
    let now = new Date(0);
    const store = new ShardStore('data-0', { startDelayMs: 100, startJitterMs: 50, now: () => now });
    store.createShard({ shard: ref(0) });
    now = new Date(99);
    expect(store.getShardInfo(ref(0)).state).toBe('INITIALIZING');
    now = new Date(150);
    expect(store.getShardInfo(ref(0)).state).toBe('STARTED');
    store.close();
  });

  it('announces a start even when its timer fires a millisecond before the clock says it is due', () => {
    // setTimeout runs on the monotonic clock, Date on the wall clock: the timer can fire while
    // Date.now() still reads 1 ms short of the start, and a moment later reads past it. A store that
    // then finds nothing left to wait for must still tell its watchers, or the copy starts silently.
    jest.useFakeTimers();
    try {
      const readings: number[] = [];
      let now = 0;
      const store = new ShardStore('data-0', { startDelayMs: 100, now: () => new Date(readings.shift() ?? now) });
      const seen: string[] = [];
      store.subscribe((c) => seen.push(`${c.kind} ${c.shard.state}`));
      store.createShard({ shard: ref(0) });
      now = 100;
      readings.push(99); // the timer's first look at the clock: early
      jest.advanceTimersByTime(100);
      jest.runOnlyPendingTimers();
      jest.runOnlyPendingTimers();
      expect(seen).toEqual(['UPSERT INITIALIZING', 'UPSERT STARTED']);
      store.close();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('ShardStore promotion as its watchers see it', () => {
  it('reports the new primary before the replica\'s removal, so the shard is never seen held by no copy', () => {
    const store = new ShardStore('data-0');
    store.createShard({ shard: ref(0, false) });
    const seen: string[] = [];
    const held = new Set<string>([`0/r`]);
    let neverEmpty = true;
    store.subscribe((c) => {
      const key = `${c.shard.shard.shardId}/${c.shard.shard.primary ? 'p' : 'r'}`;
      seen.push(`${c.kind} ${key}`);
      if (c.kind === 'REMOVED') held.delete(key);
      else held.add(key);
      if (held.size === 0) neverEmpty = false;
    });
    store.promoteShard(ref(0, true));
    expect(seen).toEqual(['UPSERT 0/p', 'REMOVED 0/r']);
    expect(neverEmpty).toBe(true);
    store.close();
  });
});
