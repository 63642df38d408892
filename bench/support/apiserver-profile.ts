/**
 * A CPU profile of kube-apiserver over a stretch of a benchmark: back-to-back /debug/pprof/profile
 * windows (the server's own profiler, on by default, readable by the admin user) until stop(), then
 * `go tool pprof` merges them. The profile answers where the API server's CPU per index goes (CEL,
 * schema validation, field manager, watch fan-out, etcd client...), which its metrics cannot.
 * Sampling at 100 Hz costs the server about nothing; without a Go toolchain the summary is skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KeepAliveClient } from './keep-alive-client';

const WINDOW_SECONDS = 5;

export class ApiServerProfiler {
  readonly files: string[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly client: KeepAliveClient,
    readonly dir: string,
  ) {
    this.loop = this.run();
  }

  /** Starts profiling at once; its own connection, so the load generator's pool is not shared. */
  static async start(kc: KubeConfig): Promise<ApiServerProfiler> {
    return new ApiServerProfiler(await KeepAliveClient.create(kc, 1), mkdtempSync(join(tmpdir(), 'quidditch-apiserver-pprof-')));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const data = await this.client.getBuffer(`/debug/pprof/profile?seconds=${WINDOW_SECONDS}`);
      const file = join(this.dir, `cpu-${this.files.length}.pb.gz`);
      writeFileSync(file, data);
      this.files.push(file);
    }
  }

  /** Ends after the window in flight (at most WINDOW_SECONDS more); resolves with the profile files. */
  async stop(): Promise<string[]> {
    this.stopped = true;
    try {
      await this.loop;
    } finally {
      this.client.close();
    }
    return this.files;
  }
}

/** The go binary: $GOROOT's, PATH's, or the usual install place. */
function goBinary(): string | undefined {
  const candidates = [process.env.GOROOT ? join(process.env.GOROOT, 'bin', 'go') : '', '/usr/local/go/bin/go'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Seconds of samples that `go tool pprof` keeps with these filters (focus/ignore are its regexps). */
function pprofSeconds(go: string, files: readonly string[], filters: { focus?: string; ignore?: string }): { matched: number; total: number } {
  const args = ['tool', 'pprof', '-top', '-nodecount=1000000', '-nodefraction=0', '-edgefraction=0',
    ...(filters.focus ? [`-focus=${filters.focus}`] : []), ...(filters.ignore ? [`-ignore=${filters.ignore}`] : []), ...files];
  return pprofTotals(execFileSync(go, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }));
}

/** The seconds `go tool pprof -top` reports as shown (after focus/ignore) and in total. */
export function pprofTotals(out: string): { matched: number; total: number } {
  const seconds = (v: string, u: string) => Number(v) / (u === 'ms' ? 1000 : u === 'us' ? 1e6 : 1);
  const shown = /accounting for ([\d.]+)(ms|us|s), [\d.]+% of ([\d.]+)(ms|us|s) total/.exec(out);
  if (shown) return { matched: seconds(shown[1], shown[2]), total: seconds(shown[3], shown[4]) };
  // A focus nothing matched prints no "Showing nodes" line.
  const total = /Total samples = ([\d.]+)(ms|us|s)/.exec(out);
  return { matched: 0, total: total ? seconds(total[1], total[2]) : NaN };
}

/**
 * Where the API server's CPU went, in parts that do not overlap (each sample counts in the first part
 * whose frames it has), then cross-cutting costs (which do overlap the parts). Regexps name kube-apiserver
 * 1.34's functions; a part that no longer matches shows 0, not an error.
 */
const PARTS: ReadonlyArray<readonly [string, string]> = [
  ['garbage collection', 'runtime\\.gcBgMarkWorker'],
  ['status writes (…/status, inside storage)', 'customresource\\.\\(\\*StatusREST\\)\\.Update'],
  ['other updates and patches (finalizer, heartbeats, leases)', 'registry\\.\\(\\*Store\\)\\.Update'],
  ['creates (indices, Events)', 'registry\\.\\(\\*Store\\)\\.Create'],
  ['watch: etcd decode, cache, send', 'etcd3\\.\\(\\*watchChan\\)|WatchServer|cacher\\.|watchcache'],
  ['request path outside storage (TLS, HTTP, authn/z, flow control, decode, response)', 'net/http\\.\\(\\*conn\\)\\.serve|finishRequest|timeoutHandler'],
];
const CROSS: ReadonlyArray<readonly [string, string]> = [
  ['merge patch: live object to JSON, merge, decode', 'applyPatchToCurrentObject'],
  ['field manager (managedFields)', 'managedfields|fieldmanager'],
  ['OpenAPI schema validation', 'validation\\.ValidateCustomResource|SchemaValidator'],
  ['CEL validation rules', 'apiserver/schema/cel\\.'],
  ['pruning and defaulting', 'structuralpruning|structuraldefaulting|pruning\\.Prune'],
  ['admission', 'admission\\.'],
  ['etcd client calls', 'go\\.etcd\\.io/etcd/client'],
  ['JSON encode/decode', 'encoding/json|sigs\\.k8s\\.io/json'],
];

export interface ProfilePart {
  readonly part: string;
  /** CPU ms per unit (e.g. per index). */
  readonly ms: number;
  readonly share: number;
}

export interface ApiServerProfileSummary {
  readonly sampledSeconds: number;
  readonly parts: readonly ProfilePart[];
  readonly crossCutting: readonly ProfilePart[];
}

/** Splits the profile's samples into PARTS and CROSS, per `units` (e.g. 1000 indices); undefined without Go. */
export function summarizeApiServerProfile(files: readonly string[], units: number): ApiServerProfileSummary | undefined {
  const go = goBinary();
  if (!go || files.length === 0) return undefined;
  const entry = (part: string, seconds: number, total: number): ProfilePart => ({ part, ms: (1000 * seconds) / units, share: seconds / total });
  const total = pprofSeconds(go, files, {}).total;
  const parts: ProfilePart[] = [];
  const earlier: string[] = [];
  for (const [part, focus] of PARTS) {
    const { matched } = pprofSeconds(go, files, { focus, ignore: earlier.length ? earlier.join('|') : undefined });
    parts.push(entry(part, matched, total));
    earlier.push(focus);
  }
  parts.push(entry('other (timers, metrics, leases, idle loops)', total - parts.reduce((s, p) => s + (p.ms * units) / 1000, 0), total));
  const crossCutting = CROSS.map(([part, focus]) => entry(part, pprofSeconds(go, files, { focus }).matched, total));
  return { sampledSeconds: total, parts, crossCutting };
}
