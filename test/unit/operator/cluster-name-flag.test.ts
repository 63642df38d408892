import { parseOperatorConfig } from '../../../lib/operator/config';

describe('--cluster-name', () => {
  it('is unset by default (every index in the namespace) and takes a label value', () => {
    const run = (argv: string[]) => parseOperatorConfig({ argv, env: {} });
    expect(run([])).toMatchObject({ kind: 'run', config: { clusterName: undefined } });
    expect(run(['--cluster-name=search'])).toMatchObject({ kind: 'run', config: { clusterName: 'search' } });
    expect(parseOperatorConfig({ argv: [], env: { QUIDDITCH_CLUSTER_NAME: 'b' } })).toMatchObject({ config: { clusterName: 'b' } });
    expect(() => run(['--cluster-name=not a label'])).toThrow(
      "Unable to use --cluster-name=not a label: it must be a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit). Pass the QuidditchCluster's name.",
    );
  });
});
