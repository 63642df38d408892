/**
 * Finds the Pulumi CLI and the Kubernetes resource provider for the real `pulumi up` test:
 * PULUMI_CLI_DIR if set (a directory with `pulumi` and `pulumi-resource-kubernetes`), else the
 * project cache that scripts/build-pulumi.sh fills from Go modules (built once when missing).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';

export const BINARIES = ['pulumi', 'pulumi-resource-kubernetes'] as const;
const BUILD_SCRIPT = resolve(__dirname, '..', '..', '..', 'scripts', 'build-pulumi.sh');

function missing(dir: string): string[] {
  return BINARIES.filter((b) => {
    try {
      accessSync(join(dir, b), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/** Directory holding both binaries; builds them (minutes, once) when no PULUMI_CLI_DIR is given. */
export function pulumiBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.PULUMI_CLI_DIR;
  if (explicit) {
    const absent = missing(explicit);
    if (absent.length > 0) {
      throw new Error(`Unable to use PULUMI_CLI_DIR ${explicit}: ${absent.join(', ')} missing or not executable. Put both binaries there or unset PULUMI_CLI_DIR.`);
    }
    return explicit;
  }
  // stderr is inherited so a cold build shows its progress.
  const run = spawnSync('bash', [BUILD_SCRIPT], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) {
    throw new Error(`Unable to build the Pulumi binaries: ${BUILD_SCRIPT} exited with ${run.status ?? run.signal}. See its output above; or set PULUMI_CLI_DIR.`);
  }
  return run.stdout.trim().split('\n').pop() as string;
}
