import * as grpc from '@grpc/grpc-js';
import { ShardStore } from '../../../../lib/datanode-sim/shard-store';
import { DataNodeClient, DataNodeError } from '../../../../lib/operator/datanode/client';
import { dataNodeService, ShardRef } from '../../../../lib/operator/datanode/protocol';
import { DataNodeServer, startDataNodeServer } from '../../../../lib/operator/datanode/server';
import { GrpcSecurity, INSECURE_PLAINTEXT_GRPC, MemoryCertificateProvider, mutualTls } from '../../../../lib/operator/tls/grpc-security';
import { validity } from '../../../../lib/operator/tls/pki';
import { createTestPki, TestPki, TLS_ROLES } from '../../../support/test-tls';

const ref: ShardRef = { namespace: 'search', indexName: 'logs', indexUid: 'uid-1', shardId: 0, primary: true };
const fast = { deadlineMs: 2000, maxAttempts: 1 };

describe('data-node gRPC over mutual TLS', () => {
  let pki: TestPki;
  let otherPki: TestPki;
  let store: ShardStore;
  let server: DataNodeServer;
  let node: { name: string; address: string };
  const clients: DataNodeClient[] = [];
  const client = (security: GrpcSecurity) => {
    const c = new DataNodeClient({ ...fast, security });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    [pki, otherPki] = await Promise.all([createTestPki(), createTestPki()]);
  });
  beforeEach(async () => {
    store = new ShardStore('data-0');
    server = await startDataNodeServer(store, { security: await pki.security(TLS_ROLES.dataNode), host: '127.0.0.1', port: 0 });
    node = { name: 'data-0', address: `127.0.0.1:${server.port}` };
  });
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await server.stop(0);
  });

  it('serves every call of the operator\'s certificate', async () => {
    const operator = client(await pki.security(TLS_ROLES.operator));
    await operator.createShard(node, { shard: ref });
    expect((await operator.listShards(node)).shards.map((s) => s.shard)).toEqual([ref]);
    expect(await operator.deleteShard(node, ref)).toMatchObject({ existed: true });
  });

  it('lets another data node read a copy for recovery but not change or list anything', async () => {
    await client(await pki.security(TLS_ROLES.operator)).createShard(node, { shard: ref });
    const peer = client(await pki.security(TLS_ROLES.dataNode));
    expect(await peer.getShardInfo(node, ref)).toMatchObject({ shard: ref });
    await expect(peer.deleteShard(node, ref)).rejects.toThrow(
      'Unable to delete shard logs/0 on node data-0 at ' + node.address + ': PERMISSION_DENIED: Unable to serve DeleteShard: the caller\'s certificate is issued to quidditch-data-node, and only quidditch-operator may call it.',
    );
    await expect(peer.listShards(node)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    expect(store.size).toBe(1);
  });

  it('refuses a client whose certificate another CA issued, even with the operator\'s name', async () => {
    const impostor = client(await otherPki.security(TLS_ROLES.operator));
    const err = await impostor.createShard(node, { shard: ref }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataNodeError);
    expect((err as DataNodeError).code).toBe(grpc.status.UNAVAILABLE);
    expect(store.stats().createCalls).toBe(0);
  });

  it('refuses a TLS client that presents no certificate', async () => {
    const Service = dataNodeService();
    const noCert = new Service(node.address, grpc.credentials.createSsl(Buffer.from(pki.ca.certPem), null, null, { checkServerIdentity: () => undefined }));
    const answer = await new Promise<grpc.ServiceError | null>((resolve) =>
      (noCert as unknown as Record<string, (r: object, o: object, cb: (e: grpc.ServiceError | null) => void) => void>).ListShards({}, { deadline: Date.now() + 2000 }, (e) => resolve(e)),
    );
    noCert.close();
    expect(answer?.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('gives a plaintext client nothing', async () => {
    const plaintext = client(INSECURE_PLAINTEXT_GRPC);
    await expect(plaintext.listShards(node)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(plaintext.createShard(node, { shard: ref })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(store.stats().createCalls).toBe(0);
  });

  it('the operator refuses a server whose certificate another CA issued', async () => {
    const rogue = await startDataNodeServer(new ShardStore('rogue'), { security: await otherPki.security(TLS_ROLES.dataNode), host: '127.0.0.1', port: 0 });
    try {
      const operator = client(await pki.security(TLS_ROLES.operator));
      await expect(operator.listShards({ name: 'rogue', address: `127.0.0.1:${rogue.port}` })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    } finally {
      await rogue.stop(0);
    }
  });

  it('the operator refuses a server of its CA that is not a data node', async () => {
    const notANode = await startDataNodeServer(new ShardStore('x'), { security: await pki.security(TLS_ROLES.operator), host: '127.0.0.1', port: 0 });
    try {
      const operator = client(await pki.security(TLS_ROLES.operator));
      const err = (await operator.listShards({ name: 'x', address: `127.0.0.1:${notANode.port}` }).catch((e: unknown) => e)) as DataNodeError;
      expect(err.code).toBe(grpc.status.UNAVAILABLE);
      expect(err.message).toContain('its certificate names CN=quidditch-operator, not quidditch-data-node');
    } finally {
      await notANode.stop(0);
    }
  });

  it('uses a rotated client certificate for the next connection without failing a call', async () => {
    const provider = new MemoryCertificateProvider();
    const first = await pki.issue(TLS_ROLES.operator);
    provider.update(pki.ca.certPem, first);
    const operator = client(mutualTls(provider));
    await operator.createShard(node, { shard: ref });
    const second = await pki.issue(TLS_ROLES.operator);
    provider.update(pki.ca.certPem, second);
    operator.forget(node.address); // a new connection, as after a reconnect
    expect((await operator.listShards(node)).shards).toHaveLength(1);
    expect(validity(second.certPem).notAfter.getTime()).toBeGreaterThanOrEqual(validity(first.certPem).notAfter.getTime());
  });
});
