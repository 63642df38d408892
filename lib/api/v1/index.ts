export * from './schema';
export * from './quidditch-index';
export * from './quidditch-node';
export * from './shard-allocation';
export * from './crds';
export * from './cluster-state';
export * from './index-settings';
