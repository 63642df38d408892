import { parseArgs } from 'node:util';
import { ADDRESS_PATTERN, DEFAULT_MAX_SHARDS_PER_NODE, KUBERNETES_NODE_NAME_PATTERN, NODE_TIERS, NodeTier, ZONE_PATTERN } from '../api/v1';
import { DATANODE_ENV, DATANODE_GRPC_PORT } from '../model/datanode-env';
import { FaultSpec, parseFailCopies, parseHang } from './faults';

/** Disk capacity the sim reports when not told: 100 GiB. */
export const DEFAULT_DISK_CAPACITY = 100 * 1024 ** 3;

const UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** `N`, `NKi`, `NMi`, `NGi` or `NTi` as bytes. @throws Error naming the accepted forms. */
export function parseBytes(text: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0) throw new Error(`must be a positive byte count such as 1073741824 or 1Gi (suffix Ki, Mi, Gi, Ti), got "${text}"`);
  return Number(m[1]) * UNITS[m[2] ?? ''];
}

/** The sim's settings, resolved from flags (which win) and the data-node environment. */
export interface SimConfig {
  /** QuidditchNode name. */
  readonly name: string;
  /** Namespace of the QuidditchNode. */
  readonly namespace: string;
  /** Cluster the node belongs to: the quidditch.io/cluster label of its QuidditchNode. @default none */
  readonly cluster?: string;
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
  /** spec.zone: an explicit failure zone, which wins over the Kubernetes Node's. */
  readonly zone?: string;
  /** spec.kubernetesNode: the Kubernetes Node the pod runs on; the operator reads its zone label. */
  readonly kubernetesNode?: string;
  /** Seconds between heartbeats. @default 10 */
  readonly heartbeatSeconds: number;
  /** kubeconfig path; else $KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  readonly kubeconfig?: string;
  /** HTTP port for GET /stats; 0 picks a free one; unset serves none. */
  readonly statsPort?: number;
  /** Milliseconds a new copy stays INITIALIZING. @default 0 */
  readonly startDelayMs: number;
  /** Up to this many more ms, at random per copy. @default 0 */
  readonly startJitterMs?: number;
  /** A copy with a recovery source also takes this many ms per MiB its source holds. @default 0 */
  readonly recoveryMsPerMiB?: number;
  /** Where copies persist across restarts; unset keeps them in memory (a restart loses them). */
  readonly dataDir?: string;
  /** Documents per second each STARTED copy gains. @default 0 */
  readonly ingestRate?: number;
  /** Bytes per document. @default 1024 */
  readonly docSizeBytes?: number;
  /** Disk capacity reported in status.resources; creates fail once it is used up. @default 100 GiB */
  readonly diskCapacityBytes?: number;
  /** Default least ms between two docs/size updates on a WatchShards stream. @default 5000 */
  readonly statsIntervalMs?: number;
  /** Injected faults. @default none */
  readonly faults?: FaultSpec;
  /** Seed of every random choice (jitter, failing creates). @default 1 */
  readonly seed?: number;
  /** `k8s` registers a QuidditchNode and heartbeats; `none` only serves gRPC. @default 'k8s' */
  readonly mode: 'k8s' | 'none';
  /**
   * On SIGTERM, report status.shuttingDown (the operator drains the node) and exit only once no copy
   * is left; a second SIGTERM or SIGINT exits at once. @default false (exit at once)
   */
  readonly drainOnShutdown?: boolean;
  /** pino level. @default 'info' */
  readonly logLevel: string;
  /**
   * gRPC transport security: mutual TLS with the certificates in `dir` (re-read every
   * `refreshMs`), or plaintext, which needs --insecure-plaintext-grpc.
   */
  readonly grpcTls: { readonly kind: 'files'; readonly dir: string; readonly refreshMs: number } | { readonly kind: 'insecure-plaintext' };
}

export const SIM_USAGE = `Usage: datanode-sim [options]   (flags override the ${DATANODE_ENV.nodeName}-style environment)
  --name NAME                 QuidditchNode name            [$${DATANODE_ENV.nodeName}]
  --namespace NS              its namespace                 [$${DATANODE_ENV.namespace}]
  --cluster NAME              label the QuidditchNode quidditch.io/cluster=NAME [$${DATANODE_ENV.cluster}]
  --host HOST                 gRPC bind address (default 0.0.0.0)
  --port N                    gRPC port, 0 = random (default ${DATANODE_GRPC_PORT}) [$${DATANODE_ENV.grpcPort}]
  --advertise HOST:PORT       spec.address (default 127.0.0.1:<port>) [$${DATANODE_ENV.advertiseAddress}]
  --tier hot|warm|cold        (default hot)                 [$${DATANODE_ENV.tier}]
  --max-shards N              (default ${DEFAULT_MAX_SHARDS_PER_NODE})                [$${DATANODE_ENV.maxShards}]
  --zone ZONE                 failure zone; wins over the Kubernetes node's zone (default: none)
  --kubernetes-node NAME      Kubernetes Node the pod runs on; the operator reads its
                              topology.kubernetes.io/zone label   [$${DATANODE_ENV.kubernetesNode}]
  --heartbeat-interval SEC    (default 10)                  [$${DATANODE_ENV.heartbeatInterval}]
  --kubeconfig PATH           (default $KUBECONFIG, ~/.kube/config, in-cluster)
  --stats-port N              serve GET /stats on 127.0.0.1:N (0 = random)
  --start-delay-ms N          new copies stay INITIALIZING this long (default 0)
  --start-jitter-ms N         plus up to N ms at random per copy (default 0)
  --recovery-ms-per-mib N     a copy recovering from another node (CreateShard recovery_source)
                              also takes N ms per MiB the source holds (default 0)
  --data-dir DIR              keep copies in DIR across restarts (default: in memory, lost on restart)
  --ingest-rate N             documents per second each started copy gains (default 0)
  --doc-size-bytes N          bytes per document (default 1024)
  --disk-capacity BYTES       disk size reported in status; creates fail once full
                              (suffix Ki, Mi, Gi, Ti; default 100Gi)
  --stats-interval-ms N       least time between docs/size updates on WatchShards (default 5000)
  --fail-create-ratio R       fail this fraction (0..1) of creates of new copies with UNAVAILABLE
  --hang RPC[:N],...          never answer these RPCs (the first N calls only, with :N)
  --fail-copies I/S[/p|r],... report these copies (index/shard) FAILED instead of STARTED
  --drain-on-shutdown true|false  on SIGTERM, ask the operator to move every copy away and exit
                              once none is left (default false)  [$${DATANODE_ENV.drainOnShutdown}]
  --seed N                    seed of every random choice (default 1)
  --control-plane-mode k8s|none  (default k8s)              [$${DATANODE_ENV.controlPlaneMode}]
  --log-level LEVEL           (default info)
  --tls-dir DIR               tls.crt, tls.key, ca.crt for mutual TLS on gRPC (re-read on change) [$${DATANODE_ENV.tlsDir}]
  --tls-refresh-ms N          how often the TLS files are re-read (default 60000)
  --insecure-plaintext-grpc   serve gRPC in plaintext to anyone: development only [$${DATANODE_ENV.insecurePlaintextGrpc}=true]`;

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
      cluster: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      advertise: { type: 'string' },
      tier: { type: 'string' },
      'max-shards': { type: 'string' },
      zone: { type: 'string' },
      'kubernetes-node': { type: 'string' },
      'heartbeat-interval': { type: 'string' },
      kubeconfig: { type: 'string' },
      'stats-port': { type: 'string' },
      'start-delay-ms': { type: 'string' },
      'start-jitter-ms': { type: 'string' },
      'recovery-ms-per-mib': { type: 'string' },
      'data-dir': { type: 'string' },
      'ingest-rate': { type: 'string' },
      'doc-size-bytes': { type: 'string' },
      'disk-capacity': { type: 'string' },
      'stats-interval-ms': { type: 'string' },
      'fail-create-ratio': { type: 'string' },
      hang: { type: 'string' },
      'fail-copies': { type: 'string' },
      seed: { type: 'string' },
      'drain-on-shutdown': { type: 'string' },
      'control-plane-mode': { type: 'string' },
      'log-level': { type: 'string' },
      'tls-dir': { type: 'string' },
      'tls-refresh-ms': { type: 'string' },
      'insecure-plaintext-grpc': { type: 'boolean' },
    },
  });
  const problems: string[] = [];
  const pick = (flag: Exclude<keyof typeof values, 'insecure-plaintext-grpc'>, envName?: string): string | undefined => {
    const v = values[flag] ?? (envName ? env[envName] : undefined);
    return v === '' ? undefined : (v);
  };
  const label = (flag: string, envName?: string) => `--${flag}${envName ? ` (${envName})` : ''}`;
  const number = (flag: Parameters<typeof pick>[0], envName: string | undefined, fallback: number | undefined, min: number, max: number, integer = true) => {
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
  const cluster = pick('cluster', DATANODE_ENV.cluster);
  if (cluster !== undefined && !/^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/.test(cluster)) {
    problems.push(`${label('cluster', DATANODE_ENV.cluster)} must be a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit), got "${cluster}"`);
  }
  const tier = pick('tier', DATANODE_ENV.tier) ?? 'hot';
  if (!(NODE_TIERS as readonly string[]).includes(tier)) {
    problems.push(`${label('tier', DATANODE_ENV.tier)} must be one of ${NODE_TIERS.join(', ')}, got "${tier}"`);
  }
  const advertise = pick('advertise', DATANODE_ENV.advertiseAddress);
  if (advertise !== undefined && !new RegExp(ADDRESS_PATTERN).test(advertise)) {
    problems.push(`${label('advertise', DATANODE_ENV.advertiseAddress)} must be host:port, got "${advertise}"`);
  }
  const zone = pick('zone');
  if (zone !== undefined && (zone.length > 63 || !new RegExp(ZONE_PATTERN).test(zone))) {
    problems.push(`${label('zone')} must be a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit), got "${zone}"`);
  }
  const kubernetesNode = pick('kubernetes-node', DATANODE_ENV.kubernetesNode);
  if (kubernetesNode !== undefined && (kubernetesNode.length > 253 || !new RegExp(KUBERNETES_NODE_NAME_PATTERN).test(kubernetesNode))) {
    problems.push(`${label('kubernetes-node', DATANODE_ENV.kubernetesNode)} must be a Kubernetes Node name (a lowercase DNS subdomain), got "${kubernetesNode}"`);
  }
  const parsed = <T>(flag: Parameters<typeof pick>[0], parse: (text: string) => T): T | undefined => {
    const raw = pick(flag);
    if (raw === undefined) return undefined;
    try {
      return parse(raw);
    } catch (err) {
      problems.push(`${label(flag)}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const failCreateRatio = number('fail-create-ratio', undefined, undefined, 0, 1, false);
  const hang = parsed('hang', parseHang);
  const failCopies = parsed('fail-copies', parseFailCopies);
  const tlsDir = pick('tls-dir', DATANODE_ENV.tlsDir);
  const plaintext = values['insecure-plaintext-grpc'] === true || env[DATANODE_ENV.insecurePlaintextGrpc] === 'true';
  if (tlsDir !== undefined && plaintext) problems.push(`${label('tls-dir', DATANODE_ENV.tlsDir)} and --insecure-plaintext-grpc exclude each other; pass one`);
  if (tlsDir === undefined && !plaintext) {
    problems.push(`${label('tls-dir', DATANODE_ENV.tlsDir)} is required: gRPC uses mutual TLS; pass the directory of the data-node TLS Secret, or --insecure-plaintext-grpc for development`);
  }
  const tlsRefreshMs = number('tls-refresh-ms', undefined, 60_000, 100, 86_400_000) as number;
  const drainText = pick('drain-on-shutdown', DATANODE_ENV.drainOnShutdown) ?? 'false';
  if (drainText !== 'true' && drainText !== 'false') problems.push(`${label('drain-on-shutdown', DATANODE_ENV.drainOnShutdown)} must be true or false, got "${drainText}"`);
  const config: SimConfig = {
    name: name ?? '',
    namespace: namespace ?? '',
    ...(cluster !== undefined ? { cluster } : {}),
    host: pick('host') ?? '0.0.0.0',
    port: number('port', DATANODE_ENV.grpcPort, DATANODE_GRPC_PORT, 0, 65535) as number,
    advertise,
    tier: tier as NodeTier,
    maxShards: number('max-shards', DATANODE_ENV.maxShards, DEFAULT_MAX_SHARDS_PER_NODE, 1, 100000) as number,
    zone,
    kubernetesNode,
    heartbeatSeconds: number('heartbeat-interval', DATANODE_ENV.heartbeatInterval, 10, 0.05, 3600, false) as number,
    kubeconfig: pick('kubeconfig'),
    statsPort: number('stats-port', undefined, undefined, 0, 65535),
    startDelayMs: number('start-delay-ms', undefined, 0, 0, 3_600_000) as number,
    startJitterMs: number('start-jitter-ms', undefined, 0, 0, 3_600_000),
    recoveryMsPerMiB: number('recovery-ms-per-mib', undefined, 0, 0, 3_600_000, false),
    dataDir: pick('data-dir'),
    ingestRate: number('ingest-rate', undefined, 0, 0, 1e9, false),
    docSizeBytes: number('doc-size-bytes', undefined, 1024, 1, 1e9),
    diskCapacityBytes: parsed('disk-capacity', parseBytes) ?? DEFAULT_DISK_CAPACITY,
    statsIntervalMs: number('stats-interval-ms', undefined, 5000, 200, 3_600_000),
    faults: { failCreateRatio: failCreateRatio ?? 0, hang: hang ?? [], failCopies: failCopies ?? [] },
    seed: number('seed', undefined, 1, 0, 2 ** 32 - 1),
    mode: mode as SimConfig['mode'],
    drainOnShutdown: drainText === 'true',
    logLevel: pick('log-level') ?? 'info',
    grpcTls: tlsDir !== undefined ? { kind: 'files', dir: tlsDir, refreshMs: tlsRefreshMs } : { kind: 'insecure-plaintext' },
  };
  if (problems.length > 0) {
    throw new Error(`Unable to start datanode-sim: ${problems.join('; ')}. Run with --help for the options.`);
  }
  return config;
}
