import { Testing } from 'cdk8s';
import { QuidditchCluster } from '../../../lib/cdk8s/cluster';
import { resolveCluster } from '../../../lib/model/resolve';

describe('dataNodes.command', () => {
  it('keeps the image entrypoint by default', () => {
    expect(resolveCluster('search', {}).dataNodes.command).toBeUndefined();
  });

  it('runs the reference data node from the operator image when asked', () => {
    const chart = Testing.chart();
    new QuidditchCluster(chart, 'search', { dataNodes: { image: 'ghcr.io/quidditch/quidditch-operator:0.1.0', command: ['/nodejs/bin/node', '/app/datanode-sim.js'] } });
    const sts = Testing.synth(chart).find((o) => o.kind === 'StatefulSet');
    expect(sts.spec.template.spec.containers[0].command).toEqual(['/nodejs/bin/node', '/app/datanode-sim.js']);
  });

  it('rejects an empty command, naming the prop', () => {
    expect(() => resolveCluster('search', { dataNodes: { command: [] } })).toThrow(/dataNodes\.command = \[\]: must be a non-empty list of non-empty strings/);
  });
});
