/**
 * Helpers for integration tests against the real control plane the jest global setup starts
 * (test/support/global-setup.ts: one etcd + kube-apiserver per run, the three CRDs installed).
 *
 *   testKubeConfig(): KubeConfig
 *       Admin credentials for the test API server (from QUIDDITCH_TEST_KUBECONFIG), over keep-alive
 *       connections (lib/operator/kube/keep-alive.ts).
 *   createTestNamespace(prefix, labels?): Promise<string>
 *       Creates a uniquely named namespace (prefix + random suffix) and its `default` ServiceAccount
 *       (which the absent controller-manager would create; pod admission needs it). One per test file.
 *   deleteNamespace(name): Promise<void>
 *       Deletes it (404 ignored). No controller-manager runs, so it stays Terminating; that is fine.
 *   kubectl(args, opts?): Promise<{ stdout, stderr, code }>
 *       Runs the real kubectl against the test server; never throws on a non-zero exit.
 *   waitFor(fn, { timeoutMs, intervalMs, description }): Promise<T>
 *       Polls fn until it returns a truthy value (thrown errors count as "not yet") and returns it;
 *       on timeout throws an error naming the description and the last value or error.
 *
 * Environment the global setup provides: KUBECONFIG and QUIDDITCH_TEST_KUBECONFIG (kubeconfig path),
 * QUIDDITCH_TEST_KUBECTL (kubectl path), QUIDDITCH_TEST_CONTROL_PLANE_LOGS (directory with etcd.log
 * and kube-apiserver.log). Tests that must stop or restart kube-apiserver start their own
 * ControlPlane (test/support/control-plane.ts, ~4 s) instead of disturbing the shared one.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { withKeepAlive } from '../../lib/operator/kube/keep-alive';

const NOT_IN_SETUP =
  'Run integration tests with `npx jest --selectProjects integration` so the global setup starts the control plane.';

export function testKubeConfig(): KubeConfig {
  const path = process.env.QUIDDITCH_TEST_KUBECONFIG;
  if (!path) throw new Error(`Unable to load the test kubeconfig: QUIDDITCH_TEST_KUBECONFIG is not set. ${NOT_IN_SETUP}`);
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  // Keep-alive, as the operator's clients have: client-node 1.4 alone opens a TCP connection and does a
  // TLS handshake for every request (lib/operator/kube/keep-alive.ts), and tests poll.
  return withKeepAlive(kc);
}

/** A DNS-1123 label: prefix (lower-cased, trimmed to fit) + '-' + 6 random hex characters. */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 55) || 'test';
  return `${clean}-${randomBytes(3).toString('hex')}`;
}

export async function createTestNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = uniqueName(prefix);
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name, labels } } });
  await core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: 'default' } } });
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  try {
    await testKubeConfig().makeApiClient(CoreV1Api).deleteNamespace({ name });
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
  }
}

export interface KubectlResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; -1 when kubectl was killed by the timeout. */
  readonly code: number;
}

export function kubectl(args: readonly string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  const binary = process.env.QUIDDITCH_TEST_KUBECTL;
  const kubeconfig = process.env.QUIDDITCH_TEST_KUBECONFIG;
  if (!binary || !kubeconfig) {
    return Promise.reject(new Error(`Unable to run kubectl: QUIDDITCH_TEST_KUBECTL or QUIDDITCH_TEST_KUBECONFIG is not set. ${NOT_IN_SETUP}`));
  }
  return new Promise((resolveRun, reject) => {
    const child = spawn(binary, args, { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`Unable to run kubectl ${binary}: ${err.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ stdout, stderr, code: code ?? -1 });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface WaitForOptions {
  /** What is awaited, for the timeout message ("index demo to become ACTIVE"). */
  readonly description: string;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** @default 200 */
  readonly intervalMs?: number;
}

export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitForOptions): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = `returned ${JSON.stringify(value)}`;
    } catch (err) {
      last = `threw ${(err as Error).message ?? String(err)}`;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(opts.intervalMs ?? 200, Math.max(0, deadline - Date.now()))));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${opts.description}; last attempt ${last}`);
}
