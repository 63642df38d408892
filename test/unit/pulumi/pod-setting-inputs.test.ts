/**
 * Every prop that only fills a field may be a Pulumi Input: the objects are planned from the plain
 * props and their content synthesized again once the Inputs resolve, so the registered objects are
 * exactly what cdk8s renders from the same values.
 */
import { registeredObjects, registrations, resetRegistrations, settled } from './mocks';
import * as pulumi from '@pulumi/pulumi';
import { synthesizeClusterManifests } from '../../../lib/cdk8s/manifests';
import type { DataNodeProps, MonitoringProps, OperatorProps, QuidditchClusterProps, RaftProps, SecurityProps } from '../../../lib/model/props';
import { PropSchema, QUIDDITCH_CLUSTER_PROPS_SCHEMA } from '../../../lib/model/props-schema';
import type { DataNodeArgs, MonitoringArgs, OperatorArgs, QuidditchClusterArgs, RaftArgs, SecurityArgs } from '../../../lib/pulumi/args';
import { QuidditchCluster } from '../../../lib/pulumi/cluster';
import { failLoudly } from '../../../lib/pulumi/cluster-plan';
import { QuidditchIndex } from '../../../lib/pulumi/index-resource';
import { PLAIN_ONLY_PROPS, splitInputs } from '../../../lib/pulumi/input-props';
import { platformPodSettings } from '../cdk8s/pod-settings-fixture';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };
const byKey = (o: Obj) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const sorted = (objs: Obj[]) => [...objs].sort((a, b) => byKey(a).localeCompare(byKey(b)));
/** An Output that resolves later, as another resource's output does. */
const later = <T>(value: T): pulumi.Output<T> => pulumi.output(new Promise<T>((r) => setTimeout(() => r(value), 5))) as pulumi.Output<T>;

async function registered(name: string, args: QuidditchClusterArgs): Promise<Obj[]> {
  resetRegistrations();
  const cluster = new QuidditchCluster(name, args);
  await settled(Object.values(cluster.objects));
  return registeredObjects() as Obj[];
}

/** Keys one interface has and the other lacks: `never` when the args mirror the props. */
type KeyDrift<A, B> = Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>;
/** Compiles only when T is never. */
const noDrift = <_T extends never>(names: string): string => names;

describe('Input props of the Pulumi QuidditchCluster', () => {
  it('mirrors the cdk8s props key for key, and accepts every plain props value (checked by tsc)', () => {
    noDrift<KeyDrift<DataNodeProps, DataNodeArgs>>('dataNodes');
    noDrift<KeyDrift<OperatorProps, OperatorArgs>>('operator');
    noDrift<KeyDrift<RaftProps, RaftArgs>>('raft');
    noDrift<KeyDrift<MonitoringProps, MonitoringArgs>>('monitoring');
    noDrift<KeyDrift<SecurityProps, SecurityArgs>>('security');
    noDrift<Exclude<keyof QuidditchClusterProps, keyof QuidditchClusterArgs>>('cluster');
    const props: QuidditchClusterProps = { dataNodes: platformPodSettings('x'), operator: platformPodSettings('x'), raft: platformPodSettings('x') };
    const args: QuidditchClusterArgs = props;
    expect(args).toBe(props);
  });

  const pod = platformPodSettings('search');
  const plain: QuidditchClusterProps = {
    mode: 'k8s',
    namespace: 'search',
    labels: { team: 'search' },
    dataNodes: { ...pod, replicas: 4, image: 'registry.example/datanode:2.0.0', resources: { cpuRequest: '3', memoryRequest: '6Gi' }, storage: { size: '20Gi' } },
    operator: { ...pod, logLevel: 'debug', leaderElection: { leaseDurationSeconds: 20 } },
  };

  it('registers exactly the objects cdk8s renders from the resolved values (pod settings, labels, resources, replicas)', async () => {
    const args: QuidditchClusterArgs = {
      mode: 'k8s',
      namespace: later('search'),
      labels: later({ team: 'search' }),
      dataNodes: {
        // Each kind of Input: whole props, a map with an Output value, a list of Outputs.
        nodeSelector: { 'node-pool': later('search') },
        tolerations: later(pod.tolerations!),
        affinity: later(pod.affinity!),
        priorityClassName: later(pod.priorityClassName!),
        imagePullSecrets: [later('registry-credentials')],
        podAnnotations: later(pod.podAnnotations!),
        podLabels: pod.podLabels,
        serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': later('arn:aws:iam::123456789012:role/search') },
        env: [later({ name: 'EXTRA', value: '1' })],
        volumes: pod.volumes,
        volumeMounts: later(pod.volumeMounts!),
        terminationGracePeriodSeconds: later(60),
        replicas: later(4),
        image: later('registry.example/datanode:2.0.0'),
        resources: { cpuRequest: later('3'), memoryRequest: '6Gi' },
        storage: later({ size: '20Gi' }),
      },
      operator: { ...pod, logLevel: later('debug' as const), leaderElection: { leaseDurationSeconds: later(20) } },
    };
    expect(sorted(await registered('search', args))).toEqual(sorted(synthesizeClusterManifests(plain, 'search') as Obj[]));
  });

  it('gives a QuidditchIndex the cluster\'s Input labels', async () => {
    resetRegistrations();
    const cluster = new QuidditchCluster('search', { namespace: 'search', labels: later({ team: 'search' }) });
    const index = new QuidditchIndex('logs', { cluster, shards: 1 });
    await settled([index]);
    const meta = registrations.find((r) => r.type === 'kubernetes:quidditch.io/v1:QuidditchIndex')?.inputs.metadata as Obj['metadata'];
    expect(meta.labels).toMatchObject({ team: 'search', 'quidditch.io/cluster': 'search' });
    expect(meta.namespace).toBe('search');
  });

  it('still validates plain props when the program runs', () => {
    resetRegistrations();
    expect(() => new QuidditchCluster('search', { operator: { priorityClassName: 'Not_Valid' }, dataNodes: { nodeSelector: later({ a: 'b' }) } })).toThrow(
      'Unable to synthesize QuidditchCluster search: 1 invalid prop. Fix:\n  - operator.priorityClassName = "Not_Valid": must be a DNS-1123 subdomain (a PriorityClass name)',
    );
  });

  it('defers the checks of plain props made against an Input to its value', async () => {
    // The mount names a volume that is an Input, and the limit is checked against an Input request.
    const objects = await registered('deferred', {
      dataNodes: { volumes: later(pod.volumes!), volumeMounts: pod.volumeMounts, resources: { memoryRequest: later('1Gi'), memoryLimit: '2Gi' } },
    });
    const expected = synthesizeClusterManifests({ dataNodes: { volumes: pod.volumes, volumeMounts: pod.volumeMounts, resources: { memoryRequest: '1Gi', memoryLimit: '2Gi' } } }, 'deferred');
    expect(sorted(objects)).toEqual(sorted(expected as Obj[]));
  });

  it('refuses an Input where a prop decides which objects exist, naming the prop and why', () => {
    resetRegistrations();
    const refused = (args: unknown) => () => new QuidditchCluster('search', args as QuidditchClusterArgs);
    expect(refused({ operator: { replicas: later(3) } })).toThrow(
      'Unable to plan QuidditchCluster search: operator.replicas is a Pulumi Input, but a PodDisruptionBudget exists only above 1 replica, so it must be known when the program runs. Pass a plain value (e.g. from pulumi.Config).',
    );
    expect(refused({ mode: later('raft') })).toThrow('mode is a Pulumi Input, but it decides which objects exist');
    expect(refused({ operator: later({ logLevel: 'debug' }) })).toThrow('operator is a Pulumi Input, but it holds operator.replicas, operator.ownIndicesOnly, operator.shardAllocationMirror, operator.finalizerAdmissionPolicy, which must be plain');
    expect(refused({ skipAwait: later(true) })).toThrow('skipAwait is a Pulumi Input');
  });

  it('accepts an Input for every prop of the schema except the plain-only ones', () => {
    const leaves: string[][] = [];
    const walk = (s: PropSchema, at: string[]) => {
      if (s.type === 'object' && s.properties) for (const [k, c] of Object.entries(s.properties)) walk(c, [...at, k]);
      else leaves.push(at);
    };
    walk(QUIDDITCH_CLUSTER_PROPS_SCHEMA, []);
    const plainOnly = Object.keys(PLAIN_ONLY_PROPS);
    expect(plainOnly.filter((p) => !leaves.some((l) => l.join('.') === p))).toEqual([]);
    for (const leaf of leaves) {
      const args: Record<string, unknown> = {};
      let node = args;
      leaf.slice(0, -1).forEach((k) => (node = (node[k] = {}) as Record<string, unknown>));
      node[leaf[leaf.length - 1]] = later('x');
      const dotted = leaf.join('.');
      if (plainOnly.includes(dotted)) expect(() => splitInputs('search', args)).toThrow(`${dotted} is a Pulumi Input`);
      else expect(splitInputs('search', args).inputs.map((i) => i.path.join('.'))).toEqual([dotted]);
    }
  });

  it('logs a failure to resolve as a Pulumi error as well as throwing it, so the update fails instead of deleting the unregistered objects', () => {
    const logged = jest.spyOn(pulumi.log, 'error').mockResolvedValue(undefined);
    try {
      expect(() => failLoudly(() => { throw new Error('Unable to synthesize QuidditchCluster search: 1 invalid prop.'); })).toThrow('1 invalid prop');
      expect(logged).toHaveBeenCalledWith('Unable to synthesize QuidditchCluster search: 1 invalid prop.');
      expect(failLoudly(() => 'ok')).toBe('ok');
      expect(logged).toHaveBeenCalledTimes(1);
    } finally {
      logged.mockRestore();
    }
  });
});
