/**
 * `kubectl apply --prune` with an ApplySet (the pruning kubectl recommends) across a mode switch:
 * the k8s-mode YAML, then the raft-mode YAML of the same cluster under the same ApplySet. The
 * operator is pruned, the CRDs — in both outputs — and every index with them stay.
 * A control plane of its own: the CRDs are applied, labelled and could be pruned here.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import { ControlPlane } from '../../support/control-plane';
import { rawRequest } from '../../support/raw-request';
import { CommandResult, runCommand } from '../../support/run-command';

const NS = 'search';
let cp: ControlPlane;
let kc: KubeConfig;

function kubectl(args: readonly string[], stdin = ''): Promise<CommandResult> {
  return runCommand(process.env.QUIDDITCH_TEST_KUBECTL as string, args, stdin, { env: { ...process.env, KUBECONFIG: cp.kubeconfigPath, KUBECTL_APPLYSET: 'true' } });
}

const yamlOf = (mode: 'k8s' | 'raft') => synthesizeClusterManifests({ name: 'search', namespace: NS, mode }).map((o) => stringify(o)).join('---\n');
const apply = (mode: 'k8s' | 'raft') => kubectl(['apply', '--server-side', '--prune', '--applyset=search', '-n', NS, '-f', '-'], yamlOf(mode));
const exists = async (path: string) => (await rawRequest(kc, { method: 'GET', path })).status === 200;

beforeAll(async () => {
  cp = await ControlPlane.start();
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  expect((await kubectl(['create', 'namespace', NS])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await cp?.stop();
});

describe('kubectl apply --prune (ApplySet) across a mode switch', () => {
  it('keeps the CRDs and the indices when the raft-mode output replaces the k8s-mode one', async () => {
    const first = await apply('k8s');
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const index = { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'logs', namespace: NS }, spec: { shards: 1 } };
    expect((await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(index))).code).toBe(0);

    const second = await apply('raft');
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    // The switch really pruned: the operator is gone.
    expect(second.stdout).toContain('deployment.apps/search-operator pruned');
    expect(await exists(`/apis/apps/v1/namespaces/${NS}/deployments/search-operator`)).toBe(false);
    for (const crd of ['quidditchindices', 'quidditchnodes', 'shardallocations']) {
      expect({ crd, kept: await exists(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}.quidditch.io`) }).toEqual({ crd, kept: true });
    }
    expect(await exists(`/apis/quidditch.io/v1/namespaces/${NS}/quidditchindices/logs`)).toBe(true);
  });
});
