/**
 * The stack of inputs.test.ts, shared with inputs-up.ts (which runs one `up` outside jest): a
 * Namespace and a pull Secret, and a cluster that takes its namespace and pod settings from them.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { LocalWorkspace, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { join } from 'node:path';
import { QuidditchCluster } from '../../../lib/pulumi/cluster';

export const ROLE = 'arn:aws:iam::123456789012:role/search';
const POOL_ANNOTATION = 'platform.example/node-pool';
const ROLE_ANNOTATION = 'platform.example/search-role';
export const IMAGES = { operator: 'registry.example/quidditch-operator:0.1.0', dataNode: 'registry.example/quidditch-datanode:0.1.0' };

/** The program: a Namespace and a pull Secret, and a cluster that takes its namespace and settings from them. */
export function program(kubeconfig: string, NS: string): Promise<Record<string, pulumi.Output<unknown>>> {
  const cfg = new pulumi.Config();
  const provider = new k8s.Provider('test-cluster', { kubeconfig });
  // The upstream values are annotations of the stack's Namespace (updated in place, and any string
  // passes the API server, so the model's own validation is what rejects a bad one).
  // Kept on destroy: without a namespace controller, deleting it would never finish (afterAll deletes it).
  const ns = new k8s.core.v1.Namespace('team', {
    metadata: { name: NS, annotations: { [POOL_ANNOTATION]: cfg.require('pool'), [ROLE_ANNOTATION]: ROLE } },
  }, { provider, retainOnDelete: true });
  const namespace = ns.metadata.name;
  const secret = new k8s.core.v1.Secret('pull', {
    // Background: foreground deletion waits for a garbage collector, and none runs here.
    metadata: { namespace, name: 'registry-credentials', annotations: { 'pulumi.com/deletionPropagationPolicy': 'background' } }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' },
  }, { provider });
  const pool = ns.metadata.annotations.apply((a) => a[POOL_ANNOTATION]);
  const cluster = new QuidditchCluster('search', {
    namespace,
    crds: false,
    security: { nodeAdmissionPolicy: false },
    labels: pulumi.output({ team: 'search' }),
    dataNodes: {
      replicas: 2,
      image: IMAGES.dataNode,
      nodeSelector: { 'node-pool': pool },
      imagePullSecrets: [secret.metadata.name],
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': ns.metadata.annotations.apply((a) => a[ROLE_ANNOTATION]) },
      env: [pool.apply((value) => ({ name: 'NODE_POOL', value }))],
    },
    operator: { image: IMAGES.operator, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'search', effect: 'NoSchedule' }] },
    // No kubelet or garbage collector runs next to this API server.
    skipAwait: true,
    deletionPropagation: 'background',
  }, { providers: [provider] });
  return Promise.resolve({ namespace: cluster.namespace, routingEndpoint: cluster.routingEndpoint });
}

/** The stack in `tmp` (its CLI in tmp/cli/bin, its state in tmp/state): created, or selected when it exists. */
export async function inputsStack(tmp: string, kubeconfig: string, namespace: string, create: boolean): Promise<Stack> {
  const pulumiCommand = await PulumiCommand.get({ root: join(tmp, 'cli'), skipVersionCheck: true });
  const args = { stackName: 'inputs', projectName: 'quidditch-inputs', program: () => program(kubeconfig, namespace) };
  const opts = {
    workDir: tmp,
    pulumiHome: join(tmp, 'home'),
    pulumiCommand,
    envVars: {
      PULUMI_BACKEND_URL: `file://${join(tmp, 'state')}`,
      PULUMI_CONFIG_PASSPHRASE: 'integration-test',
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    },
  };
  return create ? LocalWorkspace.createStack(args, opts) : LocalWorkspace.selectStack(args, opts);
}
