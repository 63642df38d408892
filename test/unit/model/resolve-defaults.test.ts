import { version } from '../../../package.json';
import { resolveCluster } from '../../../lib/model/resolve';

describe('resolveCluster defaults', () => {
  const c = resolveCluster('search');

  it('names the cluster after the construct id unless `name` is set', () => {
    expect(c.name).toBe('search');
    expect(resolveCluster('search', { name: 'other' }).name).toBe('other');
  });
  it('places everything in the "default" namespace', () => expect(c.namespace).toBe('default'));
  it('uses k8s mode', () => expect(c.mode).toBe('k8s'));
  it('resolves mode auto to k8s, since anything these constructs deploy runs in Kubernetes', () => {
    expect(resolveCluster('search', { mode: 'auto' }).mode).toBe('k8s');
  });
  it('emits the CRDs in both modes, so a mode switch never drops them from the output, unless told not to', () => {
    expect(c.crds).toBe(true);
    expect(resolveCluster('s', { mode: 'raft' }).crds).toBe(true);
    expect(resolveCluster('s', { mode: 'raft', crds: false }).crds).toBe(false);
    expect(resolveCluster('s', { mode: 'k8s', crds: false }).crds).toBe(false);
  });
  it('tags every default image with the package version', () => {
    expect(c.operator.image).toBe(`ghcr.io/quidditch/quidditch-operator:${version}`);
    expect(c.dataNodes.image).toBe(`ghcr.io/quidditch/quidditch-datanode:${version}`);
    expect(c.raft.image).toBe(`ghcr.io/quidditch/quidditch-master:${version}`);
    expect(c.version).toBe(version);
  });
  it('gives data-node pods an hour between SIGTERM and SIGKILL, time to move their copies away; other pods keep Kubernetes\' 30 s', () => {
    expect(c.dataNodes.pod.terminationGracePeriodSeconds).toBe(3600);
    expect(resolveCluster('s', { dataNodes: { terminationGracePeriodSeconds: 120 } }).dataNodes.pod.terminationGracePeriodSeconds).toBe(120);
    expect(c.operator.pod.terminationGracePeriodSeconds).toBeUndefined();
  });
  it('pulls images IfNotPresent', () => {
    expect([c.operator.imagePullPolicy, c.dataNodes.imagePullPolicy, c.raft.imagePullPolicy]).toEqual(['IfNotPresent', 'IfNotPresent', 'IfNotPresent']);
  });
  it('runs three hot data nodes on 100Gi with 2 CPU / 8Gi and up to 1000 shards each', () => {
    expect(c.dataNodes.replicas).toBe(3);
    expect(c.dataNodes.storage).toEqual({ size: '100Gi' });
    expect(c.dataNodes.resources).toEqual({ cpuRequest: '2', memoryRequest: '8Gi', memoryLimit: '8Gi' });
    expect(c.dataNodes.tier).toBe('hot');
    expect(c.dataNodes.maxShards).toBe(1000);
  });
  it('heartbeats four times per operator heartbeat timeout', () => {
    expect(c.dataNodes.heartbeatIntervalSeconds).toBe(15);
    expect(resolveCluster('s', { operator: { heartbeatTimeoutSeconds: 2 } }).dataNodes.heartbeatIntervalSeconds).toBe(1);
  });
  it('runs two operators with 1 CPU / 1Gi, lease 15 s / renew 10 s / retry 2 s, a 60 s heartbeat timeout and info logs', () => {
    expect(c.operator.replicas).toBe(2);
    expect(c.operator.resources).toEqual({ cpuRequest: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' });
    expect(c.operator.leaderElection).toEqual({ leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 });
    expect(c.operator.heartbeatTimeoutSeconds).toBe(60);
    expect(c.operator.logLevel).toBe('info');
  });
  it('runs three Raft masters on 50Gi with 2 CPU / 4Gi', () => {
    expect(c.raft.replicas).toBe(3);
    expect(c.raft.storage).toEqual({ size: '50Gi' });
    expect(c.raft.resources).toEqual({ cpuRequest: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' });
  });
  it('sets no CPU limit and a memory limit equal to the request unless given', () => {
    const r = resolveCluster('s', { dataNodes: { resources: { memoryRequest: '2Gi' } } }).dataNodes.resources;
    expect(r.cpuLimit).toBeUndefined();
    expect(r.memoryLimit).toBe('2Gi');
    const explicit = resolveCluster('s', { dataNodes: { resources: { cpuLimit: '4', memoryLimit: '16Gi' } } }).dataNodes.resources;
    expect(explicit).toEqual({ cpuRequest: '2', memoryRequest: '8Gi', cpuLimit: '4', memoryLimit: '16Gi' });
  });
  it('keeps the default storage size when only a StorageClass is given', () => {
    expect(resolveCluster('s', { dataNodes: { storage: { storageClassName: 'fast-ssd' } } }).dataNodes.storage).toEqual({ size: '100Gi', storageClassName: 'fast-ssd' });
  });
  it('merges partial leader-election props over the defaults', () => {
    expect(resolveCluster('s', { operator: { leaderElection: { leaseDurationSeconds: 30 } } }).operator.leaderElection)
      .toEqual({ leaseDurationSeconds: 30, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 });
  });
  it('adds no extra labels', () => expect(c.labels).toEqual({}));
  it('derives stable names from the cluster name', () => {
    expect(resolveCluster('search', { namespace: 'q' }).names).toEqual({
      operator: 'search-operator',
      operatorClusterRole: 'q.search-operator',
      lease: 'search-operator',
      dataNodes: 'search-data',
      dataNodesHeadless: 'search-data-headless',
      masters: 'search-master',
      mastersHeadless: 'search-master-headless',
      caSecret: 'search-ca',
      dataNodesTls: 'search-data-tls',
      operatorTls: 'search-operator-tls',
      routingClientTls: 'search-routing-client-tls',
      certIssuer: 'search-ca',
    });
  });
  it('does not mutate its props', () => {
    const props = { labels: { team: 'a' }, operator: { leaderElection: { leaseDurationSeconds: 20 } } };
    const copy = JSON.parse(JSON.stringify(props));
    resolveCluster('s', props);
    expect(props).toEqual(copy);
  });
});
