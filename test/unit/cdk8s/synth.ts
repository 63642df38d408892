/** Test helpers: synthesize a QuidditchCluster in a fresh chart and query its objects. */
import { Testing } from 'cdk8s';
import { QuidditchCluster } from '../../../lib/cdk8s/cluster';
import type { QuidditchClusterProps } from '../../../lib/model/props';

/** A manifest as synthesized: loosely typed, so assertions read like the YAML. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

export function synthCluster(id: string, props: QuidditchClusterProps = {}): Manifest[] {
  const chart = Testing.chart();
  new QuidditchCluster(chart, id, props);
  return Testing.synth(chart) as Manifest[];
}

export const kinds = (objects: Manifest[]): string[] => [...new Set(objects.map((o) => o.kind as string))].sort();

export const ofKind = (objects: Manifest[], kind: string): Manifest[] => objects.filter((o) => o.kind === kind);

export function one(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind} ${name}, found ${found.length}`);
  return found[0];
}

/** Pod templates of every workload in the output. */
export function podTemplates(objects: Manifest[]): Array<{ owner: string; template: Manifest }> {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind))
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, template: o.spec.template }));
}

export const CLUSTER_SCOPED_KINDS = ['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Namespace', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'];
