import { connect } from 'node:net';
import { createTestNamespace, waitFor } from '../support/kube';
import { Cluster, heldCopies } from '../integration/operator/fixtures';
import { allLogs, OperatorProcess, SimProcess, stopAll } from '../integration/operator/harness';
import { pause, resume, waitAllActive } from './support';

// The case production meets more often than "connection refused": a node that accepts connections
// and never answers (a hung process, a frozen VM). The sim is frozen with SIGSTOP; the kernel still
// completes TCP handshakes on its listening socket, so only --grpc-timeout ends each call, and only
// --delete-timeout ends the deletion.
const DELETE_TIMEOUT_S = 6;
const GRPC_TIMEOUT_S = 1;

let cluster: Cluster;
let sims: SimProcess[];

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('fault-hung'));
  sims = await Promise.all(['d-0', 'd-1'].map((name) => SimProcess.start({ name, namespace: cluster.namespace })));
  // The heartbeat timeout outlasts the test: the frozen node still looks HEALTHY, it just never answers.
  await OperatorProcess.start({
    namespace: cluster.namespace,
    args: [`--delete-timeout=${DELETE_TIMEOUT_S}`, '--heartbeat-timeout=300', `--grpc-timeout=${GRPC_TIMEOUT_S}`],
  });
}, 90_000);

afterAll(async () => {
  const frozen = sims?.[1];
  if (frozen?.process.exitStatus === undefined && frozen?.process.pid) resume(frozen.process);
  await stopAll();
});

/** True when a TCP connection to the port is accepted (the handshake completes). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('index deletion with a data node that accepts connections and never answers', () => {
  it('gives up on each call after --grpc-timeout and on the node after --delete-timeout, naming what was left', async () => {
    await cluster.createIndex('hung', 2, 1);
    await waitAllActive(cluster, ['hung'], 60_000);
    const [healthy, frozen] = sims;
    const held = await heldCopies([frozen], 'hung'); // `hung/<shard>/p|r@d-1`
    const leftBehind = held.length;
    expect(leftBehind).toBe(2);
    const ids = (kind: 'p' | 'r') => held.filter((h) => h.split('/')[2].startsWith(kind)).map((h) => Number(h.split('/')[1])).sort();
    const named = ([['primary', ids('p')], ['replica', ids('r')]] as const).filter(([, l]) => l.length).map(([k, l]) => `${k} ${l.join(', ')}`).join('; ');
    pause(frozen.process);
    // It really is the hung case, not "connection refused": the frozen node still accepts connections.
    expect(await accepts(frozen.grpcPort)).toBe(true);

    const deletedAt = Date.now();
    await cluster.indices.delete(cluster.namespace, 'hung');
    await waitFor(async () => (await cluster.indices.get(cluster.namespace, 'hung')) === undefined, {
      timeoutMs: (DELETE_TIMEOUT_S + 60) * 1000, intervalMs: 200, description: 'hung to be gone despite the frozen node',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${allLogs(40)}`);
    });
    // It waited for the node (deletionTimestamp has 1 s resolution, hence the second of slack)...
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual((DELETE_TIMEOUT_S - 1) * 1000);
    // ...the answering node's copies were deleted...
    expect(await healthy.stats().then((s) => s.shards.filter((c) => c.shard.indexName === 'hung'))).toEqual([]);

    // ...and the Warning names the frozen node, both of its copies, and what cut the calls off: the
    // deadline, or, when the last attempt comes 10 s or more after the freeze (a heavily loaded
    // machine), the keepalive ping that went unanswered and dropped the connection.
    const warnings = (await cluster.waitForEvents('hung', ['ShardsLeftBehind'])).filter((e) => e.type === 'Warning' && e.reason === 'ShardsLeftBehind');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(new RegExp(`^Gave up after \\d+s on ${leftBehind} copies: ${frozen.name} \\(`));
    expect(warnings[0].message).toMatch(/DEADLINE_EXCEEDED|UNAVAILABLE: Connection dropped/);
    expect(warnings[0].message).toContain(`): ${named}. They are removed if the node returns.`);
  });
});
