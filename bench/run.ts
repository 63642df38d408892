/**
 * `npm run bench`: starts a local control plane (etcd + kube-apiserver, CRDs installed), runs the
 * benchmarks against the real operator and datanode-sim processes, and writes bench/results/<name>.json
 * plus bench/results/results.md (every stored result in one table, with the machine beside it).
 *
 *   npm run bench                        # all, in order (about 10–15 minutes on 2 cores)
 *   npm run bench -- latency routing     # only these
 *   npm run bench -- --list
 *   npm run bench -- scale --profile     # operator runs with --cpu-prof; profiles in bench/results/profiles
 *   BENCH_SCALE_STEPS=1000 npm run bench -- scale
 *   BENCH_OPERATOR_ARGS="--concurrency=4" npm run bench -- creation-rate   # operator flags for a side-by-side run
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startLocalCluster } from '../scripts/cluster';
import { stopAll } from '../test/integration/operator/harness';
import { creationRate } from './creation-rate';
import { drain } from './drain';
import { failover } from './failover';
import { heartbeats } from './heartbeats';
import { latency } from './latency';
import { loadResults, renderMarkdown, storeResult } from './report';
import { routing } from './routing';
import { routingFreshness } from './routing-freshness';
import { scale } from './scale';
import { BenchContext } from './support/context';
import { machineInfo, withLoad } from './support/machine';
import { writePerformanceTable } from '../scripts/perf-table';
import type { Benchmark } from './support/result';

const BENCHMARKS: readonly Benchmark[] = [latency, creationRate, routing, routingFreshness, heartbeats, failover, scale, drain];
const RESULTS_DIR = resolve(__dirname, 'results');

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--list') || argv.includes('--help')) {
    process.stdout.write(`Benchmarks (npm run bench -- [names...] [--profile]):\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(14)} ${b.title}`).join('\n')}\n`);
    return 0;
  }
  const wanted = argv.filter((a) => !a.startsWith('--'));
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (unknown.length) {
    process.stderr.write(`Unable to run benchmarks ${unknown.join(', ')}: unknown names. Known: ${BENCHMARKS.map((b) => b.name).join(', ')}.\n`);
    return 2;
  }
  const selected = wanted.length ? BENCHMARKS.filter((b) => wanted.includes(b.name)) : BENCHMARKS;
  const profileDir = argv.includes('--profile') ? join(RESULTS_DIR, 'profiles') : undefined;

  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const started = Date.now();
  const cluster = await startLocalCluster({ kubeconfigPath: join(mkdtempSync(join(tmpdir(), 'quidditch-bench-')), 'kubeconfig') });
  process.env.QUIDDITCH_TEST_KUBECONFIG = cluster.kubeconfigPath;
  process.env.KUBECONFIG = cluster.kubeconfigPath;
  let failures = 0;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const machine = await machineInfo(kc);
    log(`Machine: ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, kube-apiserver ${machine.kubeApiServer}, etcd ${machine.etcd}, commit ${machine.commit}`);
    log(`Control plane ready in ${cluster.readySeconds.toFixed(1)} s at ${cluster.controlPlane.server}`);
    const ctx = new BenchContext({ log, profileDir, controlPlanePids: cluster.controlPlane.pids });
    for (const bench of selected) {
      log(`\n== ${bench.name}: ${bench.title}`);
      const t0 = Date.now();
      try {
        const result = await bench.run(ctx);
        storeResult(RESULTS_DIR, { name: bench.name, title: bench.title, ...result, durationSeconds: Math.round((Date.now() - t0) / 100) / 10, machine: withLoad(machine) });
        for (const row of result.rows) log(`  ${row.metric}: ${row.value} ${row.unit}${row.target ? ` (target ${row.target.text}: ${row.target.met ? 'met' : 'MISSED'})` : ''}`);
      } catch (err) {
        failures++;
        const message = (err as Error).stack ?? String(err);
        log(`  FAILED: ${message}`);
        storeResult(RESULTS_DIR, { name: bench.name, title: bench.title, setup: '', rows: [], error: message, durationSeconds: Math.round((Date.now() - t0) / 100) / 10, machine: withLoad(machine) });
      } finally {
        await stopAll();
      }
    }
  } finally {
    await stopAll();
    await cluster.stop();
  }
  const markdown = renderMarkdown(loadResults(RESULTS_DIR, BENCHMARKS.map((b) => b.name)), 'npm run bench');
  writeFileSync(join(RESULTS_DIR, 'results.md'), markdown);
  log(`\n${markdown}\nWrote ${join(RESULTS_DIR, 'results.md')} in ${Math.round((Date.now() - started) / 1000)} s.`);
  log(`Updated README.md's Performance table from the results (${writePerformanceTable()}). Commit bench/results/*.json with it.`);
  return failures ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
