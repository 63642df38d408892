import { judgeNode } from '../../../../lib/operator/controllers/node-status';
import type { QuidditchNode } from '../../../../lib/api/v1';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const node = (status: QuidditchNode['status'], created = T0): QuidditchNode => ({
  apiVersion: 'quidditch.io/v1',
  kind: 'QuidditchNode',
  metadata: { name: 'data-0', namespace: 'ns', creationTimestamp: new Date(created).toISOString() },
  spec: { nodeType: 'DATA', address: '127.0.0.1:9303' },
  status,
});

describe('judgeNode', () => {
  it('keeps a node with a fresh heartbeat HEALTHY and rechecks exactly when it would expire', () => {
    const v = judgeNode(node({ lastHeartbeat: new Date(T0).toISOString() }), new Date(T0 + 20_000), 60_000);
    expect(v.state).toBe('HEALTHY');
    expect(v.reason).toBe('HeartbeatFresh');
    expect(v.recheckAfterMs).toBe(40_001);
  });

  it('marks a node UNHEALTHY once its last heartbeat is older than the timeout', () => {
    const v = judgeNode(node({ lastHeartbeat: new Date(T0).toISOString(), state: 'HEALTHY' }), new Date(T0 + 60_000), 60_000);
    expect(v.state).toBe('UNHEALTHY');
    expect(v.reason).toBe('HeartbeatExpired');
    expect(v.recheckAfterMs).toBeUndefined();
  });

  it('gives a newly registered node one timeout to send its first heartbeat', () => {
    expect(judgeNode(node(undefined), new Date(T0 + 59_000), 60_000)).toMatchObject({ state: 'HEALTHY', reason: 'NoHeartbeatYet', recheckAfterMs: 1_001 });
    expect(judgeNode(node(undefined), new Date(T0 + 61_000), 60_000)).toMatchObject({ state: 'UNHEALTHY', reason: 'NeverSentHeartbeat' });
  });

  it('drains an alive node while the quidditch.io/drain annotation says true, but not once it is dead', () => {
    const plain = node({ lastHeartbeat: new Date(T0).toISOString() });
    const alive = { ...plain, metadata: { ...plain.metadata, annotations: { 'quidditch.io/drain': 'true' } } };
    expect(judgeNode(alive, new Date(T0 + 1_000), 60_000)).toMatchObject({ state: 'DRAINING', reason: 'DrainRequested' });
    expect(judgeNode(alive, new Date(T0 + 61_000), 60_000).state).toBe('UNHEALTHY');
  });

  it('drains a node that reports it is shutting down, and forgets a DRAINING state nothing asks for', () => {
    const beat = new Date(T0).toISOString();
    expect(judgeNode(node({ lastHeartbeat: beat, shuttingDown: true }), new Date(T0 + 1_000), 60_000)).toMatchObject({ state: 'DRAINING', reason: 'ShuttingDown' });
    expect(judgeNode(node({ lastHeartbeat: beat, state: 'DRAINING' }), new Date(T0 + 1_000), 60_000).state).toBe('HEALTHY');
  });

  it('treats an unparseable heartbeat as no heartbeat', () => {
    expect(judgeNode(node({ lastHeartbeat: 'yesterday' }), new Date(T0 + 1_000), 60_000).reason).toBe('NoHeartbeatYet');
  });
});
