import pino, { DestinationStream, Logger } from 'pino';

export type { Logger } from 'pino';

/** Options of the operator's root logger. */
export interface LoggerOptions {
  /** pino level: trace, debug, info, warn, error, fatal or silent. @default "info" */
  readonly level?: string;
  /** Where JSON lines go (tests pass a stream to read them back). @default standard output */
  readonly destination?: DestinationStream;
  /** Fields on every line, e.g. { pod }. @default {} */
  readonly base?: Record<string, unknown>;
}

/** The root logger: one JSON object per line, ISO timestamps, level as a string label. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** Logger for one controller; every line carries `controller`. */
export function controllerLogger(root: Logger, controller: string): Logger {
  return root.child({ controller });
}

/** Logger for one reconcile; every line carries `key` and `reconcileId` (plus the controller's fields). */
export function reconcileLogger(controllerLog: Logger, key: string, reconcileId: string): Logger {
  return controllerLog.child({ key, reconcileId });
}
