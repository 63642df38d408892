// CommonJS under any resolution: both import paths, plus the CRD files through `exports`.
import { QuidditchCluster } from '@quidditch/k8s';
import { QuidditchCluster as PulumiCluster } from '@quidditch/k8s/pulumi';

const crd = require.resolve('@quidditch/k8s/crds/quidditch.io_quidditchindices.yaml');
console.log(JSON.stringify([typeof QuidditchCluster, typeof PulumiCluster, crd.endsWith('.yaml')]));
