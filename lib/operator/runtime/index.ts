/** The operator runtime's public contracts: what controllers and the process entry build on. */
export * from './clock';
export * from './controller';
export * from './informer';
export * from './leader-election';
export * from './manager';
export * from './reconciler';
export * from './server';
export * from './source';
export * from './work-queue';
export type { BackoffOptions } from './backoff';
export * from './errors';
