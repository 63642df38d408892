/**
 * The operator's ShardWatcher over its real inputs: the QuidditchNode informer on the real API
 * server, and datanode-sim processes that register themselves and serve WatchShards. A node that
 * freezes (SIGSTOP: a long pause or a partition) becomes unknown — never "empty" — and is known
 * again when it thaws; a node restarted without its data directory reports no copies.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import type { QuidditchNode } from '../../../lib/api/v1';
import { DataNodeClient } from '../../../lib/operator/datanode/client';
import { ShardWatcher } from '../../../lib/operator/datanode/shard-watcher';
import { OperatorMetrics } from '../../../lib/operator/metrics';
import { ResilientInformer } from '../../../lib/operator/runtime/informer';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../../support/kube';
import { SimProcess, startSimProcess } from './sim-process';
import { INSECURE_PLAINTEXT_GRPC } from '../../../lib/operator/tls/grpc-security';

const kc = testKubeConfig();
let ns: string;
let informer: ResilientInformer<QuidditchNode>;
let watcher: ShardWatcher;
const client = new DataNodeClient({ security: INSECURE_PLAINTEXT_GRPC, deadlineMs: 3000 });
const changed: string[] = [];
const sims: SimProcess[] = [];

const start = async (name: string, extra: string[] = []) => {
  const sim = await startSimProcess(['--insecure-plaintext-grpc', '--name', name, '--namespace', ns, '--host', '127.0.0.1', '--port', '0', '--heartbeat-interval', '1', ...extra], {
    KUBECONFIG: process.env.QUIDDITCH_TEST_KUBECONFIG,
  });
  sims.push(sim);
  return { sim, target: { name, address: sim.address } };
};

beforeAll(async () => {
  ns = await createTestNamespace('shard-watcher');
  const log = pino({ enabled: false });
  informer = new ResilientInformer<QuidditchNode>({ kubeConfig: kc, namespace: ns, plural: 'quidditchnodes', log, metrics: new OperatorMetrics() });
  watcher = new ShardWatcher({ streams: client, nodes: informer, log, onChange: (keys) => void changed.push(...keys) });
  void informer.start();
  await informer.waitForSync();
  watcher.start();
});
afterAll(async () => {
  watcher.stop();
  for (const sim of sims) {
    if (sim.child.exitCode === null) sim.child.kill('SIGCONT');
    await sim.stop();
  }
  await informer.stop();
  client.close();
  await deleteNamespace(ns);
});

const shard = (shardId: number) => ({ namespace: ns, indexName: 'logs', indexUid: 'u1', shardId, primary: true });

describe('ShardWatcher against sims that register with the real API server', () => {
  it('learns a registered node, follows it through a freeze, and forgets copies a restart without its data lost', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-dir-'));
    const { sim, target } = await start('data-0', ['--start-delay-ms', '200']);
    await waitFor(() => watcher.copiesOn('data-0'), { description: 'the first snapshot of data-0' });
    await client.createShard(target, { shard: shard(0) });
    await waitFor(() => watcher.copiesOf(ns, 'logs').find((c) => c.state === 'STARTED'), { description: 'logs/0 STARTED as the watcher sees it' });
    expect(changed).toContain(`${ns}/logs`);

    // Frozen: the socket stays open, but keep-alive pings go unanswered, so the node becomes unknown.
    sim.child.kill('SIGSTOP');
    await waitFor(() => watcher.copiesOn('data-0') === undefined, { description: 'data-0 to become unknown while frozen', timeoutMs: 60_000 });
    expect(watcher.copiesOf(ns, 'logs')).toEqual([]);
    sim.child.kill('SIGCONT');
    await waitFor(() => watcher.copiesOn('data-0')?.length === 1, { description: 'data-0 known again, with its copy, after it thawed', timeoutMs: 60_000 });

    // Restarted without a data directory (a replaced volume): synced, and empty.
    await sim.stop();
    await start('data-0', ['--data-dir', dir]);
    await waitFor(() => (watcher.copiesOn('data-0')?.length === 0 ? true : undefined), { description: 'data-0 to report no copies after a restart without its data', timeoutMs: 60_000 });
  });
});
