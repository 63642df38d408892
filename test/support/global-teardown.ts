import type { ControlPlane } from './control-plane';
import { CONTROL_PLANE_GLOBAL } from './global-setup';

/**
 * Stops the control plane the global setup started (kube-apiserver, then etcd). Its files and the app
 * bundle are in the run's temporary directory, which the root teardown removes (run-tmpdir.ts).
 */
export default async function globalTeardown(): Promise<void> {
  const cp = (globalThis as Record<string, unknown>)[CONTROL_PLANE_GLOBAL] as ControlPlane | undefined;
  await cp?.stop();
  delete (globalThis as Record<string, unknown>)[CONTROL_PLANE_GLOBAL];
}
