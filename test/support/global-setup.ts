/**
 * Jest global setup of the `integration` project: one real control plane for the whole run, with
 * the CRDs installed. Workers inherit the environment set here. Set QUIDDITCH_KEEP_CONTROL_PLANE=1
 * to keep its temporary directory (etcd data, logs) after the run.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { join } from 'node:path';
import { BUNDLE_DIR_ENV, buildAppBundle } from './app-bundle';
import { ControlPlane } from './control-plane';
import { applyCrds } from './crds';
import { findHelm } from './helm';
import { useRunTmpdir } from './run-tmpdir';

export const CONTROL_PLANE_GLOBAL = '__QUIDDITCH_CONTROL_PLANE__';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // Before anything is written: the control plane and the bundle go in the run's own directory too.
  // (Jest runs the root config's setup, which does the same, after the projects' ones.)
  useRunTmpdir();
  // The operator and sim bundles every file's processes run (test/support/app-bundle.ts), built from
  // the working tree while the control plane starts.
  const bundled = buildAppBundle();
  bundled.catch(() => undefined); // awaited below; not an unhandled rejection if the control plane fails first
  const cp = await ControlPlane.start({ keepTempDir: process.env.QUIDDITCH_KEEP_CONTROL_PLANE === '1' });
  (globalThis as Record<string, unknown>)[CONTROL_PLANE_GLOBAL] = cp;
  const readyMs = Date.now() - started;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    await applyCrds(kc);
    process.env[BUNDLE_DIR_ENV] = await bundled;
  } catch (err) {
    await cp.stop();
    throw err;
  }
  process.env.KUBECONFIG = cp.kubeconfigPath;
  process.env.QUIDDITCH_TEST_KUBECONFIG = cp.kubeconfigPath;
  process.env.QUIDDITCH_TEST_KUBECTL = cp.assets.kubectl;
  process.env.QUIDDITCH_TEST_CONTROL_PLANE_LOGS = join(cp.dir, 'logs');
  // helm for the chart tests (test/integration/helm); only those fail when it cannot be had. A run
  // without them (.ci/run's first integration step, while helm may still be compiling) says so with
  // QUIDDITCH_TEST_WITHOUT_HELM=1 instead of waiting for or starting that build here.
  if (process.env.QUIDDITCH_TEST_WITHOUT_HELM === '1') {
    process.env.QUIDDITCH_TEST_HELM_ERROR = 'Unable to run helm: this run was started with QUIDDITCH_TEST_WITHOUT_HELM=1, which is for runs without the chart tests (test/integration/helm). Unset it.';
  } else {
    try {
      process.env.QUIDDITCH_TEST_HELM = findHelm();
    } catch (err) {
      process.env.QUIDDITCH_TEST_HELM_ERROR = (err as Error).message;
    }
  }
  process.stderr.write(
    `\n[control-plane] etcd + kube-apiserver ready in ${(readyMs / 1000).toFixed(1)} s, CRDs and app bundle in ${((Date.now() - started - readyMs) / 1000).toFixed(1)} s, at ${cp.server} (logs: ${join(cp.dir, 'logs')})\n`,
  );
}
