/**
 * QuidditchCluster as a Pulumi component: the same objects as the cdk8s chart (both come from
 * synthesizeClusterManifests), registered one Pulumi resource per Kubernetes object.
 *
 * Why one resource per object rather than one `yaml.v2.ConfigGroup`: a ConfigGroup is a remote
 * component, so the program only sees a single registration with all objects as one input, and
 * the objects' ordering, annotations and dependencies are decided inside the provider. With one
 * resource per object the preview lists every object with its own diff (changing data-node
 * replicas shows, and updates, only the StatefulSet), each object can depend on the CRDs
 * explicitly, and `pulumi state`/`--target` address single objects. Each object is registered
 * as a KubeObjectResource, the generic form of every kind: its type
 * token is the one the typed classes use, so the provider validates and diffs it against the
 * kind's real schema.
 */
import * as pulumi from '@pulumi/pulumi';
import type { ResolvedCluster } from '../model/resolved';
import type { QuidditchClusterArgs } from './args';
import { ClusterPlan, planCluster } from './cluster-plan';
import { KubeObjectResource } from './kube-object-resource';
import { DeletionPropagation, isCrd } from './objects';
import { checkNeighbours, providerScope } from './provider-scope';

export type { QuidditchClusterArgs } from './args';

/** QuidditchCluster as a Pulumi component (quidditch:k8s:QuidditchCluster): the cdk8s chart's objects, one Pulumi resource each. */
export class QuidditchCluster extends pulumi.ComponentResource {
  static readonly TYPE = 'quidditch:k8s:QuidditchCluster';

  /** Namespace of every namespaced object. */
  readonly namespace: pulumi.Output<string>;
  /** Headless Service governing the data-node StatefulSet. */
  readonly dataNodeServiceName: pulumi.Output<string>;
  /** Operator Deployment (undefined in raft mode). */
  readonly operatorDeploymentName: pulumi.Output<string | undefined>;
  /** Operator Service with the routing API (undefined in raft mode). */
  readonly operatorServiceName: pulumi.Output<string | undefined>;
  /** `https://<service>.<namespace>.svc:<port>` of the routing API (`http://` in raft mode or with plaintext gRPC). */
  readonly routingEndpoint: pulumi.Output<string>;
  /** The resolved model (defaults applied); QuidditchIndex takes namespace and labels from it. */
  readonly model: ResolvedCluster;
  /** Delete propagation given to the cluster's objects; QuidditchIndex inherits it. */
  readonly deletionPropagation?: DeletionPropagation;
  /** Whether destroy deletes the CRDs and the stack's indices (see QuidditchClusterArgs.deleteCrdsOnDestroy). */
  readonly deleteCrdsOnDestroy: boolean;
  /**
   * Pulumi name of the QuidditchCluster whose CRD resources this one depends on: itself, or the
   * first cluster declared with the same Kubernetes provider. Undefined with `crds: false`.
   */
  readonly crdsOwner?: string;
  /**
   * Puts this cluster's Input props (the namespace) into an object rendered from `model`, where
   * `model` holds placeholders for them. QuidditchIndex uses it.
   */
  readonly substituteInputs: (value: unknown) => unknown;
  /** The cluster's `labels` once resolved, when given as an Input (QuidditchIndex carries them). */
  readonly inputLabels?: pulumi.Output<Readonly<Record<string, string>>>;
  /** Every registered object, keyed by `<apiVersion>:<kind>:<namespace>/<name>`. */
  readonly objects: Readonly<Record<string, KubeObjectResource>>;

  /**
   * @param name also the default base of every object name (like the cdk8s construct id)
   * @param opts pass the Kubernetes provider as `provider` or `providers`; children inherit it
   */
  constructor(name: string, args: QuidditchClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Validation errors surface here, when the program runs, before anything is registered.
    const plan: ClusterPlan = planCluster(name, args);
    const scope = providerScope(opts);
    // An Input namespace is unknown until deployment, so it cannot be compared with others.
    if (!plan.namespaceIsInput) checkNeighbours(scope, name, plan.model);
    super(QuidditchCluster.TYPE, name, {}, opts);
    this.deleteCrdsOnDestroy = args.deleteCrdsOnDestroy ?? false;
    // CRDs are cluster-wide: the first cluster per provider registers them, later ones use those.
    const shared = plan.model.crds ? scope.crds : undefined;

    const objects: Record<string, KubeObjectResource> = {};
    const crds: KubeObjectResource[] = [];
    plan.objects.forEach((obj, i) => {
      if (shared && isCrd(obj)) return;
      // The operator and every custom resource need the CRDs; everything else waits for them too
      // so a failed CRD stops the rollout before an operator starts that cannot watch its kinds.
      const dependsOn = isCrd(obj) ? [] : (shared?.resources ?? crds);
      // CRDs outlive the stack unless deleting them was asked for (see deleteCrdsOnDestroy).
      const retainOnDelete = isCrd(obj) && !this.deleteCrdsOnDestroy;
      const res = new KubeObjectResource(plan.logicalNames[i], obj, { parent: this, dependsOn, retainOnDelete });
      if (isCrd(obj)) crds.push(res);
      objects[`${obj.apiVersion}:${obj.kind}:${plan.logicalNames[i]}`] = res;
    });
    if (plan.model.crds && !shared) scope.crds = { owner: name, resources: crds };
    if (!plan.namespaceIsInput) scope.clusters.push({ component: name, model: plan.model });
    this.substituteInputs = plan.withInputs;
    if (plan.inputLabels) this.inputLabels = plan.inputLabels;
    this.crdsOwner = shared?.owner ?? (plan.model.crds ? name : undefined);
    this.objects = objects;
    this.model = plan.model;
    this.deletionPropagation = args.deletionPropagation;

    // The outputs wait for the Inputs' validation, so a program that exports one fails when a value
    // is invalid, before it reports completion: after that, the engine deletes what a failed
    // registration left unregistered (seen with inline Automation API programs).
    const gated = <T>(value: pulumi.Input<T>): pulumi.Output<T> =>
      (plan.resolution ? pulumi.all([value, plan.resolution]).apply(([v]) => v) : pulumi.output(value)) as pulumi.Output<T>;
    this.namespace = gated(plan.namespace);
    this.dataNodeServiceName = gated(plan.dataNodeServiceName);
    this.operatorDeploymentName = gated(plan.operatorDeploymentName);
    this.operatorServiceName = gated(plan.operatorServiceName);
    this.routingEndpoint = gated(plan.routingEndpoint);
    this.registerOutputs({
      namespace: this.namespace,
      dataNodeServiceName: this.dataNodeServiceName,
      operatorDeploymentName: this.operatorDeploymentName,
      operatorServiceName: this.operatorServiceName,
      routingEndpoint: this.routingEndpoint,
    });
  }
}
