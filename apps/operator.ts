/**
 * The operator process: `node --import tsx apps/operator.ts --help` (or the bundled dist/bundle/operator.js).
 * Flags are defined in lib/model/operator-flags.ts; every one may also be set as QUIDDITCH_<FLAG> in the environment.
 * Exits 0 after a graceful SIGTERM/SIGINT (lease released), 1 when leadership is lost (or the election loop dies) or start-up fails,
 * 2 on invalid flags.
 */
import { loadOperatorConfig, OperatorConfigError } from '../lib/operator/config';
import { createLogger } from '../lib/operator/logger';
import { startOperator } from '../lib/operator/operator';
import { loadKubeConfig } from '../lib/operator/runtime/manager';

async function main(): Promise<void> {
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
