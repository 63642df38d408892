import { rmSync } from 'node:fs';
import { BUNDLE_DIR_ENV } from './app-bundle';
import type { ControlPlane } from './control-plane';
import { CONTROL_PLANE_GLOBAL } from './global-setup';

/** Stops the control plane the global setup started (kube-apiserver, then etcd) and removes its files and the app bundle. */
export default async function globalTeardown(): Promise<void> {
  const cp = (globalThis as Record<string, unknown>)[CONTROL_PLANE_GLOBAL] as ControlPlane | undefined;
  await cp?.stop();
  delete (globalThis as Record<string, unknown>)[CONTROL_PLANE_GLOBAL];
  const bundle = process.env[BUNDLE_DIR_ENV];
  if (bundle) rmSync(bundle, { recursive: true, force: true });
}
