/**
 * Heartbeats processed per second: many data nodes patching their QuidditchNode status (the same
 * merge patch of the status subresource datanode-sim sends; one process plays 100 nodes), while
 * the operator's node controller keeps their health current. Nodes register through datanode-sim's
 * NodeRegistration; the heartbeat burst goes over keep-alive connections, because
 * @kubernetes/client-node 1.4 opens a new TLS connection per request and would cap the writer, not
 * the server or the operator. The headline is the operator's own rate: heartbeats its node informer
 * took in (informer_events_total, update events) from the start of the burst until its node queue
 * drained (workqueue_depth counts keys in flight too), divided by that time. The API server's
 * accepted rate is reported beside it as the ceiling: the operator cannot see more than was written.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { QuidditchNode } from '../lib/api/v1';
import { NodeRegistration } from '../lib/datanode-sim/registration';
import { BenchContext, inParallel, listAll, waitFor } from './support/context';
import { KeepAliveClient } from './support/keep-alive-client';
import type { Benchmark } from './support/result';
import { metricValue, round } from './support/stats';

const NODES = 100;
const WRITERS = 32;
const WINDOW_S = 15;

export const heartbeats: Benchmark = {
  name: 'heartbeats',
  title: 'Heartbeats processed',
  async run(ctx: BenchContext) {
    const cluster = await ctx.namespace('heartbeats');
    const [sim] = await ctx.startSims(cluster, 1, { heartbeatSeconds: 30 });
    const api = cluster.kc.makeApiClient(CustomObjectsApi);
    // Every simulated node answers at the real sim's gRPC address, so the operator's orphan sweep
    // of each node is a real (empty) ListShards call, not a connection error.
    const address = `127.0.0.1:${sim.grpcPort}`;
    const regs = Array.from({ length: NODES }, (_, i) =>
      new NodeRegistration(api, cluster.namespace, `hb-${String(i).padStart(3, '0')}`, { nodeType: 'DATA', tier: 'hot', maxShards: 1000, address }));
    await inParallel(regs, 16, (r) => r.register());
    const status = { allocatedShards: 0, resources: { diskUsedBytes: 0, memoryUsedBytes: 0, memoryTotalBytes: 0 } };
    await inParallel(regs, 16, (r) => r.heartbeat(status));
    const writer = await KeepAliveClient.create(cluster.kc, WRITERS);
    const statusPath = (name: string) => `/apis/quidditch.io/v1/namespaces/${cluster.namespace}/quidditchnodes/${name}/status`;
    /** Heartbeats from WRITERS concurrent writers for `seconds`; returns how many were accepted and failed. */
    const burst = async (seconds: number): Promise<{ sent: number; failed: number; seconds: number }> => {
      let sent = 0;
      let failed = 0;
      const start = performance.now();
      const deadline = start + seconds * 1000;
      await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
        for (let k = w; performance.now() < deadline; k += WRITERS) {
          const body = { status: { lastHeartbeat: new Date().toISOString(), ...status } };
          await writer.mergePatch(statusPath(regs[k % NODES].name), body).then(() => sent++, () => failed++);
        }
      }));
      return { sent, failed, seconds: (performance.now() - start) / 1000 };
    };
    // The server's own ceiling for these writes, with no operator watching.
    const alone = await burst(WINDOW_S / 3);
    const aloneRate = alone.sent / alone.seconds;
    ctx.log(`  without operator: accepted ${round(aloneRate)}/s`);
    const operator = await ctx.startOperator({ namespace: cluster.namespace });
    await waitFor(async () => (await listAll<QuidditchNode>(cluster, 'quidditchnodes')).filter((n) => n.status?.state === 'HEALTHY').length === NODES + 1, {
      timeoutMs: 60_000, intervalMs: 500, description: 'every node HEALTHY',
    });

    const read = async () => {
      const text = await operator.metrics();
      return {
        observed: metricValue(text, 'informer_events_total', { resource: 'quidditchnodes', event: 'update' }),
        reconciled: metricValue(text, 'reconcile_total', { controller: 'node' }),
      };
    };
    const before = await read();
    const t0 = performance.now();
    const { sent, failed, seconds: sendSeconds } = await burst(WINDOW_S);
    writer.close();
    // Let the operator drain what it was sent (nothing waiting, in flight or retrying), then count.
    await waitFor(async () => metricValue(await operator.metrics(), 'workqueue_depth', { controller: 'node' }) === 0, {
      timeoutMs: 60_000, intervalMs: 100, description: 'the node queue to drain',
    });
    const processSeconds = (performance.now() - t0) / 1000;
    const after = await read();
    const observed = after.observed - before.observed;
    const reconciled = after.reconciled - before.reconciled;
    const healthy = (await listAll<QuidditchNode>(cluster, 'quidditchnodes')).filter((n) => n.status?.state === 'HEALTHY').length;
    const acceptedRate = sent / sendSeconds;
    const drainSeconds = processSeconds - sendSeconds;
    const processedRate = observed / processSeconds;
    const reconcileRate = reconciled / processSeconds;
    ctx.log(`  operator processed ${round(processedRate)}/s (${observed} of ${sent} heartbeats), reconciled ${round(reconcileRate)}/s; server accepted ${round(acceptedRate)}/s (${failed} failed); ${healthy}/${NODES + 1} HEALTHY`);
    await operator.stop();
    return {
      setup: `${NODES} QuidditchNodes heartbeating (registered through NodeRegistration) from ${WRITERS} concurrent keep-alive writers for ${WINDOW_S} s (status merge-patches via the status subresource); 1 operator (default flags). Processed = heartbeats the operator's node informer applied (informer_events_total) from the burst's start until the node queue drained (workqueue_depth 0: nothing waiting, in flight or retrying), per second; the accepted rate is the ceiling. The queue de-duplicates a node's heartbeats that arrive while one is pending, so node reconciles are fewer.`,
      rows: [
        {
          metric: 'heartbeats processed per second by the operator', value: round(processedRate), unit: '/s', seed: '500/s',
          target: { text: '≥ 500/s, operator current (queue drained ≤ 5 s, all HEALTHY)', met: processedRate >= 500 && drainSeconds <= 5 && healthy === NODES + 1 },
          note: `${observed} of ${sent} accepted heartbeats seen by its informer`,
        },
        { metric: 'heartbeats accepted per second by the API server (ceiling)', value: round(acceptedRate), unit: '/s' },
        { metric: 'heartbeats accepted per second with no operator (server alone)', value: round(aloneRate), unit: '/s' },
        { metric: 'operator queue drain after the burst', value: round(drainSeconds, 2), unit: 's' },
        { metric: 'node reconciles per second (operator)', value: round(reconcileRate), unit: '/s', note: `${healthy}/${NODES + 1} nodes HEALTHY afterwards` },
      ],
      details: { alone, aloneRate, sent, failed, sendSeconds, drainSeconds, observed, reconciled, processSeconds, healthy },
    };
  },
};
