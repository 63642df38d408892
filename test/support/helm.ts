/**
 * The helm CLI for the chart tests, found or built like the control-plane binaries (assets.ts):
 *   1. TEST_ASSET_HELM (a helm v3 binary),
 *   2. ${XDG_CACHE_HOME:-~/.cache}/quidditch-k8s/helm-<version>-<goToolFlavour>/helm (scripts/versions.json),
 *   3. else scripts/build-helm.sh builds it there from Go modules (one-time; about 2.5 min of CPU, measured with an empty Go build cache).
 * The integration global setup calls findHelm() once and passes the result (or why there is none)
 * to the workers in QUIDDITCH_TEST_HELM / QUIDDITCH_TEST_HELM_ERROR, so only the chart tests fail
 * when helm cannot be had.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import versions from '../../scripts/versions.json';
import { CommandResult, runCommand } from './run-command';

export const HELM_BUILD_SCRIPT = resolve(__dirname, '..', '..', 'scripts', 'build-helm.sh');

export function helmCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'quidditch-k8s', `helm-${versions.helm}-${versions.goToolFlavour}`);
}

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The helm binary; builds it into the cache when missing. Throws with the reason when it cannot. */
export function findHelm(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEST_ASSET_HELM) {
    if (!isExecutable(env.TEST_ASSET_HELM)) throw new Error(`Unable to use helm ${env.TEST_ASSET_HELM}: TEST_ASSET_HELM must point at an executable file. Fix the path or unset it.`);
    return env.TEST_ASSET_HELM;
  }
  const cached = join(helmCacheDir(env), 'helm');
  if (isExecutable(cached)) return cached;
  process.stderr.write(`[helm] not found; building helm v${versions.helm} into ${helmCacheDir(env)} (one-time)\n`);
  const result = spawnSync('bash', [HELM_BUILD_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0 || !isExecutable(cached)) {
    throw new Error(`Unable to build helm v${versions.helm}: ${HELM_BUILD_SCRIPT} exited with ${result.status ?? result.signal}.\n${(result.stderr ?? '').trim().split('\n').slice(-15).join('\n')}`);
  }
  return cached;
}

/** The helm the global setup found, or the reason it could not (thrown here, in the test that needs it). */
export function testHelm(): string {
  const helm = process.env.QUIDDITCH_TEST_HELM;
  if (helm) return helm;
  throw new Error(process.env.QUIDDITCH_TEST_HELM_ERROR ?? 'Unable to run helm: QUIDDITCH_TEST_HELM is not set. Run with `npx jest --selectProjects integration` so the global setup finds or builds it.');
}

/** Helm's own config, cache and data directories, kept out of the user's home; made on first use, in the run's temporary directory. */
let helmHome: string | undefined;

/** Runs helm against the test API server (KUBECONFIG from the global setup); never throws on a non-zero exit. */
export function helm(args: readonly string[]): Promise<CommandResult> {
  helmHome ??= mkdtempSync(join(tmpdir(), 'quidditch-helm-'));
  return runCommand(testHelm(), args, '', {
    env: {
      ...process.env,
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    },
  });
}
