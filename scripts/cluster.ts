/**
 * `npm run cluster`: a local etcd + kube-apiserver with the Quidditch CRDs installed, up until
 * Ctrl-C / SIGTERM. Prints the KUBECONFIG to export. The same control plane the tests use; the
 * demo and Pulumi scripts reuse it through startLocalCluster().
 *
 *   npm run cluster                       # kubeconfig at ./.cluster/kubeconfig
 *   npm run cluster -- --kubeconfig /tmp/kc
 */
import { KubeConfig } from '@kubernetes/client-node';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ControlPlane } from '../test/support/control-plane';
import { applyCrds } from '../test/support/crds';

export const DEFAULT_CLUSTER_KUBECONFIG = resolve(__dirname, '..', '.cluster', 'kubeconfig');

export interface LocalClusterOptions {
  /** Where to copy the kubeconfig, so it has a stable path across restarts. @default ./.cluster/kubeconfig */
  readonly kubeconfigPath?: string;
  /** Install the CRDs from crds/. @default true */
  readonly installCrds?: boolean;
}

export interface LocalCluster {
  readonly controlPlane: ControlPlane;
  readonly kubeconfigPath: string;
  /** Seconds from start until kube-apiserver answered /readyz. */
  readonly readySeconds: number;
  /** Stops the control plane and removes the copied kubeconfig. */
  stop(): Promise<void>;
}

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const started = Date.now();
  const controlPlane = await ControlPlane.start();
  const readySeconds = (Date.now() - started) / 1000;
  const kubeconfigPath = resolve(opts.kubeconfigPath ?? DEFAULT_CLUSTER_KUBECONFIG);
  try {
    if (opts.installCrds ?? true) {
      const kc = new KubeConfig();
      kc.loadFromFile(controlPlane.kubeconfigPath);
      await applyCrds(kc);
    }
    mkdirSync(dirname(kubeconfigPath), { recursive: true });
    copyFileSync(controlPlane.kubeconfigPath, kubeconfigPath);
  } catch (err) {
    await controlPlane.stop();
    throw err;
  }
  return {
    controlPlane,
    kubeconfigPath,
    readySeconds,
    stop: async () => {
      await controlPlane.stop();
      rmSync(kubeconfigPath, { force: true });
    },
  };
}

function kubeconfigArg(argv: readonly string[]): string | undefined {
  const i = argv.indexOf('--kubeconfig');
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--kubeconfig='))?.split('=')[1];
}

async function main(): Promise<void> {
  const cluster = await startLocalCluster({ kubeconfigPath: kubeconfigArg(process.argv.slice(2)) });
  const cp = cluster.controlPlane;
  process.stdout.write(
    [
      `Quidditch local control plane ready in ${cluster.readySeconds.toFixed(1)} s: ${cp.server} (CRDs installed)`,
      `  logs:    ${cp.logPaths.apiServer}`,
      `           ${cp.logPaths.etcd}`,
      `  kubectl: ${cp.assets.kubectl}`,
      '',
      `export KUBECONFIG=${cluster.kubeconfigPath}`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping kube-apiserver and etcd...\n`);
    void cluster.stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`${err.message}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  // Exit with the control plane if one of its processes dies, rather than pretending to be up.
  const [which] = await Promise.race([
    cp.processExit('etcd').then((s) => ['etcd', s] as const),
    cp.processExit('kube-apiserver').then((s) => ['kube-apiserver', s] as const),
  ]);
  if (!stopping) {
    process.stderr.write(`${which} exited unexpectedly; see the logs above. Stopping.\n`);
    await cluster.stop();
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
