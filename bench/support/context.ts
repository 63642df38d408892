/**
 * What every benchmark gets: the local control plane (the one `npm run cluster` runs), a fresh
 * namespace per benchmark, and the operator and datanode-sim processes the integration tests use
 * (test/integration/operator/harness.ts), so the numbers come from the same programs as production.
 */
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QuidditchIndex } from '../../lib/api/v1';
import { Cluster } from '../../test/integration/operator/fixtures';
import { OperatorOptions, OperatorProcess, SimProcess } from '../../test/integration/operator/harness';
import { FROM_SOURCE_ENV } from '../../test/support/app-bundle';
import { createTestNamespace, waitFor } from '../../test/support/kube';
import { mapLimit } from '../../lib/operator/controllers/map-limit';

export interface BenchOptions {
  /** Directory for CPU profiles; when set the operator runs with --cpu-prof. */
  readonly profileDir?: string;
  /** The control plane's processes, for their CPU from /proc (etcd has no metric for it we scrape). */
  readonly controlPlanePids?: { etcd: number | undefined; apiServer: number | undefined };
  /** Print progress lines. */
  readonly log: (line: string) => void;
}

export class BenchContext {
  constructor(readonly opts: BenchOptions) {}

  log(line: string): void {
    this.opts.log(line);
  }

  async namespace(prefix: string): Promise<Cluster> {
    return new Cluster(await createTestNamespace(`bench-${prefix}`));
  }

  /** Starts data-node sims; with profiling on each writes sim-<pid>.cpuprofile into profileDir when it exits gracefully. */
  startSims(cluster: Cluster, count: number, opts: { maxShards?: number; heartbeatSeconds?: number; extraArgs?: readonly string[] } = {}): Promise<SimProcess[]> {
    return this.profiled('sim', () =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          SimProcess.start({ name: `data-${i}`, namespace: cluster.namespace, heartbeatSeconds: opts.heartbeatSeconds ?? 5, maxShards: opts.maxShards, extraArgs: opts.extraArgs }),
        ),
      ),
    );
  }

  /** Starts an operator; with profiling on it writes operator-<pid>.cpuprofile into profileDir when it exits gracefully. */
  startOperator(opts: OperatorOptions): Promise<OperatorProcess> {
    return this.profiled('operator', () => OperatorProcess.start(opts));
  }

  /** Runs `start` with the profiling preload in the environment the harness passes to the processes it spawns. */
  private async profiled<T>(role: string, start: () => Promise<T>): Promise<T> {
    if (!this.opts.profileDir) return start();
    const saved = { options: process.env.NODE_OPTIONS, dir: process.env.QUIDDITCH_CPU_PROFILE_DIR, role: process.env.QUIDDITCH_CPU_PROFILE_ROLE, source: process.env[FROM_SOURCE_ENV] };
    // node refuses --cpu-prof in NODE_OPTIONS, so a preload does it.
    process.env.NODE_OPTIONS = `${saved.options ?? ''} --require ${join(__dirname, 'cpu-profile-hook.cjs')}`.trim();
    process.env.QUIDDITCH_CPU_PROFILE_DIR = this.opts.profileDir;
    process.env.QUIDDITCH_CPU_PROFILE_ROLE = role;
    // From source, so the profile names lib/ files (the bundle is one minified file); its CPU then
    // includes tsx's compiling at start, which the per-index costs, counted over the burst, do not.
    process.env[FROM_SOURCE_ENV] = '1';
    try {
      return await start();
    } finally {
      restoreEnv('NODE_OPTIONS', saved.options);
      restoreEnv('QUIDDITCH_CPU_PROFILE_DIR', saved.dir);
      restoreEnv('QUIDDITCH_CPU_PROFILE_ROLE', saved.role);
      restoreEnv(FROM_SOURCE_ENV, saved.source);
    }
  }
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Resident set size of a process, from /proc (Linux), in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/**
 * Watches a namespace's QuidditchIndexes and records, with the bench's clock, the first moment each
 * one is seen ACTIVE and settled (observedGeneration caught up): what a client waiting on it sees.
 */
export class ActiveTracker {
  readonly activeAt = new Map<string, number>();
  private readonly waiters = new Map<string, Array<(t: number) => void>>();
  private countWaiter: { count: number; resolve: () => void } | undefined;
  private abort: { abort(): void } | undefined;
  private stopped = false;
  private cluster: Cluster | undefined;

  static async start(cluster: Cluster): Promise<ActiveTracker> {
    const tracker = new ActiveTracker();
    const path = `/apis/quidditch.io/v1/namespaces/${cluster.namespace}/quidditchindices`;
    // Re-opened when it ends (e.g. a 429 while the loaded API server is still starting up): a watch
    // without resourceVersion replays every index as ADDED, so nothing that became ACTIVE is missed.
    // A failed re-open is retried too: a tracker that silently stops would turn every later wait into a
    // timeout that blames the operator.
    const reopen = (): void => {
      setTimeout(() => {
        open().catch((err: Error) => {
          process.stderr.write(`ActiveTracker could not reopen its watch: ${err.message}; retrying\n`);
          reopen();
        });
      }, 200).unref();
    };
    const open = async (): Promise<void> => {
      tracker.abort = await new Watch(cluster.kc).watch(path, {}, (type, obj: QuidditchIndex) => tracker.onEvent(type, obj), (err) => {
        if (tracker.stopped) return;
        if (err) process.stderr.write(`ActiveTracker watch ended: ${(err as Error).message}; reopening\n`);
        reopen();
      });
    };
    tracker.cluster = cluster;
    await open();
    return tracker;
  }

  private onEvent(type: string, obj: QuidditchIndex): void {
    const name = obj.metadata.name ?? '';
    if (type === 'DELETED' || this.activeAt.has(name)) return;
    if (obj.status?.state !== 'ACTIVE' || obj.status.observedGeneration !== obj.metadata.generation) return;
    const t = performance.now();
    this.activeAt.set(name, t);
    for (const w of this.waiters.get(name) ?? []) w(t);
    this.waiters.delete(name);
    if (this.countWaiter && this.activeAt.size >= this.countWaiter.count) this.countWaiter.resolve();
  }

  /** Resolves with the performance.now() at which `name` was first seen ACTIVE. */
  waitActive(name: string, timeoutMs = 120_000): Promise<number> {
    const seen = this.activeAt.get(name);
    if (seen !== undefined) return Promise.resolve(seen);
    const seenActive = new Promise<number>((resolve) => this.waiters.set(name, [...(this.waiters.get(name) ?? []), resolve]));
    return withTimeout(seenActive, timeoutMs, `${name} to become ACTIVE`).catch(async (err: Error) => {
      // Say what the API server has, so a timeout tells a stuck index from a tracker that missed it.
      const now = await this.cluster?.indices.get(this.cluster.namespace, name).catch(() => undefined);
      const copies = (now?.status?.shardAllocations ?? []).map((a) => `${a.shardId}${a.primary ? 'p' : 'r'}@${a.nodeId}:${a.state}`).join(' ');
      throw new Error(`${err.message}; the API server has state ${now?.status?.state}, health ${now?.status?.health}, observedGeneration ${now?.status?.observedGeneration}/${now?.metadata.generation}, copies ${copies}`);
    });
  }

  /** Resolves once `count` indices have been seen ACTIVE. */
  waitCount(count: number, timeoutMs: number): Promise<void> {
    if (this.activeAt.size >= count) return Promise.resolve();
    return withTimeout(new Promise<void>((resolve) => (this.countWaiter = { count, resolve })), timeoutMs, `${count} indices ACTIVE (have ${this.activeAt.size})`);
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `fn` over `items` with at most `limit` in flight (the operator's own helper). */
export const inParallel = mapLimit;

export const names = (prefix: string, count: number, from = 0): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${String(from + i).padStart(5, '0')}`);

/** Every object of a quidditch.io/v1 kind in the namespace, in one list call. */
export async function listAll<T>(cluster: Cluster, plural: 'quidditchindices' | 'quidditchnodes'): Promise<T[]> {
  const api = cluster.kc.makeApiClient(CustomObjectsApi);
  const list = (await api.listNamespacedCustomObject({ group: 'quidditch.io', version: 'v1', namespace: cluster.namespace, plural })) as { items: T[] };
  return list.items;
}

export { waitFor };
