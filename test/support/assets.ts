/**
 * Finds the kube-apiserver, etcd and kubectl binaries the test control plane runs, the way
 * controller-runtime's envtest does, and builds them from pinned Go modules when none are found.
 *
 * Lookup order, per binary:
 *   1. TEST_ASSET_KUBE_APISERVER / TEST_ASSET_ETCD / TEST_ASSET_KUBECTL
 *   2. $KUBEBUILDER_ASSETS/{kube-apiserver,etcd,kubectl}
 *   3. ${XDG_CACHE_HOME:-~/.cache}/quidditch-k8s/k8s-<kubernetes>-etcd-<etcd>/ (versions: scripts/versions.json)
 * If the cache is incomplete, scripts/build-test-assets.sh fills it (progress on stderr).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import versions from '../../scripts/versions.json';

export interface TestAssets {
  readonly kubeApiServer: string;
  readonly etcd: string;
  readonly kubectl: string;
}

type AssetName = keyof TestAssets;

const FILE_NAMES: Record<AssetName, string> = { kubeApiServer: 'kube-apiserver', etcd: 'etcd', kubectl: 'kubectl' };
const ENV_NAMES: Record<AssetName, string> = {
  kubeApiServer: 'TEST_ASSET_KUBE_APISERVER',
  etcd: 'TEST_ASSET_ETCD',
  kubectl: 'TEST_ASSET_KUBECTL',
};
const ASSET_NAMES = Object.keys(FILE_NAMES) as AssetName[];

const repoRoot = resolve(__dirname, '..', '..');
export const BUILD_SCRIPT = join(repoRoot, 'scripts', 'build-test-assets.sh');

/** The cache directory build-test-assets.sh writes to (same formula as the script). */
export function assetCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'quidditch-k8s', `k8s-${versions.kubernetes}-etcd-${versions.etcd}`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves one binary without building anything; undefined when it is not in the cache yet. */
function lookup(name: AssetName, env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env[ENV_NAMES[name]];
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new Error(`Unable to use ${FILE_NAMES[name]} ${explicit}: ${ENV_NAMES[name]} must point at an executable file. Fix the path or unset ${ENV_NAMES[name]}.`);
    }
    return explicit;
  }
  if (env.KUBEBUILDER_ASSETS) {
    const path = join(env.KUBEBUILDER_ASSETS, FILE_NAMES[name]);
    if (!isExecutable(path)) {
      throw new Error(`Unable to use ${FILE_NAMES[name]} from KUBEBUILDER_ASSETS: ${path} is not an executable file. Point KUBEBUILDER_ASSETS at a directory holding kube-apiserver, etcd and kubectl, or unset it.`);
    }
    return path;
  }
  const cached = join(assetCacheDir(env), FILE_NAMES[name]);
  return isExecutable(cached) ? cached : undefined;
}

function buildIntoCache(env: NodeJS.ProcessEnv): void {
  const hasGo = spawnSync('bash', ['-c', 'command -v go'], { env, stdio: 'ignore' }).status === 0;
  if (!hasGo) {
    // The script exits 3 with instructions for providing the binaries; make that the error.
    const result = spawnSync('bash', [BUILD_SCRIPT], { env, encoding: 'utf8' });
    throw new Error(`Unable to build the test control plane: ${(result.stderr ?? '').trim() || `${BUILD_SCRIPT} exited with ${result.status}`}`);
  }
  process.stderr.write(`[test-assets] kube-apiserver/etcd/kubectl not found; building them into ${assetCacheDir(env)} (one-time)\n`);
  // stderr is inherited so the build's "[test-assets] ..." progress and Go's output stay visible;
  // stdout (the output directory) is captured so it does not interleave with test output.
  const result = spawnSync('bash', [BUILD_SCRIPT], { env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.error) {
    throw new Error(`Unable to run ${BUILD_SCRIPT}: ${result.error.message}. Install bash or provide the binaries (see the header of test/support/assets.ts).`);
  }
  if (result.status !== 0) {
    throw new Error(`Unable to build the test control plane: ${BUILD_SCRIPT} exited with ${result.status ?? result.signal}. See its output above; or set KUBEBUILDER_ASSETS to existing binaries.`);
  }
}

/** Locates every binary, building the cache once if any is missing. Never returns a partial set. */
export function findTestAssets(env: NodeJS.ProcessEnv = process.env): TestAssets {
  let found = ASSET_NAMES.map((name) => lookup(name, env));
  if (found.some((path) => path === undefined)) {
    buildIntoCache(env);
    found = ASSET_NAMES.map((name) => lookup(name, env));
  }
  const missing = ASSET_NAMES.filter((_, i) => found[i] === undefined).map((name) => FILE_NAMES[name]);
  if (missing.length > 0) {
    throw new Error(`Unable to find ${missing.join(', ')} after building: ${assetCacheDir(env)} is still incomplete. Run bash ${BUILD_SCRIPT} by hand to see why.`);
  }
  const [kubeApiServer, etcd, kubectl] = found as string[];
  return { kubeApiServer, etcd, kubectl };
}
