/**
 * A real etcd + kube-apiserver on 127.0.0.1, the envtest way: no kubelet, scheduler or
 * controller-manager, so objects are stored, validated and admitted (RBAC, PodSecurity, CEL) but
 * Deployments never get pods and deleted namespaces stay Terminating.
 *
 *   const cp = await ControlPlane.start();
 *   // cp.kubeconfigPath, cp.server, cp.logPaths ...
 *   await cp.stop();
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTestAssets, TestAssets } from './assets';
import { writeAdminToken, writeKubeconfig, writeServiceAccountKeys } from './control-plane-files';
import { freePort } from './free-port';
import { probe } from './http-probe';
import { ManagedProcess, registerCleanup } from './managed-process';

export interface ControlPlaneOptions {
  /** Binaries to run. @default findTestAssets() (builds them once when missing) */
  readonly assets?: TestAssets;
  /** Parent of the temporary directory holding data, certs, logs and the kubeconfig. @default os.tmpdir() */
  readonly baseDir?: string;
  /** How long each process may take to become ready. @default 90000 */
  readonly readyTimeoutMs?: number;
  /** Leave the temporary directory (etcd data, logs) behind on stop, for debugging. @default false */
  readonly keepTempDir?: boolean;
  /** Extra kube-apiserver flags, appended after the defaults (a later flag wins). @default none */
  readonly extraApiServerArgs?: readonly string[];
}

/** Where a running control plane keeps its logs. */
export interface ControlPlaneLogs {
  readonly etcd: string;
  readonly apiServer: string;
}

export class ControlPlane {
  readonly kubeconfigPath: string;
  readonly logPaths: ControlPlaneLogs;
  private apiServer: ManagedProcess | undefined;
  private stopping: Promise<void> | undefined;
  private readonly unregisterCleanup: () => void;

  private constructor(
    /** The temporary directory everything lives in. */
    readonly dir: string,
    readonly assets: TestAssets,
    private readonly etcd: ManagedProcess,
    readonly etcdUrl: string,
    readonly securePort: number,
    /** Bearer token of the admin user (group system:masters). */
    readonly token: string,
    private readonly apiServerArgs: readonly string[],
    private readonly opts: ControlPlaneOptions,
  ) {
    this.kubeconfigPath = join(dir, 'kubeconfig');
    this.logPaths = { etcd: join(dir, 'logs', 'etcd.log'), apiServer: join(dir, 'logs', 'kube-apiserver.log') };
    this.unregisterCleanup = registerCleanup(
      () => this.removeDir(),
      () => this.stop(),
    );
  }

  /** The API server URL, https://127.0.0.1:<port>. */
  get server(): string {
    return `https://127.0.0.1:${this.securePort}`;
  }

  /** Process ids of etcd and kube-apiserver (as currently running), e.g. to read their CPU from /proc. */
  get pids(): { etcd: number | undefined; apiServer: number | undefined } {
    return { etcd: this.etcd.pid, apiServer: this.apiServer?.pid };
  }

  /** PEM of the self-signed serving certificate chain kube-apiserver wrote into its cert dir. */
  get caPem(): string {
    return readFileSync(join(this.dir, 'certs', 'apiserver.crt'), 'utf8');
  }

  /** Starts etcd, then kube-apiserver; resolves once /readyz answers ok and the kubeconfig is written. */
  static async start(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const assets = opts.assets ?? findTestAssets();
    const dir = mkdtempSync(join(opts.baseDir ?? tmpdir(), 'quidditch-cp-'));
    for (const sub of ['etcd-data', 'certs', 'logs']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
    const [clientPort, peerPort, securePort] = await distinctFreePorts(3);
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = ManagedProcess.start('etcd', assets.etcd, [
      `--name=quidditch-test`,
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=quidditch-test=${peerUrl}`,
      // Test data is disposable; fsync is most of etcd's write latency on slow disks.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ], join(dir, 'logs', 'etcd.log'));

    const sa = writeServiceAccountKeys(dir);
    const admin = writeAdminToken(dir);
    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--secure-port=${securePort}`,
      '--bind-address=127.0.0.1',
      // Without it kube-apiserver looks for a default route, which a sandbox may not have.
      '--advertise-address=127.0.0.1',
      // Endpoints may not hold loopback addresses, so the "kubernetes" Service endpoint reconciler
      // would only log errors; nothing here needs that Service.
      '--endpoint-reconciler-type=none',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      `--token-auth-file=${admin.path}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.publicKeyPath}`,
      `--service-account-signing-key-file=${sa.privateKeyPath}`,
      // MutatingAdmissionPolicy is beta (off by default) in 1.34; operator.finalizerAdmissionPolicy: 'v1beta1' needs it.
      '--feature-gates=MutatingAdmissionPolicy=true',
      '--runtime-config=admissionregistration.k8s.io/v1beta1=true',
      ...(opts.extraApiServerArgs ?? []),
    ];
    const cp = new ControlPlane(dir, assets, etcd, etcdUrl, securePort, admin.token, apiServerArgs, opts);
    try {
      await cp.waitUntil(etcd, `${etcdUrl}/health`, (r) => r.status === 200 && r.body.includes('"health":"true"'));
      await cp.startApiServer();
      writeKubeconfig(cp.kubeconfigPath, { server: cp.server, caPem: cp.caPem, token: cp.token });
      return cp;
    } catch (err) {
      await cp.stop({ keepTempDir: true });
      throw err;
    }
  }

  /** Starts kube-apiserver (again) on the same port with the same etcd, certs and credentials. */
  async startApiServer(): Promise<void> {
    if (this.stopping) throw new Error(`Unable to start kube-apiserver: the control plane in ${this.dir} was stopped. Start a new ControlPlane.`);
    if (this.apiServer && this.apiServer.exitStatus === undefined) return;
    this.apiServer = ManagedProcess.start('kube-apiserver', this.assets.kubeApiServer, this.apiServerArgs, this.logPaths.apiServer);
    const certPath = join(this.dir, 'certs', 'apiserver.crt');
    await this.waitUntil(this.apiServer, `${this.server}/readyz`, (r) => r.status === 200, () => (existsSync(certPath) ? this.caPem : undefined));
  }

  /** Resolves with the exit code or signal when the named process (as currently running) exits. */
  processExit(name: 'etcd' | 'kube-apiserver'): Promise<number | string> {
    const proc = name === 'etcd' ? this.etcd : this.apiServer;
    return proc ? proc.exited : Promise.resolve('not started');
  }

  /** Stops kube-apiserver only (etcd keeps the data), e.g. to test how clients survive an outage. */
  async stopApiServer(): Promise<void> {
    await this.apiServer?.stop();
  }

  /** SIGKILLs kube-apiserver (no graceful shutdown: connections drop mid-request), as a crashed or OOM-killed server dies. */
  async killApiServer(): Promise<void> {
    if (!this.apiServer) return;
    this.apiServer.killNow();
    await this.apiServer.exited;
  }

  /** Stops kube-apiserver, then etcd, then removes the temporary directory. Safe to call twice. */
  stop(overrides: { keepTempDir?: boolean } = {}): Promise<void> {
    this.stopping ??= (async () => {
      await this.apiServer?.stop();
      await this.etcd.stop();
      this.unregisterCleanup();
      if (!(overrides.keepTempDir ?? this.opts.keepTempDir)) this.removeDir();
    })();
    return this.stopping;
  }

  private removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Polls `url` until `ok`, failing fast (with the log tail) if the process exits first. */
  private async waitUntil(
    proc: ManagedProcess,
    url: string,
    ok: (r: { status: number; body: string }) => boolean,
    ca: () => string | undefined = () => undefined,
  ): Promise<void> {
    const timeoutMs = this.opts.readyTimeoutMs ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (proc.exitStatus !== undefined) {
        throw new Error(`Unable to start ${proc.name}: it exited with ${proc.exitStatus}. Log ${proc.logPath}:\n${proc.logTail()}`);
      }
      const caPem = url.startsWith('https:') ? ca() : undefined;
      if (!url.startsWith('https:') || caPem) {
        try {
          const r = await probe(url, { ca: caPem, token: this.token });
          if (ok(r)) return;
          last = `HTTP ${r.status}: ${r.body.slice(0, 2000)}`;
        } catch (err) {
          last = (err as Error).message;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Unable to start ${proc.name}: ${url} was not ready after ${timeoutMs} ms (last: ${last}). Log ${proc.logPath}:\n${proc.logTail()}`);
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
