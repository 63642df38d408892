import { parseArgs } from 'node:util';
import { ADDRESS_PATTERN, DEFAULT_MAX_SHARDS_PER_NODE, NODE_TIERS, NodeTier } from '../api/v1';
import { DATANODE_ENV, DATANODE_GRPC_PORT } from '../model/datanode-env';

/** The sim's settings, resolved from flags (which win) and the data-node environment. */
export interface SimConfig {
  /** QuidditchNode name. */
  readonly name: string;
  /** Namespace of the QuidditchNode. */
  readonly namespace: string;
  /** Interface the gRPC server binds. @default '0.0.0.0' */
  readonly host: string;
  /** gRPC port; 0 picks a free one. @default 9303 */
  readonly port: number;
  /** host:port written to spec.address. @default 127.0.0.1:<bound port> */
  readonly advertise?: string;
  /** @default 'hot' */
  readonly tier: NodeTier;
  /** @default 1000 */
  readonly maxShards: number;
  readonly zone?: string;
  /** Seconds between heartbeats. @default 10 */
  readonly heartbeatSeconds: number;
  /** kubeconfig path; else $KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  readonly kubeconfig?: string;
  /** HTTP port for GET /stats; 0 picks a free one; unset serves none. */
  readonly statsPort?: number;
  /** Milliseconds a new copy stays INITIALIZING. @default 0 */
  readonly startDelayMs: number;
  /** `k8s` registers a QuidditchNode and heartbeats; `none` only serves gRPC. @default 'k8s' */
  readonly mode: 'k8s' | 'none';
  /** pino level. @default 'info' */
  readonly logLevel: string;
}

export const SIM_USAGE = `Usage: datanode-sim [options]   (flags override the ${DATANODE_ENV.nodeName}-style environment)
  --name NAME                 QuidditchNode name            [$${DATANODE_ENV.nodeName}]
  --namespace NS              its namespace                 [$${DATANODE_ENV.namespace}]
  --host HOST                 gRPC bind address (default 0.0.0.0)
  --port N                    gRPC port, 0 = random (default ${DATANODE_GRPC_PORT}) [$${DATANODE_ENV.grpcPort}]
  --advertise HOST:PORT       spec.address (default 127.0.0.1:<port>) [$${DATANODE_ENV.advertiseAddress}]
  --tier hot|warm|cold        (default hot)                 [$${DATANODE_ENV.tier}]
  --max-shards N              (default ${DEFAULT_MAX_SHARDS_PER_NODE})                [$${DATANODE_ENV.maxShards}]
  --zone ZONE                 failure zone
  --heartbeat-interval SEC    (default 10)                  [$${DATANODE_ENV.heartbeatInterval}]
  --kubeconfig PATH           (default $KUBECONFIG, ~/.kube/config, in-cluster)
  --stats-port N              serve GET /stats on 127.0.0.1:N (0 = random)
  --start-delay-ms N          new copies stay INITIALIZING this long (default 0)
  --control-plane-mode k8s|none  (default k8s)              [$${DATANODE_ENV.controlPlaneMode}]
  --log-level LEVEL           (default info)`;

/**
 * Resolves the sim's settings; collects every problem and throws once.
 * @throws Error `Unable to start datanode-sim: ...` naming each bad flag and its variable.
 */
export function parseSimConfig(argv: readonly string[], env: NodeJS.ProcessEnv): SimConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      name: { type: 'string' },
      namespace: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      advertise: { type: 'string' },
      tier: { type: 'string' },
      'max-shards': { type: 'string' },
      zone: { type: 'string' },
      'heartbeat-interval': { type: 'string' },
      kubeconfig: { type: 'string' },
      'stats-port': { type: 'string' },
      'start-delay-ms': { type: 'string' },
      'control-plane-mode': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const problems: string[] = [];
  const pick = (flag: keyof typeof values, envName?: string): string | undefined => {
    const v = values[flag] ?? (envName ? env[envName] : undefined);
    return v === '' ? undefined : (v);
  };
  const label = (flag: string, envName?: string) => `--${flag}${envName ? ` (${envName})` : ''}`;
  const number = (flag: keyof typeof values, envName: string | undefined, fallback: number | undefined, min: number, max: number, integer = true) => {
    const raw = pick(flag, envName);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      problems.push(`${label(flag, envName)} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };

  const mode = pick('control-plane-mode', DATANODE_ENV.controlPlaneMode) ?? 'k8s';
  if (mode !== 'k8s' && mode !== 'none') {
    problems.push(`${label('control-plane-mode', DATANODE_ENV.controlPlaneMode)} must be k8s or none (the sim has no raft mode), got "${mode}"`);
  }
  const name = pick('name', DATANODE_ENV.nodeName);
  if (!name) problems.push(`${label('name', DATANODE_ENV.nodeName)} is required`);
  const namespace = pick('namespace', DATANODE_ENV.namespace);
  if (!namespace && mode === 'k8s') problems.push(`${label('namespace', DATANODE_ENV.namespace)} is required in k8s mode`);
  const tier = pick('tier', DATANODE_ENV.tier) ?? 'hot';
  if (!(NODE_TIERS as readonly string[]).includes(tier)) {
    problems.push(`${label('tier', DATANODE_ENV.tier)} must be one of ${NODE_TIERS.join(', ')}, got "${tier}"`);
  }
  const advertise = pick('advertise', DATANODE_ENV.advertiseAddress);
  if (advertise !== undefined && !new RegExp(ADDRESS_PATTERN).test(advertise)) {
    problems.push(`${label('advertise', DATANODE_ENV.advertiseAddress)} must be host:port, got "${advertise}"`);
  }
  const config: SimConfig = {
    name: name ?? '',
    namespace: namespace ?? '',
    host: pick('host') ?? '0.0.0.0',
    port: number('port', DATANODE_ENV.grpcPort, DATANODE_GRPC_PORT, 0, 65535) as number,
    advertise,
    tier: tier as NodeTier,
    maxShards: number('max-shards', DATANODE_ENV.maxShards, DEFAULT_MAX_SHARDS_PER_NODE, 1, 100000) as number,
    zone: pick('zone'),
    heartbeatSeconds: number('heartbeat-interval', DATANODE_ENV.heartbeatInterval, 10, 0.05, 3600, false) as number,
    kubeconfig: pick('kubeconfig'),
    statsPort: number('stats-port', undefined, undefined, 0, 65535),
    startDelayMs: number('start-delay-ms', undefined, 0, 0, 3_600_000) as number,
    mode: mode as SimConfig['mode'],
    logLevel: pick('log-level') ?? 'info',
  };
  if (problems.length > 0) {
    throw new Error(`Unable to start datanode-sim: ${problems.join('; ')}. Run with --help for the options.`);
  }
  return config;
}
