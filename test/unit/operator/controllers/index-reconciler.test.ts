import { combine, done, requeueAfter, retry, terminal } from '../../../../lib/operator/runtime/reconciler';
import { AnsweredCreates } from '../../../../lib/operator/controllers/answered-creates';
import { dataNode, fakeCluster, newIndex } from './fake-cluster';

describe('combine', () => {
  it('prefers terminal over retry over the earliest requeueAfter over done', () => {
    const e1 = new Error('one');
    const e2 = new Error('two');
    expect(combine([])).toEqual(done());
    expect(combine([done(), requeueAfter(50), requeueAfter(20), done()])).toEqual(requeueAfter(20));
    expect(combine([requeueAfter(0), retry(e1), done()])).toEqual(retry(e1));
    expect(combine([retry(e1), terminal(e2), requeueAfter(5)])).toEqual(terminal(e2));
  });
});

describe('IndexReconciler (in memory)', () => {
  it('creates every copy once and a second reconcile writes nothing', async () => {
    const c = fakeCluster([dataNode('a'), dataNode('b')]);
    c.api.put(newIndex('logs', 3, 1));
    expect(await c.reconcile('logs')).toEqual(done());
    expect(c.index('logs').status).toMatchObject({ state: 'ACTIVE', health: 'green' });
    expect(c.shards.creations).toBe(6);
    const writes = c.api.writes;
    expect(await c.reconcile('logs')).toEqual(done());
    expect(c.api.writes).toBe(writes);
    expect(c.shards.creations).toBe(6);
  });

  it("writes a new index's totals in its first observed status, from the CreateShard answers, before any stream reports the copies", async () => {
    const c = fakeCluster([dataNode('a'), dataNode('b')]);
    c.shards.synced.add('a').add('b');
    c.shards.answerSizes = true;
    const o = fakeCluster([dataNode('a'), dataNode('b')], { shards: c.shards, observed: c.shards.observed, indices: c.api, indexCache: c.deps.indexCache, ledger: c.deps.ledger });
    c.api.put(newIndex('logs', 2, 1));
    expect(await o.reconcile('logs')).toEqual(done());
    // The fake's streams report no copy (copiesOf is empty): the totals are the nodes' answers.
    expect(c.index('logs').status).toMatchObject({ state: 'ACTIVE', docsCount: 0, sizeBytes: 4 * 64 });
    const writes = c.api.writes;
    expect(await o.reconcile('logs')).toEqual(done());
    expect(c.api.writes).toBe(writes);
  });

  it('recomputes from a fresh read when writes conflict, creating nothing twice', async () => {
    const c = fakeCluster([dataNode('a'), dataNode('b')]);
    c.api.put(newIndex('logs', 2, 1, { finalizers: ['quidditch.io/index-protection'] }));
    c.api.conflictsToInject = 3;
    expect(await c.reconcile('logs')).toEqual(done());
    expect(c.index('logs').status).toMatchObject({ state: 'ACTIVE', health: 'green' });
    expect(c.shards.creations).toBe(4);
  });

  it('returns retry, not a panic, when conflicts outlast the write attempts', async () => {
    const c = fakeCluster([dataNode('a')]);
    c.api.put(newIndex('logs', 1, 0, { finalizers: ['quidditch.io/index-protection'] }));
    c.api.conflictsToInject = 100;
    const result = await c.reconcile('logs');
    expect(result.kind).toBe('retry');
    expect(c.shards.creations).toBe(0);
  });

  it('is terminal with a Ready=False/InvalidSpec condition and an Event for a spec that can never be planned', async () => {
    const c = fakeCluster([dataNode('a')]);
    c.api.put(newIndex('broken', 0, 1));
    const result = await c.reconcile('broken');
    expect(result.kind).toBe('terminal');
    const ready = c.index('broken').status?.conditions?.find((x) => x.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(ready?.message).toContain('spec.shards must be an integer >= 1, got 0');
    expect(c.events.map((e) => e.reason)).toContain('InvalidSpec');
    expect(c.shards.creations).toBe(0);
  });
});

describe('IndexReconciler never hides lost data (in memory)', () => {
  it('keeps a shard whose only copy was on a lost node red (PrimaryLost), then re-adopts it when the node returns', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes, { nodeLeftDelayMs: 60_000 });
    c.api.put(newIndex('logs', 2, 0));
    await c.reconcile('logs');
    const onB = c.index('logs').status!.shardAllocations!.filter((a) => a.nodeId === 'b');
    expect(onB).toHaveLength(1);
    const created = c.shards.creations;

    nodes[1] = dataNode('b', 'UNHEALTHY');
    await c.reconcile('logs');
    const away = c.index('logs');
    expect(away.status?.health).toBe('red');
    expect(away.status?.shardAllocations).toContainEqual(expect.objectContaining({ shardId: onB[0].shardId, nodeId: 'b', state: 'UNASSIGNED', unassignedReason: 'NodeLeft' }));
    expect(away.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PrimaryLost' });
    expect(away.status?.conditions?.find((x) => x.type === 'Ready')?.message).toContain('quidditch.io/accept-data-loss');
    expect(c.events.map((e) => e.reason)).toEqual(expect.arrayContaining(['CopiesUnavailable', 'PrimaryLost']));
    expect(c.shards.creations).toBe(created);
    // Waiting costs no writes.
    const writes = c.api.writes;
    await c.reconcile('logs');
    expect(c.api.writes).toBe(writes);

    nodes[1] = dataNode('b');
    await c.reconcile('logs');
    const back = c.index('logs');
    expect(back.status).toMatchObject({ health: 'green' });
    expect(back.status?.shardAllocations?.every((a) => a.state === 'STARTED')).toBe(true);
    expect(c.shards.creations).toBe(created);
    expect(c.shards.calls.filter((x) => x.startsWith('create') && x.endsWith('@b'))).toHaveLength(1); // only the first creation
  });

  it('keeps the copy UNASSIGNED (CopyMissing) and red when the returning node lost it, and allocates an empty primary only once the annotation names the shard', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes);
    c.api.put(newIndex('logs', 2, 0));
    await c.reconcile('logs');
    const lostShard = c.index('logs').status!.shardAllocations!.find((a) => a.nodeId === 'b')!.shardId;
    nodes[1] = dataNode('b', 'UNHEALTHY');
    await c.reconcile('logs');
    c.shards.held.get('b')!.clear(); // it comes back without its volume
    nodes[1] = dataNode('b');
    await c.reconcile('logs');
    await c.reconcile('logs');
    const lost = c.index('logs');
    expect(lost.status?.health).toBe('red');
    expect(lost.status?.shardAllocations).toContainEqual(expect.objectContaining({ shardId: lostShard, nodeId: 'b', primary: true, state: 'UNASSIGNED', unassignedReason: 'CopyMissing' }));
    const before = c.shards.creations;
    expect(before).toBe(2);

    c.api.put({ ...lost, metadata: { ...lost.metadata, annotations: { 'quidditch.io/accept-data-loss': String(lostShard) } } });
    await c.reconcile('logs');
    expect(c.index('logs').status?.health).toBe('green');
    expect(c.shards.creations).toBe(before + 1);
    expect(c.events.map((e) => e.reason)).toContain('DataLossAccepted');
  });

  it('waits the node-left delay before re-creating a replica of a departed node, then replaces it', async () => {
    const nodes = [dataNode('a'), dataNode('b'), dataNode('c')];
    const c = fakeCluster(nodes, { nodeLeftDelayMs: 60_000 });
    c.api.put(newIndex('logs', 1, 1));
    await c.reconcile('logs');
    const replica = c.index('logs').status!.shardAllocations!.find((a) => !a.primary)!;
    const i = nodes.findIndex((n) => n.metadata.name === replica.nodeId);
    const created = c.shards.creations;
    nodes[i] = dataNode(replica.nodeId, 'UNHEALTHY');
    expect(await c.reconcile('logs')).toEqual(requeueAfter(60_000));
    const mid = c.index('logs');
    expect(mid.status?.health).toBe('yellow');
    expect(mid.status?.shardAllocations).toContainEqual(expect.objectContaining({ nodeId: replica.nodeId, primary: false, state: 'UNASSIGNED', unassignedReason: 'NodeLeft' }));
    expect(c.shards.creations).toBe(created);
    c.advance(60_000);
    await c.reconcile('logs');
    const after = c.index('logs');
    expect(after.status?.health).toBe('green');
    expect(after.status?.shardAllocations?.some((a) => a.nodeId === replica.nodeId)).toBe(false);
    expect(c.shards.creations).toBe(created + 1);
  });

  it('promotes a started replica at once when the primary\'s node leaves', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes, { nodeLeftDelayMs: 60_000 });
    c.api.put(newIndex('logs', 1, 1));
    await c.reconcile('logs');
    const primary = c.index('logs').status!.shardAllocations!.find((a) => a.primary)!;
    nodes[nodes.findIndex((n) => n.metadata.name === primary.nodeId)] = dataNode(primary.nodeId, 'UNHEALTHY');
    await c.reconcile('logs');
    const after = c.index('logs');
    expect(after.status?.shardAllocations?.find((a) => a.primary)).toMatchObject({ state: 'STARTED' });
    expect(after.status?.shardAllocations?.find((a) => a.primary)?.nodeId).not.toBe(primary.nodeId);
    expect(after.status?.health).toBe('yellow');
    expect(c.events.map((e) => e.reason)).toContain('ReplicaPromoted');
  });
});

describe('IndexReconciler follows what the nodes report (in memory)', () => {
  it('waits on slow copies with no calls and no writes, and goes ACTIVE on the report that they started', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes);
    const withObserved = fakeCluster(nodes, { shards: c.shards, observed: c.shards.observed, indices: c.api, indexCache: c.deps.indexCache, ledger: c.deps.ledger });
    c.shards.slow = true;
    c.shards.synced.add('a').add('b');
    c.api.put(newIndex('logs', 2, 1));
    await withObserved.reconcile('logs');
    expect(c.index('logs').status).toMatchObject({ state: 'CREATING', health: 'red' });
    const calls = c.shards.calls.length;
    const writes = c.api.writes;
    await withObserved.reconcile('logs');
    await withObserved.reconcile('logs');
    expect(c.shards.calls.length).toBe(calls);
    expect(c.api.writes).toBe(writes);

    c.shards.startAll();
    await withObserved.reconcile('logs');
    expect(c.index('logs').status).toMatchObject({ state: 'ACTIVE', health: 'green' });
    expect(c.shards.calls.length).toBe(calls);
    expect(c.shards.creations).toBe(4);
  });

  it('does not call again for a copy whose create its node answered until its report has had time to come, then does', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes);
    const o = fakeCluster(nodes, { shards: c.shards, observed: c.shards.observed, indices: c.api, indexCache: c.deps.indexCache, ledger: c.deps.ledger, answered: new AnsweredCreates(10_000) });
    c.shards.slow = true;
    // Node b's stream has not reported yet (not synced): its copies' reports are on their way.
    c.shards.synced.add('a');
    c.api.put(newIndex('logs', 2, 1));
    await o.reconcile('logs');
    const calls = c.shards.calls.length;
    expect(c.shards.creations).toBe(4);
    o.advance(9_000);
    expect(await o.reconcile('logs')).toEqual(requeueAfter(1_000));
    expect(c.shards.calls.length).toBe(calls);
    // Past the TTL with still no report: b is asked again (idempotent; a node that lost the copy gets it back).
    o.advance(1_001);
    await o.reconcile('logs');
    expect(c.shards.calls.slice(calls)).toEqual(['promote 1@b', 'create 0r@b']);
    expect(c.shards.creations).toBe(4);
  });

  it('detects a started copy its node no longer holds: promotes the replica, re-creates the copy once, health yellow meanwhile', async () => {
    const nodes = [dataNode('a'), dataNode('b'), dataNode('c')];
    const c = fakeCluster(nodes);
    const o = fakeCluster(nodes, { shards: c.shards, observed: c.shards.observed, indices: c.api, indexCache: c.deps.indexCache, ledger: c.deps.ledger });
    c.shards.synced.add('a').add('b').add('c');
    c.api.put(newIndex('logs', 3, 1));
    await o.reconcile('logs');
    expect(c.index('logs').status?.health).toBe('green');
    const created = c.shards.creations;
    const onA = c.index('logs').status!.shardAllocations!.filter((x) => x.nodeId === 'a');
    c.shards.held.get('a')!.clear(); // node a restarted without its data directory
    c.shards.slow = true;
    await o.reconcile('logs');
    const mid = c.index('logs');
    expect(mid.status?.health).toBe('yellow');
    expect(c.shards.creations).toBe(created + onA.length);
    expect(o.events.map((e) => e.reason)).toContain('CopiesLost');
    for (const lost of onA.filter((x) => x.primary)) {
      expect(mid.status?.shardAllocations?.find((x) => x.shardId === lost.shardId && x.primary)?.nodeId).not.toBe('a');
    }
    c.shards.startAll();
    await o.reconcile('logs');
    await o.reconcile('logs');
    expect(c.index('logs').status?.health).toBe('green');
    expect(c.shards.creations).toBe(created + onA.length);
  });

  it('keeps everything when a node restarts with its data', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes);
    const o = fakeCluster(nodes, { shards: c.shards, observed: c.shards.observed, indices: c.api, indexCache: c.deps.indexCache, ledger: c.deps.ledger });
    c.shards.synced.add('a').add('b');
    c.api.put(newIndex('logs', 2, 1));
    await o.reconcile('logs');
    const created = c.shards.creations;
    const writes = c.api.writes;
    c.shards.synced.delete('a'); // the stream drops while it restarts: unknown, not empty
    await o.reconcile('logs');
    c.shards.synced.add('a');
    await o.reconcile('logs');
    expect(c.shards.creations).toBe(created);
    expect(c.api.writes).toBe(writes);
    expect(c.index('logs').status?.health).toBe('green');
  });
});

describe('IndexReconciler judges a shard only once every node holding it has reported (in memory)', () => {
  const setup = (replicas: number) => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes);
    const o = fakeCluster(nodes, { shards: c.shards, observed: c.shards.observed, indices: c.api, indexCache: c.deps.indexCache, ledger: c.deps.ledger });
    c.shards.synced.add('a').add('b');
    c.api.put(newIndex('logs', 2, replicas));
    return { c, o };
  };

  it('promotes and creates nothing while a sibling copy is unknown, then says PrimaryLost and remembers every location', async () => {
    const { c, o } = setup(1);
    await o.reconcile('logs');
    expect(c.index('logs').status?.health).toBe('green');
    const placed = c.index('logs').status!.shardAllocations!.map((a) => `${a.shardId}${a.primary ? 'p' : 'r'}@${a.nodeId}`).sort();
    const calls = c.shards.calls.length;
    // Both nodes hold none of the copies (fresh nodes after an import), but only a's stream has synced.
    const savedB = new Map(c.shards.held.get('b'));
    c.shards.held.get('a')!.clear();
    c.shards.held.get('b')!.clear();
    c.shards.synced.delete('b');
    expect(await o.reconcile('logs')).toEqual(requeueAfter(1_000));
    expect(c.shards.calls.slice(calls)).toEqual([]);
    expect(c.index('logs').status?.health).toBe('green'); // nothing judged yet: the record stands

    c.shards.synced.add('b');
    await o.reconcile('logs');
    await o.reconcile('logs');
    const lost = c.index('logs');
    expect(lost.status?.health).toBe('red');
    expect(lost.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PrimaryLost' });
    // Not a call: no empty primary, no promotion of a copy nobody holds, and no record dropped.
    expect(c.shards.calls.slice(calls)).toEqual([]);
    expect(lost.status!.shardAllocations!.map((a) => `${a.shardId}${a.primary ? 'p' : 'r'}@${a.nodeId}`).sort()).toEqual(placed);
    expect(lost.status!.shardAllocations!.every((a) => a.state === 'UNASSIGNED' && a.unassignedReason === 'CopyMissing')).toBe(true);

    // b comes back with its data (restarted with its volume): its copies are re-adopted, b's replicas promoted.
    c.shards.held.set('b', savedB);
    await o.reconcile('logs');
    await o.reconcile('logs');
    const back = c.index('logs');
    expect(back.status?.health).not.toBe('red');
    expect(back.status!.shardAllocations!.filter((a) => a.primary).map((a) => `${a.nodeId}:${a.state}`)).toEqual(['b:STARTED', 'b:STARTED']);
    expect(c.shards.calls.slice(calls).filter((x) => /^create \d+p/.test(x))).toEqual([]);
  });

  it('creates no empty primary when the replica chosen for promotion is gone: the copy is recorded missing and the shard is red', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes, { nodeLeftDelayMs: 60_000 });
    c.api.put(newIndex('logs', 1, 1));
    await c.reconcile('logs');
    const primary = c.index('logs').status!.shardAllocations!.find((a) => a.primary)!;
    const replica = c.index('logs').status!.shardAllocations!.find((a) => !a.primary)!;
    const created = c.shards.creations;
    nodes[nodes.findIndex((n) => n.metadata.name === primary.nodeId)] = dataNode(primary.nodeId, 'UNHEALTHY');
    c.shards.held.get(replica.nodeId)!.clear(); // the replica's node lost it without anyone seeing
    await c.reconcile('logs');
    await c.reconcile('logs');
    const after = c.index('logs');
    expect(c.shards.calls).toContain(`promote 0@${replica.nodeId}`);
    expect(c.shards.creations).toBe(created);
    expect(after.status?.health).toBe('red');
    expect(after.status?.shardAllocations).toEqual(expect.arrayContaining([
      expect.objectContaining({ nodeId: replica.nodeId, primary: true, state: 'UNASSIGNED', unassignedReason: 'CopyMissing' }),
      expect.objectContaining({ nodeId: primary.nodeId, primary: false, state: 'UNASSIGNED', unassignedReason: 'NodeLeft' }),
    ]));
  });

  it('keeps a promoted replica whose promotion never reached its node when that node leaves too: red, and no empty primary on a new node', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes, { nodeLeftDelayMs: 60_000 });
    c.api.put(newIndex('logs', 1, 1));
    await c.reconcile('logs');
    const primary = c.index('logs').status!.shardAllocations!.find((a) => a.primary)!;
    const replica = c.index('logs').status!.shardAllocations!.find((a) => !a.primary)!;
    const promote = c.shards.promoteShard.bind(c.shards);
    c.shards.promoteShard = async () => {
      throw new Error('DEADLINE_EXCEEDED'); // the replica's node is frozen too
    };
    nodes[nodes.findIndex((n) => n.metadata.name === primary.nodeId)] = dataNode(primary.nodeId, 'UNHEALTHY');
    expect((await c.reconcile('logs')).kind).toBe('retry');
    nodes[nodes.findIndex((n) => n.metadata.name === replica.nodeId)] = dataNode(replica.nodeId, 'UNHEALTHY');
    c.shards.promoteShard = promote;
    nodes.push(dataNode('c'));
    const created = c.shards.creations;
    await c.reconcile('logs');
    await c.reconcile('logs');
    const waiting = c.index('logs');
    expect(waiting.status?.health).toBe('red');
    expect(waiting.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PrimaryLost' });
    expect(c.shards.creations).toBe(created);
    expect(waiting.status?.shardAllocations?.map((a) => `${a.nodeId}:${a.primary}:${a.state}`).sort()).toEqual([`${primary.nodeId}:false:UNASSIGNED`, `${replica.nodeId}:true:UNASSIGNED`]);
  });

  it('re-sends a promotion its node has not applied, as the node reports it, and never creates the copy', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes, { nodeLeftDelayMs: 60_000 });
    const o = fakeCluster(nodes, { nodeLeftDelayMs: 60_000, shards: c.shards, observed: c.shards.observed, indices: c.api, indexCache: c.deps.indexCache, ledger: c.deps.ledger });
    c.shards.synced.add('a').add('b');
    c.api.put(newIndex('logs', 1, 1));
    await o.reconcile('logs');
    const primary = c.index('logs').status!.shardAllocations!.find((a) => a.primary)!;
    const replica = c.index('logs').status!.shardAllocations!.find((a) => !a.primary)!;
    const promote = c.shards.promoteShard.bind(c.shards);
    c.shards.promoteShard = async () => {
      throw new Error('UNAVAILABLE');
    };
    nodes[nodes.findIndex((n) => n.metadata.name === primary.nodeId)] = dataNode(primary.nodeId, 'UNHEALTHY');
    expect((await o.reconcile('logs')).kind).toBe('retry');
    expect(c.shards.held.get(replica.nodeId)!.get('logs/0')!.primary).toBe(false);
    c.shards.promoteShard = promote;
    const created = c.shards.creations;
    await o.reconcile('logs');
    expect(c.shards.held.get(replica.nodeId)!.get('logs/0')!.primary).toBe(true);
    expect(c.shards.creations).toBe(created);
    expect(c.index('logs').status?.shardAllocations?.find((a) => a.primary)).toMatchObject({ nodeId: replica.nodeId, state: 'STARTED' });
  });

  it('remembers where a replica was when every copy of its shard left, and recovers the shard from whichever node returns', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes);
    c.api.put(newIndex('logs', 1, 1));
    await c.reconcile('logs');
    const primary = c.index('logs').status!.shardAllocations!.find((a) => a.primary)!;
    const replica = c.index('logs').status!.shardAllocations!.find((a) => !a.primary)!;
    const created = c.shards.creations;
    nodes[0] = dataNode('a', 'UNHEALTHY');
    nodes[1] = dataNode('b', 'UNHEALTHY');
    await c.reconcile('logs');
    await c.reconcile('logs');
    const away = c.index('logs');
    expect(away.status?.health).toBe('red');
    expect(away.status?.shardAllocations?.map((a) => `${a.nodeId}:${a.primary}:${a.unassignedReason}`).sort()).toEqual(
      [`${primary.nodeId}:true:NodeLeft`, `${replica.nodeId}:false:NodeLeft`].sort(),
    );
    // Only the replica's node returns, with its data: it becomes the primary; nothing empty is created.
    nodes[nodes.findIndex((n) => n.metadata.name === replica.nodeId)] = dataNode(replica.nodeId);
    await c.reconcile('logs');
    await c.reconcile('logs');
    const back = c.index('logs');
    expect(back.status?.shardAllocations?.find((a) => a.primary)).toMatchObject({ nodeId: replica.nodeId, state: 'STARTED' });
    expect(back.status?.health).not.toBe('red');
    expect(c.shards.creations).toBe(created);
  });
});

describe('IndexReconciler demotes a superseded primary (in memory)', () => {
  /**
   * Both nodes of a 1-shard, 1-replica index leave; the replica's node returns first and its copy is
   * promoted; then the old primary's node returns, still holding its copy as a primary.
   */
  const bothLeaveReplicaFirst = async (streams: boolean) => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes, { nodeLeftDelayMs: 60_000 });
    const o = streams ? fakeCluster(nodes, { nodeLeftDelayMs: 60_000, shards: c.shards, observed: c.shards.observed, indices: c.api, indexCache: c.deps.indexCache, ledger: c.deps.ledger }) : c;
    if (streams) c.shards.synced.add('a').add('b');
    c.api.put(newIndex('logs', 1, 1));
    await o.reconcile('logs');
    const old = c.index('logs').status!.shardAllocations!.find((a) => a.primary)!.nodeId;
    const other = old === 'a' ? 'b' : 'a';
    nodes[0] = dataNode('a', 'UNHEALTHY');
    nodes[1] = dataNode('b', 'UNHEALTHY');
    await o.reconcile('logs');
    expect(c.index('logs').status?.health).toBe('red');
    nodes[nodes.findIndex((n) => n.metadata.name === other)] = dataNode(other);
    await o.reconcile('logs');
    await o.reconcile('logs');
    expect(c.index('logs').status?.shardAllocations?.find((a) => a.primary)).toMatchObject({ nodeId: other, state: 'STARTED' });
    const created = c.shards.creations;
    c.shards.slow = true; // a demoted copy re-syncs before it serves again
    nodes[nodes.findIndex((n) => n.metadata.name === old)] = dataNode(old);
    return { c, o, old, other, created };
  };
  const rolesHeld = (c: ReturnType<typeof fakeCluster>) => [...c.shards.held].flatMap(([node, m]) => [...m.values()].map((x) => `${x.shardId}${x.primary ? 'p' : 'r'}@${node}`)).sort();

  for (const streams of [true, false]) {
    it(`demotes the old primary's copy once, creates nothing, keeps the new primary serving, and is green once it has re-synced (${streams ? 'nodes report through streams' : 'adopted by ListShards'})`, async () => {
      const { c, o, old, other, created } = await bothLeaveReplicaFirst(streams);
      await o.reconcile('logs');
      await o.reconcile('logs');
      const mid = c.index('logs');
      // The shard never lost its started primary; the demoted copy does not count until it re-synced.
      expect(mid.status?.health).toBe('yellow');
      expect(mid.status?.shardAllocations?.map((a) => `${a.nodeId}:${a.primary}:${a.state}`).sort()).toEqual([`${old}:false:INITIALIZING`, `${other}:true:STARTED`].sort());
      expect(rolesHeld(c)).toEqual([`0p@${other}`, `0r@${old}`].sort());
      expect(c.shards.calls.filter((x) => x.startsWith('demote'))).toEqual([`demote 0@${old} from ${other}`]);
      expect(o.events.filter((e) => e.reason === 'PrimaryDemoted').map((e) => e.message)).toEqual([expect.stringContaining(`shard 0 on ${old} (primary now on ${other})`)]);

      c.shards.startAll();
      await o.reconcile('logs');
      await o.reconcile('logs');
      const back = c.index('logs');
      expect(back.status?.health).toBe('green');
      expect(back.status?.shardAllocations?.map((a) => `${a.nodeId}:${a.primary}:${a.state}`).sort()).toEqual([`${old}:false:STARTED`, `${other}:true:STARTED`].sort());
      expect(rolesHeld(c)).toEqual([`0p@${other}`, `0r@${old}`].sort());
      expect(c.shards.creations).toBe(created);
      expect(c.shards.calls.filter((x) => x.startsWith('demote'))).toHaveLength(1);
    });
  }

  it('demotes, never creates a second copy, when a replica is placed on a node that still holds the shard as a primary (its record was dropped)', async () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes); // node-left delay 0: the old primary's record is dropped once a replica is promoted
    c.api.put(newIndex('logs', 1, 1));
    await c.reconcile('logs');
    const old = c.index('logs').status!.shardAllocations!.find((a) => a.primary)!.nodeId;
    const other = old === 'a' ? 'b' : 'a';
    nodes[nodes.findIndex((n) => n.metadata.name === old)] = dataNode(old, 'UNHEALTHY');
    await c.reconcile('logs');
    expect(c.index('logs').status?.shardAllocations?.map((a) => `${a.nodeId}:${a.primary}`)).toEqual([`${other}:true`]);
    const created = c.shards.creations;
    nodes[nodes.findIndex((n) => n.metadata.name === old)] = dataNode(old);
    await c.reconcile('logs');
    await c.reconcile('logs');
    expect(c.shards.calls.filter((x) => x.startsWith('demote'))).toEqual([`demote 0@${old} from ${other}`]);
    expect(c.index('logs').status?.health).toBe('yellow'); // re-syncing
    c.shards.startAll();
    await c.reconcile('logs');
    expect(c.shards.creations).toBe(created);
    expect(c.index('logs').status?.health).toBe('green');
    expect([...c.shards.held].map(([node, m]) => `${node}:${m.get('logs/0')?.primary}`).sort()).toEqual([`${old}:false`, `${other}:true`].sort());
  });

  it("demotes nothing while the new primary's node has not applied its promotion: the shard is never left without a started primary", async () => {
    const { c, o, old, other } = await bothLeaveReplicaFirst(true);
    c.shards.held.get(other)!.get('logs/0')!.primary = false; // as if the promotion had not reached it
    const promote = c.shards.promoteShard.bind(c.shards);
    c.shards.promoteShard = async () => {
      throw new Error('UNAVAILABLE');
    };
    await o.reconcile('logs');
    expect(c.shards.calls.filter((x) => x.startsWith('demote'))).toEqual([]);
    expect(rolesHeld(c)).toEqual([`0p@${old}`, `0r@${other}`].sort());
    c.shards.promoteShard = promote;
    await o.reconcile('logs');
    await o.reconcile('logs');
    expect(rolesHeld(c)).toEqual([`0p@${other}`, `0r@${old}`].sort());
    expect(c.shards.calls.filter((x) => x.startsWith('demote'))).toEqual([`demote 0@${old} from ${other}`]);
  });
});

describe('IndexReconciler and spec.settings (in memory)', () => {
  it('creates every copy with the index settings and mappings', async () => {
    const c = fakeCluster([dataNode('a'), dataNode('b')]);
    const idx = newIndex('logs', 2, 1);
    idx.spec.settings = { refresh_interval: '1s', analysis: { analyzer: { folding: { type: 'custom' } } } };
    c.api.put(idx);
    await c.reconcile('logs');
    expect(c.shards.contents).toHaveLength(4);
    for (const json of c.shards.contents) expect(JSON.parse(json!)).toEqual(idx.spec.settings);
  });

  it('is terminal with InvalidSpec naming the field for settings the schema cannot refuse', async () => {
    const c = fakeCluster([dataNode('a')]);
    const idx = newIndex('odd', 1, 0);
    idx.spec.settings = { a: null } as never;
    c.api.put(idx);
    expect((await c.reconcile('odd')).kind).toBe('terminal');
    expect(c.index('odd').status?.conditions?.find((x) => x.type === 'Ready')?.message).toContain('spec.settings.a must be a string, number, boolean, a list of them or an object of settings');
    expect(c.shards.creations).toBe(0);
  });
});

describe('IndexReconciler pushes changed settings (in memory)', () => {
  const setup = () => {
    const nodes = [dataNode('a'), dataNode('b')];
    const c = fakeCluster(nodes);
    const o = fakeCluster(nodes, { shards: c.shards, observed: c.shards.observed, indices: c.api, indexCache: c.deps.indexCache, ledger: c.deps.ledger });
    c.shards.synced.add('a').add('b');
    const idx = newIndex('logs', 2, 1);
    idx.spec.settings = { refresh_interval: '1s' };
    c.api.put(idx);
    return { c, o };
  };
  const edit = (c: ReturnType<typeof fakeCluster>, settings: Record<string, string>) => {
    const cur = c.index('logs');
    c.api.put({ ...cur, metadata: { ...cur.metadata, generation: (cur.metadata.generation ?? 1) + 1 }, spec: { ...cur.spec, settings } });
  };

  it('pushes a dynamic change to every copy and advances observedGeneration once all applied', async () => {
    const { c, o } = setup();
    await o.reconcile('logs');
    expect(c.index('logs').status?.observedGeneration).toBe(1);
    edit(c, { refresh_interval: '5s' });
    await o.reconcile('logs');
    expect(c.shards.updates).toBe(4);
    // The nodes' reports now carry generation 2: the next reconcile (the watcher's) observes it.
    await o.reconcile('logs');
    const idx = c.index('logs');
    expect(idx.status?.observedGeneration).toBe(2);
    expect(idx.status?.conditions?.find((x) => x.type === 'SettingsApplied')).toMatchObject({ status: 'True' });
  });

  it('reports a refused change in a condition and an Event and does not retry it', async () => {
    const { c, o } = setup();
    await o.reconcile('logs');
    c.shards.refuseKeys = ['codec'];
    edit(c, { refresh_interval: '1s', codec: 'best_compression' });
    await o.reconcile('logs');
    const idx = c.index('logs');
    expect(idx.status?.observedGeneration).toBe(1);
    expect(idx.status?.conditions?.find((x) => x.type === 'SettingsApplied')).toMatchObject({ status: 'False', reason: 'SettingsRefused' });
    expect(idx.status?.conditions?.find((x) => x.type === 'SettingsApplied')?.message).toContain('codec is a static setting');
    expect(o.events.filter((e) => e.reason === 'SettingsRefused')).toHaveLength(1);
    const updates = c.shards.updates;
    const writes = c.api.writes;
    await o.reconcile('logs');
    await o.reconcile('logs');
    expect(c.shards.updates).toBe(updates);
    expect(c.api.writes).toBe(writes);
    expect(o.events.filter((e) => e.reason === 'SettingsRefused')).toHaveLength(1);
  });
});
