/**
 * Sustained creation rate over 1,000 indices: first the raw rate at which the API server accepts
 * QuidditchIndex creates with no operator watching (the ceiling), then, in the same run, the rate at
 * which 1,000 indices become ACTIVE with the operator. Same client and concurrency for both.
 *
 * Beside the rates, which a loaded shared machine depresses, the costs that do not depend on the
 * machine: the operator's CPU seconds per index (/proc/<pid>/stat) and the API writes per index by
 * verb and resource (the API server's apiserver_request_total, minus the bench's own creates and the
 * sims' heartbeats), counted from just before the burst until the operator's queue has drained.
 */
import { dirname } from 'node:path';
import { ActiveTracker, BenchContext, inParallel, names, waitFor } from './support/context';
import { apiWrites, diffWrites, totalWrites, withoutWrites, WriteCounts } from './support/api-writes';
import { KeepAliveClient } from './support/keep-alive-client';
import { installFinalizerPolicy } from '../test/support/finalizer-policy';
import { ApiServerProfiler, ProfilePart, summarizeApiServerProfile } from './support/apiserver-profile';
import { processCpuSeconds } from './support/proc-cpu';
import type { Benchmark } from './support/result';
import { metricValue, round } from './support/stats';

function metricValueOr0(text: string, name: string, labels: Record<string, string>): number {
  try {
    return metricValue(text, name, labels);
  } catch {
    return 0;
  }
}

const COUNT = 1000;
const CLIENT_CONCURRENCY = 16;
const SHARDS = 1;
const REPLICAS = 1;
const WARMUP = 50;
const IDLE_SECONDS = 5;

const verbsText = (byVerb: Readonly<Record<string, number>>) => Object.entries(byVerb).map(([k, v]) => `${k} ${v}`).join(', ');
const limitsText = (sorted: readonly number[]) =>
  sorted.length ? `min ${sorted[0]}, median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted[sorted.length - 1]} (${sorted.length} samples)` : 'not sampled';
const partsText = (parts: readonly { part: string; ms: number }[]) => parts.map((p) => `${p.part} ${round(p.ms, 2)}`).join(', ');

/** Inputs of one operator burst: the raw run's client, the create body, and whether the policy adds the finalizer. */
interface BurstInputs {
  readonly ctx: BenchContext;
  readonly client: KeepAliveClient;
  readonly pathOf: (namespace: string) => string;
  readonly body: (name: string) => unknown;
  readonly operatorArgs: readonly string[];
  /** Install the constructs' operator.finalizerAdmissionPolicy (this API version) in the burst's namespace first. */
  readonly finalizerPolicy?: 'v1beta1';
}

/**
 * COUNT indices created against a fresh operator and 3 sims in a namespace of their own, from the
 * same keep-alive client as the raw rate: the rate at which they turn ACTIVE and what each cost.
 */
async function operatorBurst({ ctx, client, pathOf, body, operatorArgs, finalizerPolicy }: BurstInputs) {
  const cluster = await ctx.namespace(finalizerPolicy ? 'op-create-policy' : 'op-create');
  // The constructs' operator.finalizerAdmissionPolicy, installed for this namespace.
  if (finalizerPolicy) await installFinalizerPolicy(cluster.kc, { namespace: cluster.namespace, operator: { finalizerAdmissionPolicy: finalizerPolicy } });
  const sims = await ctx.startSims(cluster, 3);
  const operator = await ctx.startOperator({ namespace: cluster.namespace, args: operatorArgs });
  const tracker = await ActiveTracker.start(cluster);
  const pids = { operator: operator.process.pid ?? NaN, sims: sims.map((s) => s.process.pid ?? NaN) };
  // Everything that costs something, read at once: before the burst and after the operator settled.
  const sample = async () => {
    const server = await client.getText('/metrics');
    const op = await operator.metrics();
    // A series not yet observed (no retry so far) is absent from /metrics: it counts as 0.
    const opMetric = (name: string, labels: Record<string, string>) => (op.includes(name) ? metricValueOr0(op, name, labels) : 0);
    return {
      reconciles: opMetric('reconcile_total', { controller: 'index' }),
      reconcileSeconds: opMetric('reconcile_duration_seconds_sum', { controller: 'index' }),
      indexEvents: opMetric('informer_events_total', { resource: 'quidditchindices' }),
      writes: apiWrites(server),
      apiServerCpu: metricValue(server, 'process_cpu_seconds_total'),
      operatorCpu: processCpuSeconds(pids.operator),
      simsCpu: pids.sims.reduce((s, pid) => s + processCpuSeconds(pid), 0),
      etcdCpu: ctx.opts.controlPlanePids?.etcd ? processCpuSeconds(ctx.opts.controlPlanePids.etcd) : NaN,
      benchCpu: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      at: performance.now() / 1000,
      heartbeats: (await Promise.all(sims.map((s) => s.stats()))).reduce((n, s) => n + s.heartbeats, 0),
    };
  };
  // The API server's cost with nothing to do (leases, heartbeats, watches idle), to tell the
  // background from what each index costs.
  const idleStart = await sample();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idleEnd = await sample();
  const profiler = await ApiServerProfiler.start(cluster.kc);
  const before = await sample();
  // The same keep-alive client as the raw rate: through client-node (a TLS handshake per create)
  // the load generator itself capped the burst near 140/s while sharing the cores with the rest.
  // The index controller's adaptive concurrency limit (reconcile_concurrency_limit), every 250 ms of the burst.
  const limits: number[] = [];
  const limitSampler = setInterval(() => {
    operator.metrics().then((m) => limits.push(metricValueOr0(m, 'reconcile_concurrency_limit', { controller: 'index' })), () => undefined);
  }, 250);
  const t0 = performance.now();
  await inParallel(names(finalizerPolicy ? 'pidx' : 'idx', COUNT), CLIENT_CONCURRENCY, (n) => client.post(pathOf(cluster.namespace), body(n)));
  const acceptedSeconds = (performance.now() - t0) / 1000;
  await tracker.waitCount(COUNT, 300_000);
  clearInterval(limitSampler);
  const sortedLimits = [...limits].sort((a, b) => a - b);
  ctx.log(`  index reconcile concurrency limit during the burst: ${limitsText(sortedLimits)}`);
  const lastActive = Math.max(...tracker.activeAt.values());
  const opSeconds = (lastActive - t0) / 1000;
  const opRate = COUNT / opSeconds;
  ctx.log(`  with operator: ${round(opRate)} ACTIVE/s (${round(opSeconds, 2)} s; creates accepted in ${round(acceptedSeconds, 2)} s)`);
  tracker.stop();
  // Settled: nothing queued or in flight, and the fire-and-forget Event writes have landed (the
  // API server's write count holds still for a second).
  await waitFor(async () => metricValue(await operator.metrics(), 'workqueue_depth', { controller: 'index' }) === 0, {
    timeoutMs: 60_000, intervalMs: 200, description: 'the index queue to drain',
  });
  let settled = totalWrites(apiWrites(await client.getText('/metrics')));
  await waitFor(async () => {
    await new Promise((r) => setTimeout(r, 1000));
    const now = totalWrites(apiWrites(await client.getText('/metrics')));
    const still = now === settled;
    settled = now;
    return still;
  }, { timeoutMs: 30_000, intervalMs: 0, description: 'API writes to settle' });
  const after = await sample();
  const profileFiles = await profiler.stop();
  await operator.stop();
  // Idle from here on, but not left running beside the next burst.
  await Promise.all(sims.map((x) => x.stop()));

  const all = diffWrites(before.writes, after.writes);
  // Ours: the burst's creates; the sims': their heartbeats (status patches of their QuidditchNodes).
  const notOperator: WriteCounts = { 'POST quidditchindices': COUNT, 'PATCH quidditchnodes/status': after.heartbeats - before.heartbeats };
  const operatorWrites = withoutWrites(all, notOperator);
  const perIndex = (n: number) => n / COUNT;
  const writesPerIndex = perIndex(totalWrites(operatorWrites));
  const eventsPerIndex = perIndex((operatorWrites['POST events'] ?? 0) + (operatorWrites['PATCH events'] ?? 0));
  const byVerb = Object.fromEntries(Object.entries(operatorWrites).sort().map(([k, v]) => [k, round(perIndex(v), 3)]));
  const cpuMs = {
    operator: (1000 * (after.operatorCpu - before.operatorCpu)) / COUNT,
    apiServer: (1000 * (after.apiServerCpu - before.apiServerCpu)) / COUNT,
    sims: (1000 * (after.simsCpu - before.simsCpu)) / COUNT,
    bench: (1000 * (after.benchCpu - before.benchCpu)) / COUNT,
    etcd: (1000 * (after.etcdCpu - before.etcdCpu)) / COUNT,
  };
  const burstSeconds = after.at - before.at;
  // What the API server and etcd would have used over the burst's duration anyway.
  const idleApiServerMs = (1000 * ((idleEnd.apiServerCpu - idleStart.apiServerCpu) / (idleEnd.at - idleStart.at)) * burstSeconds) / COUNT;
  const idleEtcdMs = (1000 * ((idleEnd.etcdCpu - idleStart.etcdCpu) / (idleEnd.at - idleStart.at)) * burstSeconds) / COUNT;
  ctx.log(`  API server profile: ${profileFiles.length} windows of 5 s in ${profileFiles[0] ? dirname(profileFiles[0]) : '-'} (go tool pprof -top <files>); idle share per index: kube-apiserver ${round(idleApiServerMs, 2)} ms, etcd ${round(idleEtcdMs, 2)} ms`);
  const profile = summarizeApiServerProfile(profileFiles, COUNT);
  if (profile) ctx.log(`  kube-apiserver profile, ms per index: ${partsText(profile.parts)}; across them: ${partsText(profile.crossCutting)}`);
  const reconcilesPerIndex = perIndex(after.reconciles - before.reconciles);
  const reconcileMs = (1000 * (after.reconcileSeconds - before.reconcileSeconds)) / Math.max(1, after.reconciles - before.reconciles);
  const watchEventsPerIndex = perIndex(after.indexEvents - before.indexEvents);
  ctx.log(`  operator: ${round(cpuMs.operator, 2)} ms CPU/index, ${round(writesPerIndex, 2)} writes/index (${verbsText(byVerb)}), ${round(eventsPerIndex, 2)} events/index`);
  ctx.log(`  index reconciles per index ${round(reconcilesPerIndex, 2)} (mean ${round(reconcileMs, 1)} ms wall each), index watch events per index ${round(watchEventsPerIndex, 2)}`);
  ctx.log(`  CPU ms/index elsewhere: kube-apiserver ${round(cpuMs.apiServer, 2)}, etcd ${round(cpuMs.etcd, 2)}, sims ${round(cpuMs.sims, 2)}, bench ${round(cpuMs.bench, 2)}`);

  return { opRate, opSeconds, acceptedSeconds, cpuMs, idleApiServerMs, idleEtcdMs, profile, writesPerIndex, eventsPerIndex, byVerb, operatorWrites, all, reconcilesPerIndex, reconcileMs, watchEventsPerIndex, sortedLimits };
}

type Burst = Awaited<ReturnType<typeof operatorBurst>>;

/** Two bursts of one configuration as one: rates over their summed time, costs per index averaged; counts by verb from the second. */
function meanOfBursts(a: Burst, b: Burst): Burst {
  const mean = (x: number, y: number) => (x + y) / 2;
  const meanParts = (p: readonly ProfilePart[], q: readonly ProfilePart[]) => p.map((x, i) => ({ part: x.part, ms: mean(x.ms, q[i]?.ms ?? x.ms), share: mean(x.share, q[i]?.share ?? x.share) }));
  const cpu = (k: keyof Burst['cpuMs']) => mean(a.cpuMs[k], b.cpuMs[k]);
  return {
    ...b,
    opRate: (2 * COUNT) / (a.opSeconds + b.opSeconds),
    opSeconds: mean(a.opSeconds, b.opSeconds),
    acceptedSeconds: mean(a.acceptedSeconds, b.acceptedSeconds),
    cpuMs: { operator: cpu('operator'), apiServer: cpu('apiServer'), sims: cpu('sims'), bench: cpu('bench'), etcd: cpu('etcd') },
    idleApiServerMs: mean(a.idleApiServerMs, b.idleApiServerMs),
    idleEtcdMs: mean(a.idleEtcdMs, b.idleEtcdMs),
    profile: a.profile && b.profile
      ? { sampledSeconds: mean(a.profile.sampledSeconds, b.profile.sampledSeconds), parts: meanParts(a.profile.parts, b.profile.parts), crossCutting: meanParts(a.profile.crossCutting, b.profile.crossCutting) }
      : b.profile,
    writesPerIndex: mean(a.writesPerIndex, b.writesPerIndex),
    eventsPerIndex: mean(a.eventsPerIndex, b.eventsPerIndex),
    reconcilesPerIndex: mean(a.reconcilesPerIndex, b.reconcilesPerIndex),
    reconcileMs: mean(a.reconcileMs, b.reconcileMs),
    watchEventsPerIndex: mean(a.watchEventsPerIndex, b.watchEventsPerIndex),
  };
}

export const creationRate: Benchmark = {
  name: 'creation-rate',
  title: 'Sustained index creation rate',
  async run(ctx: BenchContext) {
    // Raw: no operator watches these namespaces. Once over keep-alive connections (what the server
    // accepts), once through @kubernetes/client-node (what a client like the operator gets).
    const raw = await ctx.namespace('raw-create');
    const client = await KeepAliveClient.create(raw.kc, CLIENT_CONCURRENCY);
    const pathOf = (namespace: string) => `/apis/quidditch.io/v1/namespaces/${namespace}/quidditchindices`;
    const body = (name: string) => ({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name }, spec: { shards: SHARDS, replicas: REPLICAS } });
    await inParallel(names('warmup', WARMUP), CLIENT_CONCURRENCY, (name) => client.post(pathOf(raw.namespace), body(name)));
    const rawCpuBefore = metricValue(await client.getText('/metrics'), 'process_cpu_seconds_total');
    let t0 = performance.now();
    await inParallel(names('raw', COUNT), CLIENT_CONCURRENCY, (name) => client.post(pathOf(raw.namespace), body(name)));
    const rawSeconds = (performance.now() - t0) / 1000;
    // What one create costs the API server by itself: the unit the operator run's cost per index is measured in.
    const rawApiServerMs = (1000 * (metricValue(await client.getText('/metrics'), 'process_cpu_seconds_total') - rawCpuBefore)) / COUNT;
    const rawRate = COUNT / rawSeconds;
    ctx.log(`  raw API server creates (keep-alive): ${round(rawRate)}/s (${round(rawSeconds, 2)} s), kube-apiserver ${round(rawApiServerMs, 2)} ms CPU per create`);
    const viaClientNode = await ctx.namespace('client-node-create');
    t0 = performance.now();
    await inParallel(names('cn', COUNT), CLIENT_CONCURRENCY, (n) => viaClientNode.createIndex(n, SHARDS, REPLICAS));
    const clientNodeRate = COUNT / ((performance.now() - t0) / 1000);
    ctx.log(`  creates through @kubernetes/client-node: ${round(clientNodeRate)}/s`);

    // BENCH_OPERATOR_ARGS="--concurrency=4" compares a flag's effect; the stored result names it.
    const operatorArgs = (process.env.BENCH_OPERATOR_ARGS ?? '').split(' ').filter(Boolean);
    // The default props (the operator adds the finalizer with a PATCH), then, in the same run, with the
    // API server adding it at admission (operator.finalizerAdmissionPolicy): an A/B on one machine state.
    // Default, policy, default again: a later burst costs less than an earlier one (measured: the same
    // burst run first or second differs by up to a quarter, as the API server's heap grows with the
    // objects stored), so the default's numbers are the mean of the bursts before and after.
    ctx.log('  the operator adds the finalizer (default):');
    const before = await operatorBurst({ ctx, client, pathOf, body, operatorArgs });
    ctx.log('  the API server adds the finalizer (operator.finalizerAdmissionPolicy):');
    const admitted = await operatorBurst({ ctx, client, pathOf, body, operatorArgs, finalizerPolicy: 'v1beta1' });
    ctx.log('  the operator adds the finalizer (default), again:');
    const after = await operatorBurst({ ctx, client, pathOf, body, operatorArgs });
    const plain = meanOfBursts(before, after);
    client.close();
    const ratio = plain.opRate / rawRate;
    const admittedRatio = admitted.opRate / rawRate;
    const ADMITTED = 'finalizer added at admission';
    return {
      setup: `${COUNT} indices of ${SHARDS} shard / ${REPLICAS} replica, ${CLIENT_CONCURRENCY} concurrent creates over keep-alive HTTPS for both rates; 3 sims, 1 operator (${operatorArgs.length ? `flags ${operatorArgs.join(' ')}` : 'default flags'}). Raw = the same creates into a namespace no operator watches (and once more through @kubernetes/client-node 1.4, which opens a new TLS connection per request). The operator burst runs three times, each in its own namespace with its own operator and 3 sims: with the default props (the operator adds the finalizer), with operator.finalizerAdmissionPolicy (v1beta1: the API server adds it inside the create), and with the default props again; the default's rows are the mean of its two bursts, since later bursts cost less. Costs per index are counted from just before a burst until the index queue drained and API writes held still: CPU from /proc/<pid>/stat (kube-apiserver: its process_cpu_seconds_total; its parts from /debug/pprof/profile over the same span, summarized with go tool pprof), writes from the API server's apiserver_request_total minus the bench's creates and the sims' heartbeats.${ctx.opts.profileDir ? ' Run with --profile: the operator\'s CPU includes the sampling profiler (every 0.5 ms).' : ''}`,
      rows: [
        { metric: 'indices ACTIVE per second (operator)', value: round(plain.opRate), unit: '/s', seed: '50–100/s', target: { text: '≥ 150/s', met: plain.opRate >= 150 }, note: `over both default bursts: ${round(before.opRate)}/s before the one with the policy, ${round(after.opRate)}/s after it` },
        { metric: `indices ACTIVE per second (operator, ${ADMITTED})`, value: round(admitted.opRate), unit: '/s', target: { text: '≥ 150/s', met: admitted.opRate >= 150 } },
        { metric: 'raw API server creates per second (no operator, keep-alive)', value: round(rawRate), unit: '/s' },
        { metric: 'creates per second through @kubernetes/client-node (no operator)', value: round(clientNodeRate), unit: '/s', note: 'a new TLS connection per request' },
        { metric: 'ratio operator / raw', value: round(ratio, 2), unit: '×', target: { text: '≥ 0.2×', met: ratio >= 0.2 } },
        { metric: `ratio operator / raw (${ADMITTED})`, value: round(admittedRatio, 2), unit: '×', target: { text: '≥ 0.2×', met: admittedRatio >= 0.2 } },
        { metric: 'operator CPU per index', value: round(plain.cpuMs.operator, 2), unit: 'ms', note: 'user + system, /proc/<pid>/stat; independent of the machine\'s load' },
        { metric: `operator CPU per index (${ADMITTED})`, value: round(admitted.cpuMs.operator, 2), unit: 'ms' },
        { metric: 'operator API writes per index', value: round(plain.writesPerIndex, 2), unit: '', note: verbsText(plain.byVerb) },
        { metric: `operator API writes per index (${ADMITTED})`, value: round(admitted.writesPerIndex, 2), unit: '', note: verbsText(admitted.byVerb) },
        { metric: 'Events written per index', value: round(plain.eventsPerIndex, 2), unit: '' },
        { metric: 'index reconciles per index', value: round(plain.reconcilesPerIndex, 2), unit: '', note: `mean ${round(plain.reconcileMs, 1)} ms wall each (waits on API and data-node round trips included); ${round(plain.watchEventsPerIndex, 2)} index watch events per index (${round(admitted.watchEventsPerIndex, 2)} with the finalizer added at admission)` },
        ...(plain.sortedLimits.length ? [{ metric: 'index reconcile concurrency limit during the burst, median', value: plain.sortedLimits[Math.floor(plain.sortedLimits.length / 2)], unit: '', note: `adapted to the API server's latency; ${limitsText(plain.sortedLimits)}` }] : []),
        { metric: 'kube-apiserver CPU per index (operator run)', value: round(plain.cpuMs.apiServer, 2), unit: 'ms', note: `sims ${round(plain.cpuMs.sims, 2)} ms, bench (load generator + watch) ${round(plain.cpuMs.bench, 2)} ms` },
        { metric: `kube-apiserver CPU per index (operator run, ${ADMITTED})`, value: round(admitted.cpuMs.apiServer, 2), unit: 'ms', note: `sims ${round(admitted.cpuMs.sims, 2)} ms, bench (load generator + watch) ${round(admitted.cpuMs.bench, 2)} ms` },
        ...(plain.profile ? [{ metric: 'kube-apiserver CPU per index, sampled by its profiler', value: round((1000 * plain.profile.sampledSeconds) / COUNT, 2), unit: 'ms', note: `${partsText(plain.profile.parts)}; across those: ${partsText(plain.profile.crossCutting)}` }] : []),
        ...(admitted.profile ? [{ metric: `kube-apiserver CPU per index, sampled by its profiler (${ADMITTED})`, value: round((1000 * admitted.profile.sampledSeconds) / COUNT, 2), unit: 'ms', note: `${partsText(admitted.profile.parts)}; across those: ${partsText(admitted.profile.crossCutting)}` }] : []),
        { metric: 'etcd CPU per index (operator run)', value: round(plain.cpuMs.etcd, 2), unit: 'ms', note: `/proc/<pid>/stat; idle share over the burst: etcd ${round(plain.idleEtcdMs, 2)} ms, kube-apiserver ${round(plain.idleApiServerMs, 2)} ms; ${round(admitted.cpuMs.etcd, 2)} ms with the finalizer added at admission` },
        { metric: 'kube-apiserver CPU per raw create (no operator)', value: round(rawApiServerMs, 2), unit: 'ms', note: `the operator run costs the API server ${round(plain.cpuMs.apiServer / rawApiServerMs, 1)} raw creates' worth per index, ${round(admitted.cpuMs.apiServer / rawApiServerMs, 1)} with the finalizer added at admission` },
      ],
      details: { count: COUNT, rawApiServerMs, rawSeconds, rawRate, clientNodeRate, ratio, admittedRatio, operatorAddsFinalizer: plain, operatorAddsFinalizerBursts: [before, after], finalizerAddedAtAdmission: admitted },
    };
  },
};
