/**
 * The operator process: `node --import tsx apps/operator.ts --help` (or the bundled dist/bundle/operator.js).
 * Flags are defined in lib/model/operator-flags.ts; every one may also be set as QUIDDITCH_<FLAG> in the environment.
 * `export` and `import` as the first argument run the cluster-state subcommands instead (lib/operator/state).
 * Exits 0 after a graceful SIGTERM/SIGINT (lease released), 1 when leadership is lost (or the election loop dies) or start-up fails,
 * 2 on invalid flags.
 */
import { loadOperatorConfig, OperatorConfigError } from '../lib/operator/config';
import { createLogger } from '../lib/operator/logger';
import { startOperator } from '../lib/operator/operator';
import { loadKubeConfig } from '../lib/operator/runtime/manager';
import { isStateCommand, runStateCommand } from '../lib/operator/state/state-command';

/** `export` / `import`: the cluster-state subcommands (lib/operator/state), run and exit. */
async function runSubcommand(argv: readonly string[]): Promise<never> {
  const code = await runStateCommand(argv, {
    stdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  });
  // Let stdout drain (a large export piped to a file) before exiting.
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  process.exit(code);
}

async function main(): Promise<void> {
  if (isStateCommand(process.argv[2])) return runSubcommand(process.argv.slice(2));
  let outcome;
  try {
    outcome = loadOperatorConfig();
  } catch (err) {
    process.stderr.write(`${err instanceof OperatorConfigError ? err.message : String(err)}\n`);
    process.exit(2);
  }
  if (outcome.kind === 'help') {
    process.stdout.write(outcome.text);
    return;
  }
  const config = outcome.config;
  const log = createLogger({ level: config.logLevel, base: { component: 'quidditch-operator', pod: config.podName } });
  const operator = await startOperator(config, {
    kubeConfig: loadKubeConfig(config.kubeconfig),
    log,
    // Like controller-runtime: a replica that lost the lease exits; its pod restarts clean and campaigns again.
    onLeadershipLost: () => process.exit(1),
  });
  log.info({ namespace: config.namespace, httpPort: operator.httpPort, metricsPort: operator.metricsPort }, 'operator started');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'graceful shutdown');
    operator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: String(err) }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Unable to start the operator: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
