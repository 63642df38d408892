import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { FlagDefinition, OPERATOR_FLAGS, OperatorFlagKey } from './flags';

type Flags = typeof OPERATOR_FLAGS;
type ValueOf<D extends FlagDefinition> = D['type'] extends 'number' ? number : D['type'] extends 'boolean' ? boolean : string;

/**
 * The operator's resolved configuration: one field per flag in OPERATOR_FLAGS (camelCase key),
 * plus the values derived from the pod's environment.
 */
export type OperatorConfig = {
  readonly [K in Exclude<OperatorFlagKey, 'namespace'>]: Flags[K]['default'] extends undefined
    ? ValueOf<Flags[K]> | undefined
    : ValueOf<Flags[K]>;
} & {
  /** Watched namespace: --namespace, else POD_NAMESPACE, else the service-account namespace file, else "default". */
  readonly namespace: string;
  /** This replica's name (POD_NAME, else the host name); the leader-election identity starts with it. */
  readonly podName: string;
};

/** Everything the parser reads, injected so parsing stays pure. */
export interface ConfigInput {
  /** Command-line arguments without the node binary and script (process.argv.slice(2)). */
  readonly argv: readonly string[];
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Contents of the service-account namespace file, if present. */
  readonly serviceAccountNamespace?: string;
  /** The machine's host name, used when POD_NAME is not set. @default "quidditch-operator" */
  readonly hostname?: string;
}

/** Either a configuration to run with, or the help text the user asked for. */
export type ParseOutcome = { readonly kind: 'run'; readonly config: OperatorConfig } | { readonly kind: 'help'; readonly text: string };

export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Thrown with every problem found in the arguments at once. */
export class OperatorConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `Unable to configure the operator:\n  - ${problems.join('\n  - ')}`);
    this.name = 'OperatorConfigError';
  }
}

const DEFINITIONS: ReadonlyArray<readonly [OperatorFlagKey, FlagDefinition]> = Object.entries(OPERATOR_FLAGS) as never;
const BY_NAME = new Map(DEFINITIONS.map(([key, def]) => [def.name, [key, def] as const]));

/** `lease-duration` → `QUIDDITCH_LEASE_DURATION`. */
export function envVarName(flagName: string): string {
  return `QUIDDITCH_${flagName.replace(/-/g, '_').toUpperCase()}`;
}

/** The `--help` text, generated from OPERATOR_FLAGS. */
export function helpText(): string {
  const lines = ['Usage: quidditch-operator [flags]', '', 'Flags (each may also be set through the environment variable shown):'];
  for (const [, def] of DEFINITIONS) {
    const value = def.type === 'boolean' ? '' : `=<${def.type}>`;
    const negation = def.type === 'boolean' ? ` | --no-${def.name}` : '';
    const dflt = def.default === undefined ? '' : ` (default: ${JSON.stringify(def.default)})`;
    lines.push(`  --${def.name}${value}${negation}   [${envVarName(def.name)}]`, `      ${def.description}${dflt}`);
  }
  lines.push('  --help', '      Print this text and exit.');
  lines.push('', 'Subcommands (instead of running the operator):',
    '  export --namespace <ns> [--configmap <name> --wait-for-lease <lease>]   write the cluster state (quidditch.io/state/v1) to stdout or a ConfigMap',
    '  import --namespace <ns> < state.json                                   restore it (README, Backup)');
  return lines.join('\n');
}

/**
 * Parses flags (`--name=value`, `--name value`, `--flag`/`--no-flag` for booleans) over environment
 * variables (QUIDDITCH_<UPPER_SNAKE>) over the defaults in OPERATOR_FLAGS. Collects every problem and
 * throws one OperatorConfigError.
 */
export function parseOperatorConfig(input: ConfigInput): ParseOutcome {
  const problems: string[] = [];
  const raw = new Map<OperatorFlagKey, { value: string; source: string }>();

  for (const [key, def] of DEFINITIONS) {
    const envName = envVarName(def.name);
    const value = input.env[envName];
    if (value !== undefined && value !== '') raw.set(key, { value, source: `environment variable ${envName}` });
  }

  const argv = input.argv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help', text: helpText() };
    if (!arg.startsWith('--')) {
      problems.push(`Unable to parse operator argument "${arg}": positional arguments are not accepted. Pass flags as --name=value (see --help).`);
      continue;
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    let name = eq === -1 ? body : body.slice(0, eq);
    let inline = eq === -1 ? undefined : body.slice(eq + 1);
    let entry = BY_NAME.get(name);
    if (!entry && name.startsWith('no-') && BY_NAME.get(name.slice(3))?.[1].type === 'boolean' && inline === undefined) {
      name = name.slice(3);
      entry = BY_NAME.get(name);
      inline = 'false';
    }
    if (!entry) {
      problems.push(`Unable to parse operator flag --${name}: it is not a known flag. Valid flags: ${DEFINITIONS.map(([, d]) => `--${d.name}`).join(', ')}, --help.`);
      continue;
    }
    const [key, def] = entry;
    if (inline === undefined) {
      if (def.type === 'boolean') inline = 'true';
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) inline = argv[++i];
      else {
        problems.push(`Unable to parse operator flag --${name}: it requires a ${def.type} value. Pass --${name}=<${def.type}>.`);
        continue;
      }
    }
    raw.set(key, { value: inline, source: `flag --${name}` });
  }

  const values: Record<string, string | number | boolean | undefined> = {};
  for (const [key, def] of DEFINITIONS) {
    const given = raw.get(key);
    values[key] = given === undefined ? def.default : convert(def, given.value, given.source, problems);
  }
  validate(values, problems);
  if (problems.length > 0) throw new OperatorConfigError(problems);

  const env = input.env;
  const namespace = (values.namespace as string | undefined) ?? nonEmpty(env.POD_NAMESPACE) ?? nonEmpty(input.serviceAccountNamespace?.trim()) ?? 'default';
  const podName = nonEmpty(env.POD_NAME) ?? nonEmpty(input.hostname) ?? 'quidditch-operator';
  return { kind: 'run', config: { ...values, namespace, podName } as OperatorConfig };
}

/** Reads the real process arguments, environment and service-account namespace file. */
export function loadOperatorConfig(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): ParseOutcome {
  let serviceAccountNamespace: string | undefined;
  try {
    serviceAccountNamespace = readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8');
  } catch {
    serviceAccountNamespace = undefined; // not running in a pod
  }
  return parseOperatorConfig({ argv, env, serviceAccountNamespace, hostname: hostname() });
}

function convert(def: FlagDefinition, value: string, source: string, problems: string[]): string | number | boolean | undefined {
  if (def.type === 'string') return value;
  if (def.type === 'boolean') {
    const v = value.toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    problems.push(`Unable to parse ${source} value "${value}": it must be true or false. Pass --${def.name} or --no-${def.name}.`);
    return undefined;
  }
  const n = /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) {
    problems.push(`Unable to parse ${source} value "${value}": it must be a number. Pass e.g. --${def.name}=${String(def.default ?? 1)}.`);
    return undefined;
  }
  return n;
}

function validate(v: Record<string, unknown>, problems: string[]): void {
  const num = (k: OperatorFlagKey) => (typeof v[k] === 'number' ? (v[k]) : undefined);
  const flag = (k: OperatorFlagKey) => `--${OPERATOR_FLAGS[k].name}`;
  for (const k of ['leaseDuration', 'renewDeadline', 'retryPeriod', 'heartbeatTimeout', 'deleteTimeout', 'resyncPeriod', 'grpcTimeout', 'tlsCertValidity', 'tlsCaValidity', 'tlsCaPropagation'] as const) {
    const n = num(k);
    if (n !== undefined && n <= 0) problems.push(`Unable to use ${flag(k)}=${n}: it must be greater than 0 seconds. Pass a positive number.`);
  }
  for (const k of ['httpPort', 'metricsPort'] as const) {
    const n = num(k);
    if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > 65535)) problems.push(`Unable to use ${flag(k)}=${n}: it must be an integer port from 0 to 65535 (0 picks a free port).`);
  }
  const ttl = num('zoneCacheTtl');
  if (ttl !== undefined && ttl < 0) problems.push(`Unable to use ${flag('zoneCacheTtl')}=${ttl}: it must be 0 or more seconds. Pass 0 to read the Kubernetes Node on every heartbeat.`);
  const delay = num('nodeLeftDelay');
  if (delay !== undefined && delay < 0) problems.push(`Unable to use ${flag('nodeLeftDelay')}=${delay}: it must be 0 or more seconds. Pass 0 to replace replicas of a departed node at once.`);
  for (const k of ['nodeConcurrentRelocations', 'clusterConcurrentRelocations'] as const) {
    const n = num(k);
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) problems.push(`Unable to use ${flag(k)}=${n}: it must be an integer of at least 1 (a drain with 0 relocations would never finish).`);
  }
  const c = num('concurrency');
  if (c !== undefined && (!Number.isInteger(c) || c < 1)) problems.push(`Unable to use ${flag('concurrency')}=${c}: it must be an integer of at least 1.`);
  const cMin = num('concurrencyMin');
  if (cMin !== undefined && (!Number.isInteger(cMin) || cMin < 1)) problems.push(`Unable to use ${flag('concurrencyMin')}=${cMin}: it must be an integer of at least 1.`);
  const [lease, renew, retry] = [num('leaseDuration'), num('renewDeadline'), num('retryPeriod')];
  // Same rules as client-go: a leader must give up before its lease can expire for others.
  if (lease !== undefined && renew !== undefined && lease <= renew) problems.push(`Unable to use --lease-duration=${lease} with --renew-deadline=${renew}: the lease duration must be greater than the renew deadline. Raise --lease-duration or lower --renew-deadline.`);
  if (renew !== undefined && retry !== undefined && renew <= retry) problems.push(`Unable to use --renew-deadline=${renew} with --retry-period=${retry}: the renew deadline must be greater than the retry period. Raise --renew-deadline or lower --retry-period.`);
  const cluster = v.clusterName;
  if (typeof cluster === 'string' && !/^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/.test(cluster)) problems.push(`Unable to use --cluster-name=${cluster}: it must be a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit). Pass the QuidditchCluster's name.`);
  const [cert, ca] = [num('tlsCertValidity'), num('tlsCaValidity')];
  if (cert !== undefined && ca !== undefined && cert >= ca) problems.push(`Unable to use --tls-cert-validity=${cert} with --tls-ca-validity=${ca}: a certificate cannot outlive its CA. Lower --tls-cert-validity.`);
  const propagation = num('tlsCaPropagation');
  // The rotation starts at two thirds of the CA's life and needs two propagation waits before the old CA expires.
  if (ca !== undefined && propagation !== undefined && propagation > 0 && 2 * propagation >= ca / 3) problems.push(`Unable to use --tls-ca-propagation=${propagation} with --tls-ca-validity=${ca}: a CA rotation waits twice the propagation time, which must fit in the last third of the CA's life (under ${ca / 6} s). Lower --tls-ca-propagation or raise --tls-ca-validity.`);
  if (v.insecurePlaintextGrpc === true && typeof v.tlsCertDir === 'string') problems.push('Unable to use --insecure-plaintext-grpc with --tls-cert-dir: they exclude each other. Pass one.');
  const level = v.logLevel;
  if (typeof level === 'string' && !(LOG_LEVELS as readonly string[]).includes(level)) problems.push(`Unable to use --log-level=${level}: it must be one of ${LOG_LEVELS.join(', ')}.`);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
