/**
 * Routing throughput: HTTPS GET /v1/namespaces/{ns}/indices/{name}/routing against the operator over
 * keep-alive connections (autocannon, as a library, in the bench process), and in-process lookups on
 * a RoutingTable holding the same indices and nodes.
 */
import type { QuidditchIndex, QuidditchNode } from '../lib/api/v1';
import { RoutingTable } from '../lib/operator/routing/routing-table';
import { ActiveTracker, BenchContext, inParallel, listAll, names, waitFor } from './support/context';
import type { Benchmark } from './support/result';
import { round } from './support/stats';
import { findWrk, runWrk } from './support/wrk';

// autocannon ships no types; this is the part used here.
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = require('autocannon') as Autocannon;

const INDICES = 100;
const SHARDS = 10;
const CONNECTIONS = 32;
const DURATION_S = 10;
const IN_PROCESS_MS = 3_000;

export const routing: Benchmark = {
  name: 'routing',
  title: 'Routing queries',
  async run(ctx: BenchContext) {
    findWrk(); // before minutes of setup: a missing wrk says how to install it at once
    const cluster = await ctx.namespace('routing');
    await ctx.startSims(cluster, 3);
    const operator = await ctx.startOperator({ namespace: cluster.namespace });
    const tracker = await ActiveTracker.start(cluster);
    const indexNames = names('idx', INDICES);
    await inParallel(indexNames, 16, (n) => cluster.createIndex(n, SHARDS, 1));
    await tracker.waitCount(INDICES, 180_000);
    tracker.stop();

    // HTTPS with a routing-client certificate, as a coordinating node reads routes (TLS costs the handshake once per keep-alive connection).
    const base = operator.url('');
    const { cert, key, ca } = await operator.clientOptions();
    const tlsOptions = { cert, key, ca };
    const requests = indexNames.map((n) => ({ method: 'GET', path: `/v1/namespaces/${cluster.namespace}/indices/${n}/routing` }));
    await autocannon({ url: base, connections: CONNECTIONS, duration: 2, requests, tlsOptions }); // warm-up
    const http = await autocannon({ url: base, connections: CONNECTIONS, duration: DURATION_S, requests, tlsOptions });
    ctx.log(`  HTTPS: ${round(http.requests.average)} req/s, p50 ${http.latency.p50} ms, p99 ${http.latency.p99} ms, non-2xx ${http.non2xx}, errors ${http.errors}`);

    // The same over plain HTTP (--insecure-plaintext-grpc, development only): what TLS costs, both
    // ends sharing the 2 cores. A standby replica serves it (every replica answers routing from its
    // own caches) while the leader keeps reconciling over mutual TLS.
    const plain = await ctx.startOperator({ namespace: cluster.namespace, args: ['--insecure-plaintext-grpc'] });
    const lastPath = requests[requests.length - 1].path;
    await waitFor(async () => (await plain.get(lastPath)).status === 200, { timeoutMs: 60_000, intervalMs: 200, description: 'the plaintext replica to route every index' });
    await autocannon({ url: plain.url(''), connections: CONNECTIONS, duration: 2, requests }); // warm-up
    const plainHttp = await autocannon({ url: plain.url(''), connections: CONNECTIONS, duration: DURATION_S, requests });
    ctx.log(`  HTTP (plaintext replica): ${round(plainHttp.requests.average)} req/s, p50 ${plainHttp.latency.p50} ms, p99 ${plainHttp.latency.p99} ms, non-2xx ${plainHttp.non2xx}, errors ${plainHttp.errors}`);
    // The same replica and paths with wrk, a C client outside the bench process, as a second opinion
    // on the server's rate: the two clients share the 2 cores with the server differently.
    const paths = requests.map((r) => r.path);
    await runWrk(plain.url(''), paths, { connections: CONNECTIONS, durationS: 2 }); // warm-up
    const wrk = await runWrk(plain.url(''), paths, { connections: CONNECTIONS, durationS: DURATION_S });
    await plain.stop();
    ctx.log(`  HTTP (plaintext replica, wrk): ${round(wrk.requestsPerSecond)} req/s, p50 ${wrk.latencyMs.p50} ms, p99 ${wrk.latencyMs.p99} ms, non-2xx ${wrk.non2xx}, socket errors ${wrk.socketErrors}`);
    if (wrk.non2xx > 0 || wrk.socketErrors > 0) throw new Error(`wrk got ${wrk.non2xx} non-2xx answers and ${wrk.socketErrors} socket errors from the plaintext replica`);

    // In-process: the same objects the operator caches, in a RoutingTable of this process.
    const table = new RoutingTable();
    const indices = await listAll<QuidditchIndex>(cluster, 'quidditchindices');
    const nodes = await listAll<QuidditchNode>(cluster, 'quidditchnodes');
    for (const n of nodes) table.upsertNode(n);
    for (const i of indices) table.upsertIndex(i);
    let lookups = 0;
    let bytes = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < IN_PROCESS_MS) {
      for (let k = 0; k < 1000; k++) bytes += table.lookupJson(cluster.namespace, indexNames[(lookups + k) % INDICES])?.length ?? 0;
      lookups += 1000;
    }
    const inProcessRate = lookups / ((performance.now() - t0) / 1000);
    ctx.log(`  in-process: ${round(inProcessRate)} lookups/s (${bytes > 0 ? 'answers non-empty' : 'EMPTY answers'})`);
    await operator.stop();
    return {
      setup: `${INDICES} indices × ${SHARDS} shards × 1 replica on 3 sims; autocannon ${CONNECTIONS} keep-alive HTTPS connections with a routing-client certificate for ${DURATION_S} s in the bench process (sharing the 2 cores with the operator), cycling over all ${INDICES} indices; then the same over plain HTTP against a second, standby replica run with --insecure-plaintext-grpc, with autocannon and then with wrk (C, one thread, the same connections and paths); in-process: RoutingTable.lookupJson for ${IN_PROCESS_MS / 1000} s.`,
      rows: [
        { metric: 'HTTPS routing queries per second (client certificates, the default)', value: round(http.requests.average), unit: '/s', seed: '10,000/s', target: { text: '≥ 20,000/s', met: http.requests.average >= 20_000 } },
        { metric: 'HTTP routing queries per second (plaintext, development only; autocannon client in the bench process)', value: round(plainHttp.requests.average), unit: '/s', target: { text: '≥ 40,000/s', met: plainHttp.requests.average >= 40_000 } },
        { metric: 'HTTP routing queries per second (plaintext, development only; wrk client)', value: round(wrk.requestsPerSecond), unit: '/s', target: { text: '≥ 40,000/s', met: wrk.requestsPerSecond >= 40_000 } },
        { metric: 'HTTP (wrk) latency p50', value: wrk.latencyMs.p50, unit: 'ms' },
        { metric: 'HTTP (wrk) latency p99', value: wrk.latencyMs.p99, unit: 'ms' },
        { metric: 'HTTP latency p50', value: http.latency.p50, unit: 'ms', seed: '~1 ms cached' },
        { metric: 'HTTP latency p99', value: http.latency.p99, unit: 'ms' },
        { metric: 'in-process lookups per second', value: round(inProcessRate), unit: '/s' },
      ],
      details: {
        https: { requests: http.requests, latency: http.latency, non2xx: http.non2xx, errors: http.errors, timeouts: http.timeouts },
        http: { requests: plainHttp.requests, latency: plainHttp.latency, non2xx: plainHttp.non2xx, errors: plainHttp.errors, timeouts: plainHttp.timeouts },
        httpWrk: wrk,
        inProcessRate,
      },
    };
  },
};
