import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROTO_FILE, protoPath, shardKey } from '../../../../lib/operator/datanode/protocol';
import { ShardStore } from '../../../../lib/datanode-sim/shard-store';

describe('protoPath', () => {
  const libDir = path.join(__dirname, '../../../../lib/operator/datanode');

  it('finds the .proto next to the module', () => {
    expect(protoPath({}, libDir)).toBe(path.join(libDir, PROTO_FILE));
  });

  it('prefers QUIDDITCH_PROTO_PATH when it names a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proto-'));
    const copy = path.join(dir, 'x.proto');
    fs.copyFileSync(path.join(libDir, PROTO_FILE), copy);
    expect(protoPath({ QUIDDITCH_PROTO_PATH: copy }, libDir)).toBe(copy);
  });

  it('says where it looked and how to fix it when the file is missing', () => {
    expect(() => protoPath({ QUIDDITCH_PROTO_PATH: '/nope/x.proto' }, '/also-nope')).toThrow(
      `Unable to load data-node protocol ${PROTO_FILE}: not found at /nope/x.proto or /also-nope/${PROTO_FILE}. ` +
        `Copy ${PROTO_FILE} next to the program or set QUIDDITCH_PROTO_PATH to its path.`,
    );
  });
});

describe('ShardStore', () => {
  const ref = { namespace: 'ns', indexName: 'logs', indexUid: 'u', shardId: 0, primary: true };

  it('reports a new copy INITIALIZING until its start delay has passed', () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const store = new ShardStore('n', { startDelayMs: 1000, now: () => now });
    expect(store.createShard({ shard: ref }).state).toBe('INITIALIZING');
    now = new Date('2025-01-01T00:00:01Z');
    expect(store.getShardInfo(ref).state).toBe('STARTED');
  });

  it('counts a copy created again after a delete as a second creation', () => {
    const store = new ShardStore('n');
    store.createShard({ shard: ref });
    store.deleteShard(ref);
    store.createShard({ shard: ref });
    expect(store.stats().creations).toEqual({ [shardKey(ref)]: 2 });
    expect(store.size).toBe(1);
  });
});
