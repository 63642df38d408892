import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { appEntry } from '../../support/app-bundle';
import { START_TIMEOUT_MS } from '../../support/managed-process';

const ROOT = path.resolve(__dirname, '../../..');

/** A datanode-sim child process, ready to serve. */
export interface SimProcess {
  readonly grpcPort: number;
  readonly statsPort?: number;
  readonly address: string;
  readonly child: ChildProcess;
  /** Everything it logged (JSON lines on stderr), for failure messages. */
  logs(): string;
  /** SIGTERM, then the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

/**
 * Runs the datanode-sim as a real process (its bundle, as the image does) and resolves once it prints
 * its ready line; rejects with its logs if it exits or stays silent for `timeoutMs`.
 */
export async function startSimProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = START_TIMEOUT_MS): Promise<SimProcess> {
  const child = spawn(process.execPath, [...(await appEntry('datanode-sim')), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<SimProcess>((resolve, reject) => {
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`datanode-sim ${args.join(' ')} ${why}; its output:\n${stdout}${stderr}`));
    };
    const timer = setTimeout(() => fail(`printed no ready line within ${timeoutMs} ms`), timeoutMs);
    const early = (code: number | null) => {
      clearTimeout(timer);
      fail(`exited with ${code} before it was ready`);
    };
    child.once('exit', early);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const line = stdout.split('\n').find((l) => l.includes('"msg":"ready"'));
      if (!line) return;
      clearTimeout(timer);
      child.off('exit', early);
      const ready = JSON.parse(line) as { grpcPort: number; statsPort?: number; address: string };
      resolve({
        ...ready,
        child,
        logs: () => stdout + stderr,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          const code = await exited;
          clearTimeout(kill);
          return code;
        },
      });
    });
  });
}
