/**
 * Where did the CPU go? Summarizes a V8 .cpuprofile (from `npm run bench -- <name> --profile`) by
 * self time per function and per package, so a missed target points at code, not guesses.
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/CPU.*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** node_modules/<pkg> (scoped too), node: internals, our own top folder, or the special V8 frames. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'program'})`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return url;
  const own = /\/(lib\/[^/]+(?:\/[^/]+)?|apps|test|bench)\//.exec(url);
  return own ? own[1] : url;
}

export function summarizeProfile(profile: CpuProfile): { totalMs: number; byFunction: [string, number][]; byPackage: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, ms] of self) {
    const { callFrame: f } = byId.get(id)!;
    const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|lib|apps)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const p = packageOf(f.url, f.functionName);
    pkg.set(p, (pkg.get(p) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: (profile.endTime - profile.startTime) / 1000, byFunction: sorted(fn), byPackage: sorted(pkg) };
}

function main(argv: string[]): void {
  const topIdx = argv.indexOf('--top');
  const top = topIdx >= 0 ? Number(argv[topIdx + 1]) : 20;
  const files = argv.filter((a, i) => !a.startsWith('--') && i !== topIdx + 1);
  if (files.length === 0) {
    process.stderr.write('Usage: npx tsx bench/profile-summary.ts <file.cpuprofile>... [--top N]\n');
    process.exit(2);
  }
  for (const file of files) {
    const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms`;
    process.stdout.write(`\n${file}: ${(s.totalMs / 1000).toFixed(1)} s profiled\n-- by package (self time)\n`);
    for (const [k, ms] of s.byPackage.slice(0, top)) process.stdout.write(`${pct(ms)}  ${k}\n`);
    process.stdout.write('-- by function (self time)\n');
    for (const [k, ms] of s.byFunction.slice(0, top)) process.stdout.write(`${pct(ms)}  ${k}\n`);
  }
}

if (require.main === module) main(process.argv.slice(2));
