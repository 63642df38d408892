export * from './args';
export * from './cluster';
export * from './cluster-plan';
export * from './index-resource';
export * from './kube-object-resource';
export * from './objects';
export { PLAIN_ONLY_PROPS } from './input-props';
export { kubernetesProvider } from './provider-scope';
