import { parseSimConfig } from '../../../lib/datanode-sim/config';

const base = ['--name=d-0', '--namespace=ns', '--insecure-plaintext-grpc'];

describe('the sim\'s zone and Kubernetes node', () => {
  it('takes the Kubernetes node from the environment the StatefulSet sets, and a flag over it', () => {
    expect(parseSimConfig(base, { QUIDDITCH_KUBERNETES_NODE: 'worker-1.zone-a' }).kubernetesNode).toBe('worker-1.zone-a');
    expect(parseSimConfig([...base, '--kubernetes-node=worker-2'], { QUIDDITCH_KUBERNETES_NODE: 'worker-1' }).kubernetesNode).toBe('worker-2');
    expect(parseSimConfig(base, {}).kubernetesNode).toBeUndefined();
  });

  it('refuses a zone or node name the QuidditchNode schema would refuse, naming the flag and the rule', () => {
    expect(() => parseSimConfig([...base, '--zone=eu west'], {})).toThrow(/--zone must be a label value .* got "eu west"/);
    expect(() => parseSimConfig(base, { QUIDDITCH_KUBERNETES_NODE: 'Worker_1' })).toThrow(/--kubernetes-node \(QUIDDITCH_KUBERNETES_NODE\) must be a Kubernetes Node name .* got "Worker_1"/);
    expect(parseSimConfig([...base, '--zone=eu-west-1a'], {}).zone).toBe('eu-west-1a');
  });
});
