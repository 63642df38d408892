/**
 * The reference data node (see lib/datanode-sim): `node --import tsx apps/datanode-sim.ts --help`.
 * Logs JSON lines to stderr; prints exactly one line to stdout,
 * {"msg":"ready","grpcPort":N,"statsPort":N,"address":"host:port"}, once it serves, so a parent
 * process can wait for it. SIGINT stops heartbeats and exits 0; so does SIGTERM, unless
 * --drain-on-shutdown=true: then the node first asks the operator to move its copies away and keeps
 * serving until none is left (a second SIGTERM exits at once).
 */
import pino from 'pino';
import { createLogger } from '../lib/operator/logger';
import { DataNodeSim, parseSimConfig, SIM_USAGE } from '../lib/datanode-sim';

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${SIM_USAGE}\n`);
    return;
  }
  let config;
  try {
    config = parseSimConfig(argv, process.env);
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(`${message.startsWith('Unable') ? message : `Unable to start datanode-sim: ${message}. Run with --help for the options.`}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel, base: { node: config.name }, destination: pino.destination(2) });
  const sim = new DataNodeSim(config, { logger });
  let stopping = false;
  let draining = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    if (signal === 'SIGTERM' && config.drainOnShutdown && config.mode === 'k8s' && !draining && sim.store.size > 0) {
      draining = true;
      logger.info({ signal, copies: sim.store.size }, 'draining: waiting for the operator to move every copy away');
      sim.drain().then(() => {
        logger.info('drained: no copy left');
        shutdown('drained');
      }, (err: unknown) => logger.error({ err: (err as Error).message }, 'drain failed'));
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    sim.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const { grpcPort, statsPort, address } = await sim.start();
  process.stdout.write(`${JSON.stringify({ msg: 'ready', grpcPort, statsPort, address })}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
