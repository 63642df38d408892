export * from './cluster';
export * from './cluster-plan';
export * from './index-resource';
export * from './objects';
