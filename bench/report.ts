/** Writes each benchmark's result as JSON and renders every stored result into one markdown table. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './support/machine';
import type { BenchResult } from './support/result';

export interface StoredResult extends BenchResult {
  readonly machine: MachineInfo;
  readonly error?: string;
}

export function storeResult(dir: string, result: StoredResult): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${result.name}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

export function loadResults(dir: string, order: readonly string[]): StoredResult[] {
  if (!existsSync(dir)) return [];
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'results.json')
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as StoredResult);
  const rank = (r: StoredResult): number => (order.includes(r.name) ? order.indexOf(r.name) : order.length);
  return all.sort((a, b) => rank(a) - rank(b));
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(x));

function machineLine(m: MachineInfo): string {
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, kube-apiserver ${m.kubeApiServer}, etcd ${m.etcd}, @kubernetes/client-node ${m.clientNode}; commit ${m.commit}`;
}

export function renderMarkdown(results: readonly StoredResult[], command: string): string {
  const out: string[] = ['# Benchmark results', '', `Produced by \`${command}\` (one benchmark: \`npm run bench -- <name>\`). Numbers, not assertions.`, ''];
  const machines = [...new Set(results.map((r) => machineLine(r.machine)))];
  out.push(machines.length === 1 ? `Machine: ${machines[0]}` : `Machines:\n${machines.map((m) => `- ${m}`).join('\n')}`, '');
  out.push('| Benchmark | Metric | Measured | Seed (K8s-native estimate) | Target | Met |', '|---|---|---|---|---|---|');
  for (const r of results) {
    if (r.error) out.push(`| ${r.title} | (failed) | ${r.error.split('\n')[0].replace(/\|/g, '\\|').slice(0, 200)} | | | |`);
    for (const row of r.rows) {
      const note = row.note ? ` (${row.note})` : '';
      out.push(`| ${r.title} | ${row.metric}${note} | ${fmt(row.value)} ${row.unit} | ${row.seed ?? ''} | ${row.target?.text ?? ''} | ${row.target ? (row.target.met ? 'yes' : '**no**') : ''} |`);
    }
  }
  out.push('', '## Setup of each benchmark', '');
  for (const r of results) out.push(`- **${r.title}** (\`${r.name}\`, ${r.machine.date}, ${fmt(r.durationSeconds ?? NaN)} s): ${r.setup}`);
  return `${out.join('\n')}\n`;
}
