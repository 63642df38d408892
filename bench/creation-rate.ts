/**
 * Sustained creation rate over 500 indices: first the raw rate at which the API server accepts
 * QuidditchIndex creates with no operator watching (the ceiling), then, in the same run, the rate at
 * which 500 indices become ACTIVE with the operator. Same client concurrency for both.
 */
import { ActiveTracker, BenchContext, inParallel, names } from './support/context';
import { KeepAliveClient } from './support/keep-alive-client';
import type { Benchmark } from './support/result';
import { round } from './support/stats';

const COUNT = 500;
const CLIENT_CONCURRENCY = 16;
const SHARDS = 1;
const REPLICAS = 1;
const WARMUP = 50;

export const creationRate: Benchmark = {
  name: 'creation-rate',
  title: 'Sustained index creation rate',
  async run(ctx: BenchContext) {
    // Raw: no operator watches these namespaces. Once over keep-alive connections (what the server
    // accepts), once through @kubernetes/client-node (what a client like the operator gets).
    const raw = await ctx.namespace('raw-create');
    const client = await KeepAliveClient.create(raw.kc, CLIENT_CONCURRENCY);
    const path = `/apis/quidditch.io/v1/namespaces/${raw.namespace}/quidditchindices`;
    const body = (name: string) => ({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name }, spec: { shards: SHARDS, replicas: REPLICAS } });
    await inParallel(names('warmup', WARMUP), CLIENT_CONCURRENCY, (name) => client.post(path, body(name)));
    let t0 = performance.now();
    await inParallel(names('raw', COUNT), CLIENT_CONCURRENCY, (name) =>
      client.post(path, body(name)));
    const rawSeconds = (performance.now() - t0) / 1000;
    const rawRate = COUNT / rawSeconds;
    client.close();
    ctx.log(`  raw API server creates (keep-alive): ${round(rawRate)}/s (${round(rawSeconds, 2)} s)`);
    const viaClientNode = await ctx.namespace('client-node-create');
    t0 = performance.now();
    await inParallel(names('cn', COUNT), CLIENT_CONCURRENCY, (n) => viaClientNode.createIndex(n, SHARDS, REPLICAS));
    const clientNodeRate = COUNT / ((performance.now() - t0) / 1000);
    ctx.log(`  creates through @kubernetes/client-node: ${round(clientNodeRate)}/s`);

    const cluster = await ctx.namespace('op-create');
    await ctx.startSims(cluster, 3);
    const operator = await ctx.startOperator({ namespace: cluster.namespace });
    const tracker = await ActiveTracker.start(cluster);
    t0 = performance.now();
    await inParallel(names('idx', COUNT), CLIENT_CONCURRENCY, (n) => cluster.createIndex(n, SHARDS, REPLICAS));
    const acceptedSeconds = (performance.now() - t0) / 1000;
    await tracker.waitCount(COUNT, 300_000);
    const lastActive = Math.max(...tracker.activeAt.values());
    const opSeconds = (lastActive - t0) / 1000;
    const opRate = COUNT / opSeconds;
    ctx.log(`  with operator: ${round(opRate)} ACTIVE/s (${round(opSeconds, 2)} s; creates accepted in ${round(acceptedSeconds, 2)} s)`);
    tracker.stop();
    await operator.stop();
    const ratio = opRate / rawRate;
    return {
      setup: `${COUNT} indices of ${SHARDS} shard / ${REPLICAS} replica, ${CLIENT_CONCURRENCY} concurrent creates; 3 sims, 1 operator (default flags). Raw = same creates into a namespace no operator watches, over keep-alive HTTPS (and once more through @kubernetes/client-node 1.4, which opens a new TLS connection per request).`,
      rows: [
        { metric: 'indices ACTIVE per second (operator)', value: round(opRate), unit: '/s', seed: '50–100/s', target: { text: '≥ 100/s', met: opRate >= 100 } },
        { metric: 'raw API server creates per second (no operator, keep-alive)', value: round(rawRate), unit: '/s' },
        { metric: 'creates per second through @kubernetes/client-node (no operator)', value: round(clientNodeRate), unit: '/s', note: 'a new TLS connection per request' },
        { metric: 'ratio operator / raw', value: round(ratio, 2), unit: '×' },
      ],
      details: { count: COUNT, rawSeconds, opSeconds, acceptedSeconds, rawRate, clientNodeRate, opRate, ratio },
    };
  },
};
