/**
 * podman for the e2e tests, with the flags this kind of machine needs (see scripts/podman-common.sh):
 * the runc runtime and lowered ulimits. Containers use the host network so they reach the test
 * API server on 127.0.0.1, as pods reach theirs through the service network.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const PODMAN_RUNTIME = process.env.QUIDDITCH_PODMAN_RUNTIME ?? '/usr/sbin/runc';
export const PODMAN_RUN_FLAGS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096', '--network', 'host'];

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export function run(file: string, args: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
  return new Promise((done) => {
    execFile(file, args, { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ stdout, stderr: stderr || (err && code === -1 ? err.message : ''), code });
    });
  });
}

/** podman with the machine's runtime; rejects with podman's message unless the command succeeds. */
export async function podman(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const result = await run('podman', ['--runtime', PODMAN_RUNTIME, ...args], timeoutMs);
  if (result.code !== 0) {
    throw new Error(`podman ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

/**
 * Why the e2e test cannot run here, or undefined when it can. The test fails with this message
 * instead of skipping: an image that was never run is not a tested image.
 */
export async function podmanProblem(): Promise<string | undefined> {
  const version = await run('podman', ['--version']);
  if (version.code !== 0) {
    return 'podman is not installed. Install it (Debian/Ubuntu: apt-get update && apt-get install -y podman runc), or run `npm run image` as root on Debian, which installs it.';
  }
  if (!existsSync(PODMAN_RUNTIME)) {
    return `the OCI runtime ${PODMAN_RUNTIME} does not exist. Install runc (apt-get install -y runc) or set QUIDDITCH_PODMAN_RUNTIME to a working runtime.`;
  }
  const info = await run('podman', ['--runtime', PODMAN_RUNTIME, 'info', '--format', '{{.Host.OCIRuntime.Name}}']);
  if (info.code !== 0) return `podman cannot start: ${info.stderr.trim()}`;
  return undefined;
}

export interface BuiltImage {
  readonly ref: string;
  /** Bytes, as podman reports the image (uncompressed layers). */
  readonly sizeBytes: number;
  readonly bundleBytes: number;
  readonly buildLog: string;
}

/** `npm run image` (cached by content hash, so a rebuild happens only when the bundle changed). */
export async function buildImage(): Promise<BuiltImage> {
  const result = await run('bash', [join(REPO_ROOT, 'scripts', 'build-image.sh')], 15 * 60_000);
  if (result.code !== 0) {
    throw new Error(`Unable to build the operator image with scripts/build-image.sh (exit ${result.code}):\n${result.stderr.slice(-4000)}`);
  }
  const ref = result.stdout.trim().split('\n').pop() ?? '';
  const sizeBytes = Number(await podman(['image', 'inspect', '--format', '{{.Size}}', ref]));
  return { ref, sizeBytes, bundleBytes: statSync(join(REPO_ROOT, 'dist', 'bundle', 'operator.js')).size, buildLog: result.stderr };
}

/** Label on every e2e container: the pid of the jest worker that owns it. */
export const OWNER_LABEL = 'io.quidditch.e2e.owner-pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes containers left by e2e runs whose jest worker is gone (killed before its afterAll ran). */
export async function removeOrphans(): Promise<string[]> {
  const out = await podman(['ps', '-a', '--filter', `label=${OWNER_LABEL}`, '--format', `{{.Names}} {{index .Labels "${OWNER_LABEL}"}}`]);
  const orphans = out
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter(([name, pid]) => name && !alive(Number(pid)))
    .map(([name]) => name);
  for (const name of orphans) await run('podman', ['rm', '--force', '--ignore', name]);
  return orphans;
}

/** A detached container; remove() is safe to call more than once. */
export class Container {
  private constructor(readonly name: string) {}

  /** `podman run -d --name <name> <flags…> <image> <args…>`. */
  static async start(name: string, flags: readonly string[], image: string, args: readonly string[]): Promise<Container> {
    await run('podman', ['rm', '--force', '--ignore', name]);
    await podman(['run', '-d', '--name', name, '--label', `${OWNER_LABEL}=${process.pid}`, ...PODMAN_RUN_FLAGS, ...flags, image, ...args]);
    return new Container(name);
  }

  /** SIGTERM, then SIGKILL after graceSeconds; resolves with the process's exit code. */
  async stop(graceSeconds: number): Promise<number> {
    await podman(['stop', '--time', String(graceSeconds), this.name], (graceSeconds + 30) * 1000);
    return Number((await podman(['inspect', '--format', '{{.State.ExitCode}}', this.name])).trim());
  }

  async running(): Promise<boolean> {
    const out = await run('podman', ['inspect', '--format', '{{.State.Running}}', this.name]);
    return out.stdout.trim() === 'true';
  }

  async logs(): Promise<string> {
    const out = await run('podman', ['logs', this.name]);
    return `${out.stdout}${out.stderr}`;
  }

  async remove(): Promise<void> {
    await run('podman', ['rm', '--force', '--ignore', this.name]);
  }
}
