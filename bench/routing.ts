/**
 * Routing throughput: HTTPS GET /v1/namespaces/{ns}/indices/{name}/routing against the operator over
 * keep-alive connections (autocannon, as a library, in the bench process), and in-process lookups on
 * a RoutingTable holding the same indices and nodes.
 */
import type { QuidditchIndex, QuidditchNode } from '../lib/api/v1';
import { RoutingTable } from '../lib/operator/routing/routing-table';
import { ActiveTracker, BenchContext, inParallel, listAll, names } from './support/context';
import type { Benchmark } from './support/result';
import { round } from './support/stats';

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
    ctx.log(`  HTTP: ${round(http.requests.average)} req/s, p50 ${http.latency.p50} ms, p99 ${http.latency.p99} ms, non-2xx ${http.non2xx}, errors ${http.errors}`);

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
      setup: `${INDICES} indices × ${SHARDS} shards × 1 replica on 3 sims; autocannon ${CONNECTIONS} keep-alive HTTPS connections with a routing-client certificate for ${DURATION_S} s in the bench process (sharing the 2 cores with the operator), cycling over all ${INDICES} indices; in-process: RoutingTable.lookupJson for ${IN_PROCESS_MS / 1000} s.`,
      rows: [
        { metric: 'HTTP routing queries per second', value: round(http.requests.average), unit: '/s', seed: '10,000/s', target: { text: '≥ 20,000/s', met: http.requests.average >= 20_000 } },
        { metric: 'HTTP latency p50', value: http.latency.p50, unit: 'ms', seed: '~1 ms cached' },
        { metric: 'HTTP latency p99', value: http.latency.p99, unit: 'ms' },
        { metric: 'in-process lookups per second', value: round(inProcessRate), unit: '/s' },
      ],
      details: { http: { requests: http.requests, latency: http.latency, non2xx: http.non2xx, errors: http.errors, timeouts: http.timeouts }, inProcessRate },
    };
  },
};
