/**
 * A child process (etcd, kube-apiserver) that logs to a file and cannot outlive its parent by
 * accident: it runs in its own process group, and every live one is killed when the parent exits
 * or is interrupted.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

/**
 * util-linux setpriv sets the parent-death signal before exec, so the kernel kills the child even
 * when we are SIGKILLed and no handler of ours can run. Linux only; elsewhere exit handlers suffice.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => process.platform === 'linux' && existsSync(p));

/** How long a test's process may take to start: tsx compiles it first, which takes tens of seconds on a loaded 2-core machine. */
export const START_TIMEOUT_MS = 90_000;

const live = new Set<ManagedProcess>();
const exitHooks = new Set<() => void>();
const signalHooks = new Set<() => Promise<void>>();
let handlersInstalled = false;

/**
 * Registers cleanup for abnormal ends: `onExit` runs synchronously on process exit (only sync work
 * is possible there); `onSignal` runs on SIGINT/SIGTERM/SIGHUP before the signal is re-raised.
 * Returns a function that unregisters both.
 */
export function registerCleanup(onExit: () => void, onSignal: () => Promise<void>): () => void {
  installHandlers();
  exitHooks.add(onExit);
  signalHooks.add(onSignal);
  return () => {
    exitHooks.delete(onExit);
    signalHooks.delete(onSignal);
  };
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const p of live) p.killNow();
    for (const hook of exitHooks) hook();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      // When the program has its own handler, it decides when to exit; we only clean up.
      // Otherwise the signal is re-raised once cleanup is done, and a second one means "now".
      const programHandles = process.listenerCount(signal) > 1;
      process.removeListener(signal, handler);
      if (!programHandles) process.once(signal, () => process.exit(130));
      void Promise.allSettled([...signalHooks].map((hook) => hook())).finally(() => {
        for (const p of live) p.killNow();
        if (!programHandles) process.kill(process.pid, signal);
      });
    };
    process.on(signal, handler);
  }
}

export class ManagedProcess {
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  private exitedValue: number | string | undefined;

  private constructor(
    readonly name: string,
    readonly logPath: string,
    private readonly child: ChildProcess,
  ) {
    live.add(this);
    this.exited = new Promise((resolveExit) => {
      const done = (value: number | string): void => {
        live.delete(this);
        this.exitedValue = value;
        resolveExit(value);
      };
      child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown'));
      child.once('error', (err) => done(`spawn error: ${err.message}`));
    });
  }

  /** Starts `binary args`, appending stdout and stderr to `logPath`. */
  static start(name: string, binary: string, args: readonly string[], logPath: string, extraEnv: NodeJS.ProcessEnv = {}): ManagedProcess {
    const log = openSync(logPath, 'a');
    try {
      // detached: its own process group, so a stop also reaches anything it forks, and a terminal
      // Ctrl-C reaches us first (we then stop it in order: apiserver before etcd).
      const [command, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', binary, ...args]] : [binary, [...args]];
      const child = spawn(command, argv, { stdio: ['ignore', log, log], detached: true, env: { ...process.env, ...extraEnv } });
      return new ManagedProcess(name, logPath, child);
    } finally {
      closeSync(log);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The exit code or signal when the process has exited, otherwise undefined. */
  get exitStatus(): number | string | undefined {
    return this.exitedValue;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.exitedValue !== undefined) return;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  /** Synchronous SIGKILL of the whole process group, for exit handlers. */
  killNow(): void {
    if (this.exitedValue === undefined) this.signal('SIGKILL');
  }

  /** The last `lines` lines of the log, to put in error messages. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Sends `sig` to the process group (SIGTERM as the kubelet sends it to a pod being removed). */
  signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // Already gone (ESRCH): nothing to stop.
    }
  }
}
