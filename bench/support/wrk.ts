/**
 * HTTP load from wrk (a C load generator, Debian package `wrk`): keep-alive connections from one
 * thread, cycling over a list of paths. A second client beside autocannon (which runs inside the
 * bench's own Node process), so a rate is not an artefact of one client's cost on the 2 shared cores.
 * wrk has no client certificates, so it only measures plain HTTP here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../test/support/run-command';

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  /** Responses with a status outside 2xx/3xx. */
  readonly non2xx: number;
  /** Connect, read, write and timeout errors together. */
  readonly socketErrors: number;
}

let wrkPath: string | undefined;

/** The wrk binary (looked up once), or an error that says how to install it. */
export function findWrk(): string {
  if (wrkPath) return wrkPath;
  const found = spawnSync('bash', ['-c', 'command -v wrk'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) {
    throw new Error('Unable to measure HTTP throughput with wrk: wrk is not installed. Install it (Debian/Ubuntu: `apt-get install wrk`; macOS: `brew install wrk`) and run the benchmark again.');
  }
  return (wrkPath = path);
}

/** A duration wrk prints ("812.00us", "1.20ms", "2.01s") in milliseconds. */
export function parseWrkDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`Unable to read wrk duration "${text}"`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * scale;
}

/** Reads wrk's --latency report. */
export function parseWrkOutput(out: string): WrkResult {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in /.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  if (!rate || !total || !p50 || !p99) throw new Error(`Unable to read wrk's report:\n${out}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: Number(rate[1]),
    requests: Number(total[1]),
    latencyMs: { p50: parseWrkDuration(p50[1]), p99: parseWrkDuration(p99[1]) },
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/** Lua for wrk: each request takes the next path of the list, round robin. */
export function pathCycleScript(paths: readonly string[]): string {
  return [
    `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }`,
    'local i = 0',
    'request = function()',
    '  i = i % #paths + 1',
    '  return wrk.format("GET", paths[i])',
    'end',
    '',
  ].join('\n');
}

/** Runs wrk against baseUrl (http://host:port) for durationS seconds, cycling over paths. */
export async function runWrk(baseUrl: string, paths: readonly string[], opts: { connections: number; durationS: number; threads?: number }): Promise<WrkResult> {
  const wrk = findWrk();
  const dir = mkdtempSync(join(tmpdir(), 'quidditch-wrk-'));
  try {
    const script = join(dir, 'paths.lua');
    writeFileSync(script, pathCycleScript(paths));
    const args = ['-t', String(opts.threads ?? 1), '-c', String(opts.connections), '-d', `${opts.durationS}s`, '--latency', '-s', script, baseUrl];
    const run = await runCommand(wrk, args);
    if (run.code !== 0) throw new Error(`wrk exited with ${run.code}: ${run.stderr.trim() || run.stdout.trim()}`);
    return parseWrkOutput(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
