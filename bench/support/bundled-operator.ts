/**
 * The operator as the image runs it: the esbuild bundle on plain node with the image's node flags
 * (no tsx transpiler, no node_modules), built into a temporary directory so a concurrent `npm run bundle` is not disturbed.
 * (The harness's operators run the same bundle, without the image's node flags.)
 * Memory is measured on this, since tsx's in-process TypeScript compiler adds tens of MiB.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATOR_NODE_FLAGS } from '../../scripts/operator-node-flags';
import { appBundleDir } from '../../test/support/app-bundle';
import { freePort } from '../../test/support/free-port';
import { probe } from '../../test/support/http-probe';
import { waitFor } from '../../test/support/kube';
import { ManagedProcess } from '../../test/support/managed-process';

/** The run's bundle (built once, shared with the harness's sims and operators); resolves with the path of operator.js. */
export async function bundledOperatorPath(): Promise<string> {
  return join(await appBundleDir(), 'operator.js');
}

export class BundledOperator {
  private constructor(
    readonly process: ManagedProcess,
    private readonly httpPort: number,
    private readonly metricsPort: number,
  ) {}

  /**
   * Starts the bundle and resolves once /readyz answers 200. `nodeArgs` go to node before the script
   * (e.g. --heapsnapshot-signal); `onSpawn` sees the process before it is ready (to sample its memory
   * while it lists into its caches).
   */
  static async start(namespace: string, args: readonly string[] = [], opts: { nodeArgs?: readonly string[]; onSpawn?: (op: BundledOperator) => void } = {}): Promise<BundledOperator> {
    const entry = await bundledOperatorPath();
    const [httpPort, metricsPort] = [await freePort(), await freePort()];
    const kubeconfig = process.env.QUIDDITCH_TEST_KUBECONFIG;
    if (!kubeconfig) throw new Error('Unable to start the bundled operator: QUIDDITCH_TEST_KUBECONFIG is not set. Run it from bench/run.ts.');
    const podName = `bundled-${Math.random().toString(16).slice(2, 8)}`;
    const proc = ManagedProcess.start(podName, process.execPath, [
      ...OPERATOR_NODE_FLAGS, ...(opts.nodeArgs ?? []), entry, `--kubeconfig=${kubeconfig}`, `--namespace=${namespace}`, `--http-port=${httpPort}`, `--metrics-port=${metricsPort}`, '--bind-address=127.0.0.1', ...args,
    ], join(tmpdir(), `${podName}.log`), { POD_NAME: podName });
    const op = new BundledOperator(proc, httpPort, metricsPort);
    opts.onSpawn?.(op);
    await waitFor(async () => {
      if (proc.exitStatus !== undefined) throw new Error(`bundled operator exited (${proc.exitStatus}):\n${proc.logTail()}`);
      // As the kubelet probes: HTTPS unless plaintext, no certificate checked or presented.
      const scheme = args.includes('--insecure-plaintext-grpc') ? 'http' : 'https';
      return (await probe(`${scheme}://127.0.0.1:${httpPort}/readyz`, { insecureSkipVerify: true })).status === 200;
    }, { timeoutMs: 60_000, intervalMs: 100, description: 'the bundled operator /readyz' });
    return op;
  }

  metrics(): Promise<string> {
    return probe(`http://127.0.0.1:${this.metricsPort}/metrics`, { timeoutMs: 10_000 }).then((r) => r.body);
  }

  get port(): number {
    return this.httpPort;
  }

  stop(): Promise<void> {
    return this.process.stop(15_000);
  }
}
