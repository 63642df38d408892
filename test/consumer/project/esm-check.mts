// ESM (node16/nodenext and bundler resolution): both import paths, named imports from the CommonJS build.
import { QuidditchCluster, DEFAULTS } from '@quidditch/k8s';
import { QuidditchCluster as PulumiCluster } from '@quidditch/k8s/pulumi';

const kinds: string[] = [typeof QuidditchCluster, typeof PulumiCluster, DEFAULTS.namespace];
console.log(JSON.stringify(kinds));
