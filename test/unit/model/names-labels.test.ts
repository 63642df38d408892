import { recommendedLabels, selectorLabels } from '../../../lib/model/labels';
import { clusterNames, MAX_CLUSTER_NAME_LENGTH, podHost, serviceHost } from '../../../lib/model/names';

describe('names', () => {
  it('keeps every derived name within its Kubernetes limit at the longest allowed cluster name', () => {
    const names = clusterNames('a'.repeat(MAX_CLUSTER_NAME_LENGTH), 'ns');
    for (const service of [names.operator, names.dataNodesHeadless, names.mastersHeadless]) expect(service.length).toBeLessThanOrEqual(63);
    for (const statefulSet of [names.dataNodes, names.masters]) expect(statefulSet.length).toBeLessThanOrEqual(52);
  });

  it('gives two clusters in different namespaces different cluster-scoped names, even when dashes line up', () => {
    expect(clusterNames('search', 'a').operatorClusterRole).not.toBe(clusterNames('search', 'b').operatorClusterRole);
    expect(clusterNames('c', 'a-b').operatorClusterRole).not.toBe(clusterNames('b-c', 'a').operatorClusterRole);
  });

  it('builds namespace-qualified service and pod hosts', () => {
    expect(serviceHost('search-operator', 'q')).toBe('search-operator.q.svc');
    expect(podHost('search-data-0', 'search-data-headless', 'q')).toBe('search-data-0.search-data-headless.q.svc');
  });
});

describe('labels', () => {
  it('produces the six recommended labels, the user\'s labels never overriding them', () => {
    expect(recommendedLabels('search', 'data', '1.2.3', { team: 'x', 'app.kubernetes.io/name': 'evil' })).toEqual({
      team: 'x',
      'app.kubernetes.io/name': 'quidditch',
      'app.kubernetes.io/instance': 'search',
      'app.kubernetes.io/component': 'data',
      'app.kubernetes.io/part-of': 'quidditch',
      'app.kubernetes.io/managed-by': 'quidditch-k8s',
      'app.kubernetes.io/version': '1.2.3',
    });
  });

  it('keeps the version out of selectors, which are immutable', () => {
    expect(selectorLabels('search', 'operator')).toEqual({
      'app.kubernetes.io/name': 'quidditch', 'app.kubernetes.io/instance': 'search', 'app.kubernetes.io/component': 'operator',
    });
  });
});
