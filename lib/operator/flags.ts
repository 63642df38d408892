/**
 * The flag table lives in lib/model (the constructs render the Deployment's args from it, and the
 * library must not import from lib/operator); the operator reads it from here.
 */
export * from '../model/operator-flags';
