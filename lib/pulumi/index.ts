export * from './cluster';
export * from './cluster-plan';
export * from './index-resource';
export * from './kube-object-resource';
export * from './objects';
export { kubernetesProvider } from './provider-scope';
