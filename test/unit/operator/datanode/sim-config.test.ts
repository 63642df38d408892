import { parseSimConfig } from '../../../../lib/datanode-sim/config';

describe('parseSimConfig', () => {
  it('reads the data-node environment contract', () => {
    const config = parseSimConfig([], {
      QUIDDITCH_NODE_NAME: 'data-1',
      QUIDDITCH_NAMESPACE: 'search',
      QUIDDITCH_GRPC_PORT: '9400',
      QUIDDITCH_ADVERTISE_ADDRESS: 'data-1.data.search.svc:9400',
      QUIDDITCH_TIER: 'warm',
      QUIDDITCH_MAX_SHARDS: '50',
      QUIDDITCH_HEARTBEAT_INTERVAL: '2.5',
      QUIDDITCH_CONTROL_PLANE_MODE: 'k8s',
      QUIDDITCH_TLS_DIR: '/etc/quidditch/tls',
      QUIDDITCH_CLUSTER: 'search',
    });
    expect(config).toMatchObject({
      cluster: 'search',
      grpcTls: { kind: 'files', dir: '/etc/quidditch/tls', refreshMs: 60_000 },
      name: 'data-1',
      namespace: 'search',
      port: 9400,
      advertise: 'data-1.data.search.svc:9400',
      tier: 'warm',
      maxShards: 50,
      heartbeatSeconds: 2.5,
      mode: 'k8s',
    });
  });

  it('refuses a cluster name that is not a label value', () => {
    expect(() => parseSimConfig(['--name', 'n', '--namespace', 'ns', '--tls-dir', '/tls', '--cluster', 'not a label'], {})).toThrow(
      '--cluster (QUIDDITCH_CLUSTER) must be a label value (at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit), got "not a label"',
    );
  });

  it('lets flags override the environment', () => {
    const config = parseSimConfig(['--insecure-plaintext-grpc', '--name', 'flag', '--port', '0', '--zone', 'z1', '--stats-port', '0', '--heartbeat-interval', '1'], {
      QUIDDITCH_NODE_NAME: 'env',
      QUIDDITCH_NAMESPACE: 'search',
      QUIDDITCH_GRPC_PORT: '9400',
    });
    expect(config).toMatchObject({ name: 'flag', port: 0, zone: 'z1', statsPort: 0, heartbeatSeconds: 1 });
  });

  it('uses documented defaults', () => {
    expect(parseSimConfig(['--name', 'n', '--namespace', 'ns', '--tls-dir', '/tls'], {})).toEqual({
      name: 'n',
      namespace: 'ns',
      host: '0.0.0.0',
      port: 9303,
      advertise: undefined,
      tier: 'hot',
      maxShards: 1000,
      zone: undefined,
      heartbeatSeconds: 10,
      kubeconfig: undefined,
      statsPort: undefined,
      startDelayMs: 0,
      startJitterMs: 0,
      recoveryMsPerMiB: 0,
      dataDir: undefined,
      ingestRate: 0,
      docSizeBytes: 1024,
      diskCapacityBytes: 100 * 1024 ** 3,
      statsIntervalMs: 5000,
      faults: { failCreateRatio: 0, hang: [], failCopies: [] },
      seed: 1,
      mode: 'k8s',
      drainOnShutdown: false,
      logLevel: 'info',
      grpcTls: { kind: 'files', dir: '/tls', refreshMs: 60_000 },
    });
  });

  it('needs TLS files unless plaintext is asked for by name, and not both', () => {
    expect(() => parseSimConfig(['--name', 'n', '--namespace', 'ns'], {})).toThrow(
      'Unable to start datanode-sim: --tls-dir (QUIDDITCH_TLS_DIR) is required: gRPC uses mutual TLS; pass the directory of the data-node TLS Secret, or --insecure-plaintext-grpc for development. Run with --help for the options.',
    );
    expect(() => parseSimConfig(['--name', 'n', '--namespace', 'ns', '--tls-dir', '/tls', '--insecure-plaintext-grpc'], {})).toThrow(
      '--tls-dir (QUIDDITCH_TLS_DIR) and --insecure-plaintext-grpc exclude each other; pass one',
    );
    expect(parseSimConfig(['--name', 'n', '--namespace', 'ns'], { QUIDDITCH_INSECURE_PLAINTEXT_GRPC: 'true' }).grpcTls).toEqual({ kind: 'insecure-plaintext' });
  });

  it('reads the realism and fault flags', () => {
    const config = parseSimConfig(
      ['--insecure-plaintext-grpc', '--name', 'n', '--namespace', 'ns', '--start-delay-ms', '3000', '--start-jitter-ms', '500', '--recovery-ms-per-mib', '2.5',
        '--data-dir', '/var/lib/q', '--ingest-rate', '100', '--disk-capacity', '10Gi', '--fail-create-ratio', '0.2',
        '--hang', 'CreateShard:2,WatchShards', '--fail-copies', 'logs/0,logs/1/r', '--seed', '7'],
      {},
    );
    expect(config).toMatchObject({
      startDelayMs: 3000, startJitterMs: 500, recoveryMsPerMiB: 2.5, dataDir: '/var/lib/q', ingestRate: 100, diskCapacityBytes: 10 * 1024 ** 3, seed: 7,
      faults: { failCreateRatio: 0.2, hang: [{ rpc: 'CreateShard', count: 2 }, { rpc: 'WatchShards' }], failCopies: ['logs/0', 'logs/1/r'] },
    });
  });

  it('names every bad realism or fault flag in one error', () => {
    expect(() =>
      parseSimConfig(['--insecure-plaintext-grpc', '--name', 'n', '--namespace', 'ns', '--fail-create-ratio', '1.5', '--hang', 'Create', '--fail-copies', 'logs', '--disk-capacity', '1G'], {}),
    ).toThrow(
      'Unable to start datanode-sim: --fail-create-ratio must be a number from 0 to 1, got "1.5"; ' +
        '--hang: "Create" names no RPC; use one of CreateShard, GetShardInfo, DeleteShard, ListShards, PromoteShard, DemoteShard, UpdateShardSettings, WatchShards; ' +
        '--fail-copies: "logs" must be index/shard or index/shard/p or index/shard/r; ' +
        '--disk-capacity: must be a positive byte count such as 1073741824 or 1Gi (suffix Ki, Mi, Gi, Ti), got "1G". Run with --help for the options.',
    );
  });

  it('needs no namespace when it does not register', () => {
    expect(parseSimConfig(['--insecure-plaintext-grpc', '--name', 'n', '--control-plane-mode', 'none'], {}).namespace).toBe('');
  });

  it('names every bad flag in one error', () => {
    expect(() =>
      parseSimConfig(['--insecure-plaintext-grpc', '--port', '70000', '--advertise', 'no-port', '--max-shards', '0', '--heartbeat-interval', '0'], { QUIDDITCH_CONTROL_PLANE_MODE: 'raft' }),
    ).toThrow(
      'Unable to start datanode-sim: --control-plane-mode (QUIDDITCH_CONTROL_PLANE_MODE) must be k8s or none (the sim has no raft mode), got "raft"; ' +
        '--name (QUIDDITCH_NODE_NAME) is required; --advertise (QUIDDITCH_ADVERTISE_ADDRESS) must be host:port, got "no-port"; ' +
        '--port (QUIDDITCH_GRPC_PORT) must be an integer from 0 to 65535, got "70000"; ' +
        '--max-shards (QUIDDITCH_MAX_SHARDS) must be an integer from 1 to 100000, got "0"; ' +
        '--heartbeat-interval (QUIDDITCH_HEARTBEAT_INTERVAL) must be a number from 0.05 to 3600, got "0". Run with --help for the options.',
    );
  });
});
