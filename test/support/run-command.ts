import { spawn, SpawnOptions } from 'node:child_process';
import { resolve } from 'node:path';
import { appEntry } from './app-bundle';

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion with `stdin` as its input; resolves with its exit code and output. */
export function runCommand(command: string, args: readonly string[], stdin = '', options: SpawnOptions = {}): Promise<CommandResult> {
  const child = spawn(command, args, { ...options, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end(stdin);
  return new Promise((r) => child.once('close', (code) => r({ code, stdout, stderr })));
}

/** Runs the operator with `<args>` as the image's entrypoint would (e.g. `export`, `import`), against the test control plane unless `kubeconfig` names another. */
export async function runOperatorCommand(args: readonly string[], stdin = '', kubeconfig = process.env.QUIDDITCH_TEST_KUBECONFIG): Promise<CommandResult> {
  const root = resolve(__dirname, '..', '..');
  return runCommand(process.execPath, [...(await appEntry('operator')), ...args, `--kubeconfig=${kubeconfig}`], stdin, { cwd: root });
}
