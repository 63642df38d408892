import { resolveCluster } from '../../../lib/model/resolve';
import type { QuidditchClusterProps } from '../../../lib/model/props';
import { ValidationError } from '../../../lib/model/validation';

/** The thrown message, so each case asserts the exact text a user sees. */
function messageOf(props: QuidditchClusterProps, id = 'search'): string {
  try {
    resolveCluster(id, props);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error('expected resolveCluster to throw');
}

const header = (n: number, name = 'search') => `Unable to synthesize QuidditchCluster ${name}: ${n} invalid prop${n === 1 ? '' : 's'}. Fix:\n`;

describe('resolveCluster validation', () => {
  const cases: Array<[string, QuidditchClusterProps, string]> = [
    ['negative data-node replicas', { dataNodes: { replicas: -1 } }, 'dataNodes.replicas = -1: must be a non-negative integer'],
    ['non-integer data-node replicas', { dataNodes: { replicas: 2.5 } }, 'dataNodes.replicas = 2.5: must be a non-negative integer'],
    ['zero operator replicas', { operator: { replicas: 0 } }, 'operator.replicas = 0: must be an integer of at least 1'],
    ['an even Raft replica count', { mode: 'raft', raft: { replicas: 4 } }, 'raft.replicas = 4: must be an odd positive integer (a Raft quorum is a majority: 1, 3, 5…)'],
    ['zero Raft replicas', { mode: 'raft', raft: { replicas: 0 } }, 'raft.replicas = 0: must be an odd positive integer'],
    ['a name that is not a DNS label', { name: 'Search_1' }, 'name = "Search_1": must be a DNS-1035 label (lowercase letters, digits and \'-\', starting with a letter) of at most 45 characters, so every derived name fits'],
    ['a name starting with a digit', { name: '1search' }, 'name = "1search": must be a DNS-1035 label'],
    ['a name too long for the derived names', { name: 'a'.repeat(46) }, `name = "${'a'.repeat(46)}": must be a DNS-1035 label`],
    ['a namespace that is not DNS-1123', { namespace: 'Quidditch' }, 'namespace = "Quidditch": must be a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters)'],
    ['a storage size that is not a quantity', { dataNodes: { storage: { size: '100GB' } } }, 'dataNodes.storage.size = "100GB": must be a positive Kubernetes quantity (e.g. "100Gi")'],
    ['a zero master storage size', { raft: { storage: { size: '0' } } }, 'raft.storage.size = "0": must be a positive Kubernetes quantity'],
    ['a StorageClass that is not a DNS subdomain', { dataNodes: { storage: { storageClassName: 'Fast SSD' } } }, 'dataNodes.storage.storageClassName = "Fast SSD": must be a DNS-1123 subdomain (a StorageClass name)'],
    ['a CPU request that is not a quantity', { operator: { resources: { cpuRequest: 'one' } } }, 'operator.resources.cpuRequest = "one": must be a positive Kubernetes quantity (e.g. "500m", "2", "4Gi")'],
    ['a memory limit below the request', { dataNodes: { resources: { memoryRequest: '8Gi', memoryLimit: '4Gi' } } }, 'dataNodes.resources.memoryLimit = "4Gi": must be at least memoryRequest (8Gi)'],
    ['a CPU limit below the request', { raft: { resources: { cpuRequest: '2', cpuLimit: '500m' } } }, 'raft.resources.cpuLimit = "500m": must be at least cpuRequest (2)'],
    ['an image without a tag', { operator: { image: 'ghcr.io/quidditch/quidditch-operator' } }, 'operator.image = "ghcr.io/quidditch/quidditch-operator": must be an image reference with a tag or digest (e.g. "registry/name:1.2.3"); an untagged image means :latest'],
    ['an image with a registry port but no tag', { dataNodes: { image: 'localhost:5000/datanode' } }, 'dataNodes.image = "localhost:5000/datanode": must be an image reference with a tag or digest'],
    ['an unknown mode', { mode: 'kubernetes' as never }, 'mode = "kubernetes": must be one of k8s, raft, auto'],
    ['an unknown tier', { dataNodes: { tier: 'lukewarm' as never } }, 'dataNodes.tier = "lukewarm": must be one of hot, warm, cold'],
    ['an unknown pull policy', { raft: { imagePullPolicy: 'Sometimes' as never } }, 'raft.imagePullPolicy = "Sometimes": must be one of Always, IfNotPresent, Never'],
    ['an unknown log level', { operator: { logLevel: 'verbose' as never } }, 'operator.logLevel = "verbose": must be one of trace, debug, info, warn, error'],
    ['a lease no longer than the renew deadline', { operator: { leaderElection: { leaseDurationSeconds: 10, renewDeadlineSeconds: 10 } } },
      'operator.leaderElection.leaseDurationSeconds = 10: must be greater than renewDeadlineSeconds (10), or a standby could take the lease while the leader still acts'],
    ['a renew deadline within 1.2 retry periods', { operator: { leaderElection: { renewDeadlineSeconds: 10, retryPeriodSeconds: 9 } } },
      'operator.leaderElection.renewDeadlineSeconds = 10: must be greater than retryPeriodSeconds × 1.2 (10.8), so the leader gets at least one jittered retry before stepping down'],
    ['a non-positive retry period', { operator: { leaderElection: { retryPeriodSeconds: 0 } } }, 'operator.leaderElection.retryPeriodSeconds = 0: must be a number of seconds greater than 0'],
    ['a fractional lease duration', { operator: { leaderElection: { leaseDurationSeconds: 15.5 } } }, 'operator.leaderElection.leaseDurationSeconds = 15.5: must be a positive integer (Lease.spec.leaseDurationSeconds is an integer)'],
    ['a zero heartbeat timeout', { operator: { heartbeatTimeoutSeconds: 0 } }, 'operator.heartbeatTimeoutSeconds = 0: must be a number of seconds greater than 0'],
    ['maxShards above the QuidditchNode schema maximum', { dataNodes: { maxShards: 100001 } }, 'dataNodes.maxShards = 100001: must be an integer from 1 to 100000'],
    ['maxShards of zero', { dataNodes: { maxShards: 0 } }, 'dataNodes.maxShards = 0: must be an integer from 1 to 100000'],
    ['a label value that is not a label value', { labels: { team: 'search team' } }, 'labels["team"] = "search team": must be a label value (at most 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending alphanumeric)'],
    ['a label key that is not a label key', { labels: { 'bad key!': 'x' } }, 'labels["bad key!"] = "bad key!": the key must be a label key'],
    ['a label the constructs own', { labels: { 'app.kubernetes.io/instance': 'other' } }, 'labels["app.kubernetes.io/instance"] = "app.kubernetes.io/instance": is set by the constructs (selectors depend on it); remove it'],
    ['crds that is not a boolean', { crds: 'yes' as never }, 'crds = "yes": must be a boolean'],
  ];

  it.each(cases)('rejects %s', (_what, props, expected) => {
    const message = messageOf(props);
    expect(message.startsWith(header(1, props.name))).toBe(true);
    expect(message).toContain(`  - ${expected}`);
  });

  it('names the construct id as the source of an invalid default name', () => {
    expect(messageOf({}, 'Search')).toBe(`Unable to synthesize QuidditchCluster Search: 1 invalid prop. Fix:\n  - name = "Search": must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter) of at most 45 characters, so every derived name fits; it defaults to the construct id, set \`name\` to override`);
  });

  it('collects every problem and throws once', () => {
    const message = messageOf({
      namespace: 'Bad NS',
      dataNodes: { replicas: -2, storage: { size: 'lots' } },
      operator: { replicas: 0, image: 'op' },
      raft: { replicas: 2 },
    });
    expect(message.startsWith(header(6))).toBe(true);
    expect(message.split('\n').slice(1).map((l) => l.split(':')[0])).toEqual([
      '  - namespace = "Bad NS"',
      '  - dataNodes.replicas = -2',
      '  - dataNodes.storage.size = "lots"',
      '  - operator.replicas = 0',
      '  - operator.image = "op"',
      '  - raft.replicas = 2',
    ]);
  });

  it('exposes the problems for programmatic use', () => {
    try {
      resolveCluster('search', { dataNodes: { replicas: -1 } });
      throw new Error('expected a ValidationError');
    } catch (e) {
      expect((e as ValidationError).problems).toEqual([{ path: 'dataNodes.replicas', value: -1, rule: 'must be a non-negative integer' }]);
    }
  });

  it.each([
    ['a digest', 'ghcr.io/quidditch/quidditch-datanode@sha256:' + 'a'.repeat(64)],
    ['a tag and a digest', 'quidditch-datanode:1.0@sha256:' + 'b'.repeat(64)],
    ['a registry port and a tag', 'localhost:5000/quidditch/datanode:dev'],
    ['a Docker Hub short name', 'datanode:1.2.3'],
  ])('accepts an image with %s', (_what, image) => {
    expect(resolveCluster('s', { dataNodes: { image } }).dataNodes.image).toBe(image);
  });

  it.each([['1', 0], ['3', 1], ['5', 2]])('accepts %s Raft replicas', (n) => {
    expect(resolveCluster('s', { mode: 'raft', raft: { replicas: Number(n) } }).raft.replicas).toBe(Number(n));
  });

  it('accepts zero data nodes (scaled down) and a 45-character name', () => {
    expect(resolveCluster('a'.repeat(45), { dataNodes: { replicas: 0 } }).dataNodes.replicas).toBe(0);
  });
});
