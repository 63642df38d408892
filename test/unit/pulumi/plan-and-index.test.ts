import { registeredObjects, resetRegistrations, settled } from './mocks';
import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import { QuidditchIndex as Cdk8sIndex } from '../../../lib/cdk8s/quidditch-index';
import { resolveCluster } from '../../../lib/model/resolve';
import { QuidditchCluster } from '../../../lib/pulumi/cluster';
import { planCluster } from '../../../lib/pulumi/cluster-plan';
import { QuidditchIndex, renderIndex } from '../../../lib/pulumi/index-resource';
import { logicalName } from '../../../lib/pulumi/objects';
import { clusterArgsFromConfig, CONFIG_KEYS } from '../../../lib/pulumi/program';
import { DEFAULTS } from '../../../lib/model/resolve';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

const key = (o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }) => `${o.apiVersion}:${o.kind}:${logicalName(o)}`;

describe('planCluster', () => {
  it.each(['k8s', 'raft'] as const)('changes only the data-node StatefulSet when data-node replicas change (%s mode)', (mode) => {
    const before = new Map(planCluster('search', { mode, dataNodes: { replicas: 3 } }).objects.map((o) => [key(o), o]));
    const after = new Map(planCluster('search', { mode, dataNodes: { replicas: 5 } }).objects.map((o) => [key(o), o]));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...after.keys()].filter((k) => JSON.stringify(after.get(k)) !== JSON.stringify(before.get(k)));
    expect(changed).toEqual(['apps/v1:StatefulSet:default/search-data']);
  });

  it('orders the CRDs before every other object', () => {
    const kinds = planCluster('search', { mode: 'k8s' }).objects.map((o) => o.kind);
    const lastCrd = kinds.lastIndexOf('CustomResourceDefinition');
    expect(lastCrd).toBe(2);
    expect(kinds.slice(lastCrd + 1)).not.toContain('CustomResourceDefinition');
  });
});

describe('Pulumi QuidditchIndex', () => {
  function cdk8sIndex(id: string, props: ConstructorParameters<typeof Cdk8sIndex>[2]): unknown {
    const chart = new Chart(new App({ outdir: '.' }), 'test', { disableResourceNameHashes: true });
    new Cdk8sIndex(chart, id, props);
    return chart.toJson()[0];
  }

  it('registers the object the cdk8s construct renders, in the cluster namespace, after the cluster', async () => {
    resetRegistrations();
    const cluster = new QuidditchCluster('search', { mode: 'k8s', namespace: 'prod' });
    const index = new QuidditchIndex('logs', { cluster, shards: 3, replicas: 1, settings: { refresh_interval: '1s' } });
    await settled([index]);
    const registered = registeredObjects().filter((o) => o.kind === 'QuidditchIndex');
    expect(registered).toEqual([cdk8sIndex('logs', { cluster: resolveCluster('search', { mode: 'k8s', namespace: 'prod' }), shards: 3, replicas: 1, settings: { refresh_interval: '1s' } })]);
    expect((registered[0].metadata as { namespace: string }).namespace).toBe('prod');
  });

  it("takes the cluster's deletion propagation unless given its own", () => {
    resetRegistrations();
    const cluster = new QuidditchCluster('search', { mode: 'k8s', deletionPropagation: 'background' });
    const annotation = (o: { metadata: { annotations?: Record<string, string> } }) => o.metadata.annotations?.['pulumi.com/deletionPropagationPolicy'];
    expect(annotation(renderIndex('logs', { cluster, shards: 1 }))).toBe('background');
    expect(annotation(renderIndex('logs', { cluster, shards: 1, deletionPropagation: 'orphan' }))).toBe('orphan');
    expect(annotation(renderIndex('logs', { namespace: 'prod', shards: 1 }))).toBeUndefined();
  });

  it('rejects an invalid index with every problem before registering it', () => {
    expect(() => new QuidditchIndex('Logs', { namespace: 'prod', shards: 0, replicas: 9 })).toThrow(
      /Unable to synthesize QuidditchIndex Logs: 3 invalid props[\s\S]*name[\s\S]*shards[\s\S]*replicas/,
    );
  });
});

describe('program config', () => {
  it('maps config keys onto the component args and leaves unset keys to the model defaults', () => {
    pulumi.runtime.setAllConfig({
      'quidditch:mode': 'raft',
      'quidditch:dataNodeReplicas': '4',
      'quidditch:masterImage': 'registry.example/master:1.0',
      'quidditch:skipAwait': 'true',
      'quidditch:deletionPropagation': 'background',
    });
    const { name, args } = clusterArgsFromConfig(new pulumi.Config('quidditch'));
    expect(name).toBe('quidditch');
    expect(args).toEqual({
      mode: 'raft',
      namespace: undefined,
      dataNodes: { replicas: 4, image: undefined },
      raft: { image: 'registry.example/master:1.0' },
      skipAwait: true,
      deletionPropagation: 'background',
    });
  });
});

describe('Pulumi.yaml', () => {
  const project = parse(readFileSync(resolve(__dirname, '..', '..', '..', 'Pulumi.yaml'), 'utf8')) as {
    main: string;
    config: Record<string, { type: string; default?: unknown }>;
  };

  it("declares the model's defaults, so the program and the constructs agree", () => {
    expect(project.config.mode.default).toBe(DEFAULTS.mode);
    expect(project.config.namespace.default).toBe(DEFAULTS.namespace);
    expect(project.config.dataNodeReplicas.default).toBe(DEFAULTS.dataNodes.replicas);
    expect(project.config.skipAwait.default).toBe(false);
  });

  it('declares only keys the program reads, each with a default (a declared key without one is required)', () => {
    for (const [key, decl] of Object.entries(project.config)) {
      expect(CONFIG_KEYS).toContain(key);
      expect({ key, hasDefault: decl.default !== undefined }).toEqual({ key, hasDefault: true });
    }
    expect(existsSync(resolve(__dirname, '..', '..', '..', project.main))).toBe(true);
  });
});
