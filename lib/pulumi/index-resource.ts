/**
 * QuidditchIndex for Pulumi programs: the object the cdk8s QuidditchIndex construct renders
 * (same validation, labels and namespace rules), registered as a `quidditch.io/v1` custom
 * resource. Given a cluster, it takes the cluster's namespace and waits for the cluster's
 * resources, so the CRD exists before the index is created.
 */
import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import { QuidditchIndex as Cdk8sQuidditchIndex, QuidditchIndexOptions } from '../cdk8s/quidditch-index';
import type { ResolvedCluster } from '../model/resolved';
import type { QuidditchCluster } from './cluster';
import { failLoudly } from './cluster-plan';
import { KubeObjectResource } from './kube-object-resource';
import { replaceText } from './namespace-input';
import { DeletionPropagation, KubeObject, providerAnnotations, withAnnotations } from './objects';

/** Args of the Pulumi QuidditchIndex. */
export interface QuidditchIndexArgs extends QuidditchIndexOptions {
  /** Cluster that serves the index: supplies namespace and labels, and is created first. @default none */
  readonly cluster?: QuidditchCluster;
  /** `pulumi.com/deletionPropagationPolicy` of the index (see QuidditchClusterArgs). @default the cluster's, else the provider's */
  readonly deletionPropagation?: DeletionPropagation;
}

/** The index object exactly as the cdk8s construct renders it (throws its ValidationError). */
export function renderIndex(name: string, args: QuidditchIndexArgs): KubeObject {
  const { cluster, deletionPropagation, ...props } = args;
  const render = (model: ResolvedCluster | undefined): KubeObject => {
    const app = new App({ outdir: '.', recordConstructMetadata: false });
    const chart = new Chart(app, 'quidditch', { disableResourceNameHashes: true });
    new Cdk8sQuidditchIndex(chart, name, { ...props, ...(model ? { cluster: model } : {}) });
    const [obj] = chart.toJson() as KubeObject[];
    const propagation = deletionPropagation ?? cluster?.deletionPropagation;
    return withAnnotations(obj, providerAnnotations(obj, { skipAwait: false, deletionPropagation: propagation }));
  };
  const annotated = render(cluster?.model);
  if (!cluster) return annotated;
  const obj = cluster.substituteInputs(annotated) as KubeObject;
  if (!cluster.inputLabels) return obj;
  // The cluster's labels are an Input: the index's metadata follows once they (and the namespace) resolve.
  const model = cluster.model;
  const metadata = pulumi.all([cluster.inputLabels, cluster.namespace])
    .apply(([labels, ns]) => failLoudly(() => replaceText(render({ ...model, labels }).metadata, model.namespace, ns)));
  return { ...obj, metadata } as unknown as KubeObject;
}

/** A QuidditchIndex for Pulumi programs: the object the cdk8s construct renders, as a quidditch.io/v1 custom resource. */
export class QuidditchIndex extends KubeObjectResource {
  /**
   * @param name Pulumi name, and the index name unless `args.name` is set
   */
  constructor(name: string, args: QuidditchIndexArgs, opts?: pulumi.CustomResourceOptions) {
    const obj = renderIndex(name, args);
    // Every object of the cluster, not just the component: Pulumi deletes in reverse dependency
    // order, and a component's children have no edge to the index, so without this the operator
    // could be deleted before the index whose finalizer only it releases (stuck Terminating).
    const dependsOn = args.cluster ? [args.cluster, ...Object.values(args.cluster.objects)] : [];
    // Like the CRDs, an index is state: kept in the cluster on destroy unless its cluster deletes state.
    const retainOnDelete = opts?.retainOnDelete ?? !(args.cluster?.deleteCrdsOnDestroy ?? false);
    super(name, obj, pulumi.mergeOptions(opts, { dependsOn, retainOnDelete }));
  }
}
