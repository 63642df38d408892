/**
 * Runs the operator and datanode-sim as real processes (the way they run in a cluster) against the
 * test control plane, and reads what they did: the sims' /stats counters, the operator's HTTP API,
 * and both processes' logs, which are printed when a test fails.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe, type ProbeOptions } from '../../support/http-probe';
import { appEntry } from '../../support/app-bundle';
import { ManagedProcess, START_TIMEOUT_MS } from '../../support/managed-process';
import { waitFor } from '../../support/kube';
import { namespaceTls, TLS_ROLES } from '../../support/test-tls';
import type { SimStats } from '../../../lib/datanode-sim';

const logDir = mkdtempSync(join(tmpdir(), 'quidditch-it-'));
const started: ManagedProcess[] = [];

function kubeconfigPath(): string {
  const path = process.env.QUIDDITCH_TEST_KUBECONFIG;
  if (!path) throw new Error('QUIDDITCH_TEST_KUBECONFIG is not set: run with `npx jest --selectProjects integration`.');
  return path;
}

export interface SimOptions {
  readonly name: string;
  readonly namespace: string;
  /** @default 1 */
  readonly heartbeatSeconds?: number;
  readonly zone?: string;
  readonly maxShards?: number;
  /** Reuse a fixed gRPC port (to bring a node back at the same address). @default a free port */
  readonly port?: number;
  readonly extraArgs?: readonly string[];
  /** TLS files to serve with (e.g. synced from the operator's Secret). @default a certificate of the namespace's test CA */
  readonly tlsDir?: string;
}

export class SimProcess {
  private constructor(
    readonly name: string,
    readonly process: ManagedProcess,
    readonly grpcPort: number,
    readonly statsPort: number,
  ) {}

  static async start(opts: SimOptions): Promise<SimProcess> {
    // Port 0 lets the sim bind a free port itself (no race with other processes); it reports it.
    const port = opts.port ?? 0;
    // Mutual TLS unless the test asks for plaintext: files of the namespace's CA, as a mounted Secret.
    const plaintext = opts.extraArgs?.includes('--insecure-plaintext-grpc') ?? false;
    const tls = plaintext ? [] : [`--tls-dir=${opts.tlsDir ?? (await (await namespaceTls(opts.namespace)).files(TLS_ROLES.dataNode))}`];
    const args = [
      ...(await appEntry('datanode-sim')),
      `--name=${opts.name}`,
      `--namespace=${opts.namespace}`,
      '--host=127.0.0.1',
      `--port=${port}`,
      '--stats-port=0',
      `--heartbeat-interval=${opts.heartbeatSeconds ?? 1}`,
      `--kubeconfig=${kubeconfigPath()}`,
      ...(opts.zone ? [`--zone=${opts.zone}`] : []),
      ...(opts.maxShards ? [`--max-shards=${opts.maxShards}`] : []),
      ...tls,
      ...(opts.extraArgs ?? []),
    ];
    const proc = ManagedProcess.start(`sim-${opts.name}`, process.execPath, args, join(logDir, `sim-${opts.name}-${Date.now()}.log`));
    started.push(proc);
    const ready = await waitFor(
      () => {
        if (proc.exitStatus !== undefined) throw new Error(`datanode-sim ${opts.name} exited (${proc.exitStatus}):\n${proc.logTail()}`);
        const line = readFileSync(proc.logPath, 'utf8').split('\n').find((l) => l.includes('"msg":"ready"'));
        return line ? (JSON.parse(line) as { grpcPort: number; statsPort: number }) : undefined;
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, description: `datanode-sim ${opts.name} to print its ready line` },
    );
    return new SimProcess(opts.name, proc, ready.grpcPort, ready.statsPort);
  }

  async stats(): Promise<SimStats> {
    const res = await probe(`http://127.0.0.1:${this.statsPort}/stats`);
    if (res.status !== 200) throw new Error(`GET /stats of ${this.name} answered ${res.status}: ${res.body}`);
    return JSON.parse(res.body) as SimStats;
  }

  /** SIGKILL: the node dies without a word, as a crashed pod does. */
  async kill(): Promise<void> {
    this.process.killNow();
    await this.process.exited;
  }

  stop(): Promise<void> {
    return this.process.stop(5_000);
  }
}

export interface OperatorOptions {
  readonly namespace: string;
  /** Extra flags, e.g. ['--heartbeat-timeout=3']. */
  readonly args?: readonly string[];
  /** Identity in the Lease (POD_NAME). @default a unique name */
  readonly podName?: string;
  /** Let the operator create its own CA instead of adopting the namespace's test CA. @default false */
  readonly ownCa?: boolean;
}

export class OperatorProcess {
  private constructor(
    readonly podName: string,
    readonly process: ManagedProcess,
    readonly httpPort: number,
    readonly metricsPort: number,
    private readonly namespace: string,
    /** Plain HTTP routing API (--insecure-plaintext-grpc); otherwise HTTPS with client certificates. */
    readonly plaintext: boolean,
  ) {}

  private client?: Promise<ProbeOptions>;

  static async start(opts: OperatorOptions): Promise<OperatorProcess> {
    const podName = opts.podName ?? `operator-${Math.random().toString(16).slice(2, 8)}`;
    // The operator manages its CA in a Secret; store the namespace's test CA there first so the
    // operator adopts it and the sims' certificates (same CA) are trusted both ways.
    const plaintext = opts.args?.some((a) => a === '--insecure-plaintext-grpc' || a === '--insecure-plaintext-grpc=true') ?? false;
    if (!opts.ownCa && !plaintext && !opts.args?.some((a) => a.startsWith('--tls-cert-dir'))) await namespaceTls(opts.namespace);
    const args = [
      ...(await appEntry('operator')),
      `--kubeconfig=${kubeconfigPath()}`,
      `--namespace=${opts.namespace}`,
      // Port 0: the operator binds free ports itself and logs them (no race with other processes).
      '--http-port=0',
      '--metrics-port=0',
      '--bind-address=127.0.0.1',
      // The routing API's certificate must name the address the tests dial.
      ...(opts.args?.some((a) => a.startsWith('--tls-operator-dns-names')) ? [] : ['--tls-operator-dns-names=localhost,127.0.0.1']),
      ...(opts.args ?? []),
    ];
    const proc = ManagedProcess.start(`operator-${podName}`, process.execPath, args, join(logDir, `${podName}-${Date.now()}.log`), { POD_NAME: podName });
    started.push(proc);
    const ports = await waitFor(
      () => {
        if (proc.exitStatus !== undefined) throw new Error(`operator exited (${proc.exitStatus}):\n${proc.logTail()}`);
        const line = readFileSync(proc.logPath, 'utf8').split('\n').find((l) => l.includes('"msg":"operator started"'));
        return line ? (JSON.parse(line) as { httpPort: number; metricsPort: number }) : undefined;
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, description: `operator ${podName} to log its ports` },
    );
    const op = new OperatorProcess(podName, proc, ports.httpPort, ports.metricsPort, opts.namespace, plaintext);
    await waitFor(async () => (await op.get('/readyz')).status === 200, { timeoutMs: START_TIMEOUT_MS, intervalMs: 200, description: `operator ${podName} /readyz` });
    return op;
  }

  /** The routing API's URL of `path` (https unless the operator runs plaintext). */
  url(path: string): string {
    return `${this.plaintext ? 'http' : 'https'}://127.0.0.1:${this.httpPort}${path}`;
  }

  /** TLS options of a routing client (CA, a quidditch-routing-client certificate of the namespace's CA); none over plain HTTP. */
  clientOptions(): Promise<ProbeOptions> {
    if (this.plaintext) return Promise.resolve({});
    this.client ??= routingClient(this.namespace);
    return this.client;
  }

  /** GET as a routing client: over HTTPS with a quidditch-routing-client certificate of the namespace's CA. */
  async get(path: string, opts: ProbeOptions = {}): Promise<{ status: number; body: string }> {
    return probe(this.url(path), { ...(await this.clientOptions()), ...opts });
  }

  metrics(): Promise<string> {
    return probe(`http://127.0.0.1:${this.metricsPort}/metrics`).then((r) => r.body);
  }

  async kill(): Promise<void> {
    this.process.killNow();
    await this.process.exited;
  }

  stop(timeoutMs = 15_000): Promise<void> {
    return this.process.stop(timeoutMs);
  }

  logs(): string {
    return this.process.logTail(200);
  }
}

/** Client options of a routing client of `namespace`'s CA (the operator's own, once it created one there). */
async function routingClient(namespace: string): Promise<ProbeOptions> {
  const pki = await namespaceTls(namespace);
  const pair = await pki.issue(TLS_ROLES.routingClient);
  return { ca: pki.ca.certPem, cert: pair.certPem, key: pair.keyPem };
}

/** Stops everything this file started; call in afterAll. */
export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((p) => p.stop(5_000)));
}

/** The last log lines of every process started, for a failing test's message. */
export function allLogs(lines = 80): string {
  return started.map((p) => `--- ${p.name} (${p.logPath})\n${p.logTail(lines)}`).join('\n');
}
