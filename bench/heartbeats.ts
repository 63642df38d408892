/**
 * Heartbeats processed: 500 data nodes each patching their QuidditchNode status once a second (the
 * same merge patch of the status subresource datanode-sim sends; one process plays them all, each
 * node on its own 1 s timer, as a real node's heartbeat loop: a node whose last heartbeat is still
 * in flight skips the tick rather than queueing a second). Nodes register through datanode-sim's
 * NodeRegistration; the heartbeats go over keep-alive connections, because @kubernetes/client-node
 * 1.4 opens a new TLS connection per request and would cap the writer, not the server or the
 * operator. The headline is the share of what the API server accepted that the operator processed:
 * heartbeats its node informer took in (informer_events_total, update events) from the start of the
 * burst until its node queue drained (workqueue_depth counts keys in flight too).
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { QuidditchNode } from '../lib/api/v1';
import { NodeRegistration } from '../lib/datanode-sim/registration';
import { BenchContext, inParallel, listAll, waitFor } from './support/context';
import { KeepAliveClient } from './support/keep-alive-client';
import type { Benchmark } from './support/result';
import { metricValue, round } from './support/stats';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const NODES = 500;
const INTERVAL_MS = 1000;
/** Keep-alive connections the nodes share (a real node has its own; 500 would exceed the server's in-flight limit the moment it slows). */
const CONNECTIONS = 100;
const WINDOW_S = 20;

export const heartbeats: Benchmark = {
  name: 'heartbeats',
  title: 'Heartbeats processed',
  async run(ctx: BenchContext) {
    const cluster = await ctx.namespace('heartbeats');
    // One real sim serves all the nodes: bound to every address, it is reached at a loopback address
    // of each node's own (127.0.x.y: the whole 127/8 is loopback), so the operator keeps a connection
    // per node, as with real nodes, and its orphan sweeps and shard watches are real (empty) calls.
    const [sim] = await ctx.startSims(cluster, 1, { heartbeatSeconds: 30, extraArgs: ['--host=0.0.0.0'] });
    const api = cluster.kc.makeApiClient(CustomObjectsApi);
    const addressOf = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}:${sim.grpcPort}`;
    const regs = Array.from({ length: NODES }, (_, i) =>
      new NodeRegistration(api, cluster.namespace, `hb-${String(i).padStart(3, '0')}`, { nodeType: 'DATA', tier: 'hot', maxShards: 1000, address: addressOf(i) }));
    await inParallel(regs, 16, (r) => r.register());
    const status = { allocatedShards: 0, resources: { diskUsedBytes: 0, memoryUsedBytes: 0, memoryTotalBytes: 0 } };
    await inParallel(regs, 16, (r) => r.heartbeat(status));
    const writer = await KeepAliveClient.create(cluster.kc, CONNECTIONS);
    const statusPath = (name: string) => `/apis/quidditch.io/v1/namespaces/${cluster.namespace}/quidditchnodes/${name}/status`;
    /** Every node heartbeats each INTERVAL_MS for `seconds` (start times spread over the interval); counts the ticks offered, accepted, failed and skipped (previous heartbeat still in flight). */
    const burst = async (seconds: number): Promise<{ offered: number; sent: number; failed: number; skipped: number; seconds: number }> => {
      let offered = 0;
      let sent = 0;
      let failed = 0;
      let skipped = 0;
      const start = performance.now();
      const deadline = start + seconds * 1000;
      await Promise.all(regs.map(async (reg, i) => {
        for (let tick = start + (i * INTERVAL_MS) / NODES; tick < deadline; tick += INTERVAL_MS) {
          const wait = tick - performance.now();
          offered++;
          if (wait < 0) { skipped++; continue; }
          await sleep(wait);
          const body = { status: { lastHeartbeat: new Date().toISOString(), ...status } };
          await writer.mergePatch(statusPath(reg.name), body).then(() => sent++, () => failed++);
        }
      }));
      return { offered, sent, failed, skipped, seconds: (performance.now() - start) / 1000 };
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
      // Writes the API server accepted on QuidditchNodes and Events (every verb that changes state):
      // during the burst these are the heartbeats themselves plus whatever the operator wrote.
      const server = await writer.getText('/metrics');
      const writesOn = (resource: string) => ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((m, verb) => m + metricOr0(server, 'apiserver_request_total', { resource, verb }), 0);
      return {
        observed: metricValue(text, 'informer_events_total', { resource: 'quidditchnodes', event: 'update' }),
        reconciled: metricValue(text, 'reconcile_total', { controller: 'node' }),
        cpuSeconds: metricValue(text, 'process_cpu_seconds_total'),
        nodeWrites: writesOn('quidditchnodes'),
        eventWrites: writesOn('events'),
      };
    };
    const before = await read();
    const t0 = performance.now();
    const { offered, sent, failed, skipped, seconds: sendSeconds } = await burst(WINDOW_S);
    // Let the operator catch up with what it was sent: its informer has taken in every event still in
    // the watch stream (its count held still for 2 s) and its node queue is empty (nothing waiting, in
    // flight or retrying). The processing time ends at the informer's last new event or the drain.
    let lastCount = before.observed;
    let lastChange = performance.now();
    let caughtUp: number | undefined;
    await waitFor(async () => {
      const text = await operator.metrics();
      const now = performance.now();
      const count = metricValue(text, 'informer_events_total', { resource: 'quidditchnodes', event: 'update' });
      if (count !== lastCount) [lastCount, lastChange, caughtUp] = [count, now, undefined];
      if (metricValue(text, 'workqueue_depth', { controller: 'node' }) !== 0) caughtUp = undefined;
      else caughtUp ??= now;
      return caughtUp !== undefined && now - lastChange >= 2000;
    }, { timeoutMs: 120_000, intervalMs: 100, description: 'the node informer to catch up and its queue to drain' });
    const processSeconds = ((caughtUp ?? performance.now()) - t0) / 1000;
    const after = await read();
    writer.close();
    const reconciled = after.reconciled - before.reconciled;
    // The operator's own writes: all accepted writes minus the burst's heartbeats (the one real sim's
    // 30 s heartbeats, at most one here, are counted as the operator's: an upper bound).
    const operatorNodeWrites = Math.max(0, after.nodeWrites - before.nodeWrites - (sent + failed));
    const operatorWrites = operatorNodeWrites + (after.eventWrites - before.eventWrites);
    // The informer also sees the operator's own status writes; those are not heartbeats.
    const observed = Math.max(0, after.observed - before.observed - operatorNodeWrites);
    const writesPerHeartbeat = observed ? operatorWrites / observed : 0;
    const cpuMicrosPerHeartbeat = observed ? ((after.cpuSeconds - before.cpuSeconds) * 1e6) / observed : 0;
    const healthy = (await listAll<QuidditchNode>(cluster, 'quidditchnodes')).filter((n) => n.status?.state === 'HEALTHY').length;
    const acceptedRate = sent / sendSeconds;
    const drainSeconds = processSeconds - sendSeconds;
    const processedRate = observed / processSeconds;
    const processedShare = sent ? observed / sent : 0;
    const reconcileRate = reconciled / processSeconds;
    ctx.log(`  offered ${offered} (${skipped} skipped: previous still in flight), server accepted ${sent} = ${round(acceptedRate)}/s (${failed} failed); operator processed ${observed} = ${round(processedShare * 100)} % (${round(processedRate)}/s), reconciled ${round(reconcileRate)}/s; ${healthy}/${NODES + 1} HEALTHY`);
    await operator.stop();
    return {
      setup: `${NODES} QuidditchNodes (registered through NodeRegistration), each heartbeating every ${INTERVAL_MS / 1000} s on its own timer for ${WINDOW_S} s (status merge-patches via the status subresource, ${CONNECTIONS} shared keep-alive connections; a node whose last heartbeat is still in flight skips the tick, as the sim's loop does); 1 operator (default flags). Processed = heartbeats the operator's node informer applied (informer_events_total update events, less the operator's own QuidditchNode writes) from the burst's start until it caught up (no new informer event for 2 s, and the node queue empty: workqueue_depth 0, nothing waiting, in flight or retrying); the API server's accepted heartbeats are the ceiling. The queue de-duplicates a node's heartbeats that arrive while one is pending, so node reconciles are fewer.`,
      rows: [
        {
          metric: 'heartbeats processed by the operator, share of those the API server accepted', value: round(processedShare * 100, 1), unit: '%',
          target: { text: '≥ 95 %, operator current (queue drained ≤ 5 s, all HEALTHY)', met: processedShare >= 0.95 && drainSeconds <= 5 && healthy === NODES + 1 },
          note: `${observed} of ${sent} accepted heartbeats seen by its informer`,
        },
        { metric: 'heartbeats offered per second (500 nodes × 1/s)', value: round(offered / sendSeconds), unit: '/s', note: `${skipped} ticks skipped because the node's previous heartbeat was still in flight` },
        { metric: 'heartbeats processed per second by the operator', value: round(processedRate), unit: '/s', seed: '500/s' },
        { metric: 'heartbeats accepted per second by the API server (ceiling)', value: round(acceptedRate), unit: '/s' },
        { metric: 'heartbeats accepted per second with no operator (server alone)', value: round(aloneRate), unit: '/s' },
        { metric: 'operator queue drain after the burst', value: round(drainSeconds, 2), unit: 's' },
        { metric: 'operator API writes per heartbeat', value: round(writesPerHeartbeat, 3), unit: '', note: `${operatorWrites} writes (QuidditchNodes + Events) beyond the burst's heartbeats, an upper bound: the real sim's own heartbeats count here too` },
        { metric: 'operator CPU per heartbeat', value: round(cpuMicrosPerHeartbeat), unit: 'µs', note: 'process_cpu_seconds_total over the burst and drain / heartbeats its informer applied' },
        { metric: 'node reconciles per second (operator)', value: round(reconcileRate), unit: '/s', note: `${healthy}/${NODES + 1} nodes HEALTHY afterwards` },
      ],
      details: { offered, skipped, processedShare, operatorWrites, writesPerHeartbeat, cpuMicrosPerHeartbeat, alone, aloneRate, sent, failed, sendSeconds, drainSeconds, observed, reconciled, processSeconds, healthy },
    };
  },
};

/** metricValue, or 0 when the server has no such series yet (a counter never incremented). */
function metricOr0(text: string, name: string, labels: Record<string, string>): number {
  try {
    return metricValue(text, name, labels);
  } catch {
    return 0;
  }
}
