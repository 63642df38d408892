/**
 * Routing freshness: how long after a write to a QuidditchIndex every operator replica's routing API
 * answers with it. Two operators (leader and standby; both serve routing from their own caches).
 * Each sample is one merge patch of the index (a label, so the operator has nothing to undo and the
 * write is the bench's alone); the path it takes — API server → watch → informer → routing table →
 * HTTPS — is the one a status write by the leader (a copy promoted, a node lost) takes. Timed from the
 * patch's response (the write is committed) until both replicas' answers carry a resourceVersion at
 * least as new, polling each replica over a keep-alive connection as fast as it answers.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Agent, request } from 'node:https';
import type { QuidditchIndex } from '../lib/api/v1';
import type { Cluster } from '../test/integration/operator/fixtures';
import type { OperatorProcess } from '../test/integration/operator/harness';
import { ActiveTracker, BenchContext, inParallel, names } from './support/context';
import type { Benchmark } from './support/result';
import { round, summarize } from './support/stats';

const INDICES = 20;
const SAMPLES = 200;
const GIVE_UP_MS = 10_000;

/** etcd revisions: the API server's resourceVersions on this control plane are decimal and increasing. */
const revision = (rv: string | undefined): bigint => BigInt(rv ?? '0');

function routedVersion(agent: Agent, port: number, path: string): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(revision((JSON.parse(body) as { resourceVersion?: string }).resourceVersion)) : resolve(0n)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Milliseconds from now until `operator` routes `index` at `rv` or newer. */
async function untilRouted(agent: Agent, operator: OperatorProcess, cluster: Cluster, index: string, rv: bigint, t0: number): Promise<number> {
  const path = `/v1/namespaces/${cluster.namespace}/indices/${index}/routing`;
  for (;;) {
    if ((await routedVersion(agent, operator.httpPort, path)) >= rv) return performance.now() - t0;
    if (performance.now() - t0 > GIVE_UP_MS) throw new Error(`operator ${operator.podName} did not route ${index} at resourceVersion ${rv} within ${GIVE_UP_MS} ms`);
  }
}

export const routingFreshness: Benchmark = {
  name: 'routing-freshness',
  title: 'Routing freshness',
  async run(ctx: BenchContext) {
    const cluster = await ctx.namespace('freshness');
    await ctx.startSims(cluster, 2);
    const operators = await Promise.all([0, 1].map((i) => ctx.startOperator({ namespace: cluster.namespace, podName: `fresh-${i}` })));
    const tracker = await ActiveTracker.start(cluster);
    const indexNames = names('fresh', INDICES);
    await inParallel(indexNames, 8, (n) => cluster.createIndex(n, 2, 1));
    await tracker.waitCount(INDICES, 120_000);
    tracker.stop();

    const api = cluster.kc.makeApiClient(CustomObjectsApi);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const coords = { group: 'quidditch.io', version: 'v1', namespace: cluster.namespace, plural: 'quidditchindices' };
    // HTTPS with a routing-client certificate, as a coordinating node reads routes (both replicas share the namespace's CA).
    const agent = new Agent({ keepAlive: true, maxSockets: 2, ...(await operators[0].clientOptions()) });
    const samples: number[] = [];
    try {
      for (let k = 0; k < SAMPLES; k++) {
        const index = indexNames[k % INDICES];
        const body = { metadata: { labels: { 'bench.quidditch.io/probe': String(k) } } };
        const written = (await api.patchNamespacedCustomObject({ ...coords, name: index, body }, merge)) as QuidditchIndex;
        const t0 = performance.now();
        const rv = revision(written.metadata.resourceVersion);
        const perReplica = await Promise.all(operators.map((o) => untilRouted(agent, o, cluster, index, rv, t0)));
        samples.push(Math.max(...perReplica));
      }
    } finally {
      agent.destroy();
      await Promise.all(operators.map((o) => o.stop()));
    }
    const s = summarize(samples);
    ctx.log(`  write → routed on both replicas: p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms (n=${s.n})`);
    return {
      setup: `${INDICES} indices × 2 shards × 1 replica on 2 sims, 2 operator replicas (leader + standby). ${SAMPLES} sequential label patches, round-robin over the indices; each timed from the patch's response until both replicas' GET …/routing carries its resourceVersion or a newer one (polled back-to-back over keep-alive).`,
      rows: [
        { metric: 'write → routed on every replica, p50', value: s.p50, unit: 'ms' },
        { metric: 'write → routed on every replica, p99', value: s.p99, unit: 'ms', target: { text: 'p99 ≤ 100 ms', met: s.p99 <= 100 } },
        { metric: `write → routed on every replica, max of ${s.n}`, value: s.max, unit: 'ms' },
      ],
      details: { samplesMs: samples.map((x) => round(x, 2)) },
    };
  },
};
