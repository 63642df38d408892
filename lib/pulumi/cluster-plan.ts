/**
 * Planning for the Pulumi QuidditchCluster, kept free of resource creation: synthesize the same
 * objects the cdk8s chart renders, put Input images in place of their placeholders, add the
 * provider's annotations, and work out the component's outputs from the objects themselves.
 */
import * as pulumi from '@pulumi/pulumi';
import { synthesizeClusterManifests } from '../cdk8s/manifests';
import { serviceHost } from '../model/names';
import type { DataNodeProps, OperatorProps, QuidditchClusterProps, RaftProps } from '../model/props';
import { resolveCluster } from '../model/resolve';
import type { ResolvedCluster } from '../model/resolved';
import { checkNamespace, findEmbedded, IMAGE_ROLES, ImageRole, NAMESPACE_PLACEHOLDER, placeholderImage, replaceStrings, spliceInput, validatedImage } from './image-inputs';
import { assertUniqueObjects, DeletionPropagation, isCrd, KubeObject, logicalName, providerAnnotations, withAnnotations } from './objects';

type WithInputImage<T extends { readonly image?: string }> = Omit<T, 'image'> & {
  /** Image with a tag or digest; may be an Input (e.g. the output of an image build). @default see the cdk8s props */
  readonly image?: pulumi.Input<string>;
};

/**
 * Props of the Pulumi QuidditchCluster: the cdk8s props, with images allowed to be Inputs (they
 * only fill a field). Everything else decides which objects exist or what they are called, so
 * it must be known when the program runs, which also keeps previews exact.
 */
export interface QuidditchClusterArgs extends Omit<QuidditchClusterProps, 'namespace' | 'dataNodes' | 'operator' | 'raft'> {
  /**
   * Namespace of every namespaced object; may be an Input (e.g. the name of a Namespace created in
   * the same stack). With an Input, the same-namespace checks between clusters cannot run, and
   * logical names use `ns-of-<component>` where the namespace would be.
   * @default "default"
   */
  readonly namespace?: pulumi.Input<string>;
  /** The data nodes; `image` may be an Input. @default see each DataNodeProps default */
  readonly dataNodes?: WithInputImage<DataNodeProps>;
  /** The operator (k8s mode only); `image` may be an Input. @default see each OperatorProps default */
  readonly operator?: WithInputImage<OperatorProps>;
  /** The Raft masters (raft mode only); `image` may be an Input. @default see each RaftProps default */
  readonly raft?: WithInputImage<RaftProps>;
  /**
   * Adds `pulumi.com/skipAwait: "true"` to the workloads and Services, so the provider does not
   * wait for ready pods. Use it only where no kubelet will ever run them (an API server without
   * nodes, as in this package's tests); on a real cluster waiting is what catches a bad rollout.
   * @default false
   */
  readonly skipAwait?: boolean;
  /**
   * Delete propagation the provider uses for every object (`pulumi.com/deletionPropagationPolicy`).
   * `background` is needed where no garbage collector runs (no kube-controller-manager): a
   * foreground delete waits for the collector to remove its finalizer.
   * @default the provider's default, foreground
   */
  readonly deletionPropagation?: DeletionPropagation;
}

export interface ClusterPlan {
  /** The resolved model the objects were rendered from. */
  readonly model: ResolvedCluster;
  /** Objects in registration order: CRDs first. Input images appear as Outputs inside them. */
  readonly objects: readonly KubeObject[];
  /** Logical Pulumi name of each object (same order): `<namespace>/<name>`, `ns-of-<cluster>` for an Input namespace. */
  readonly logicalNames: readonly string[];
  readonly namespace: pulumi.Input<string>;
  /** Whether the namespace is an Input (then `model.namespace` is a placeholder). */
  readonly namespaceIsInput: boolean;
  readonly dataNodeServiceName: string;
  /** Undefined in raft mode (no operator). */
  readonly operatorDeploymentName?: string;
  readonly operatorServiceName?: string;
  /** `http://<service>.<namespace>.svc:<port>` of the routing API (operator in k8s mode, masters in raft mode). */
  readonly routingEndpoint: pulumi.Input<string>;
  /** Puts the Input namespace in place of its placeholder (identity when the namespace is plain). */
  readonly withInputs: (value: unknown) => unknown;
}

function isPlainImage(image: pulumi.Input<string> | undefined): image is string | undefined {
  return image === undefined || typeof image === 'string';
}

/** Splits Input images off the props: plain props for the synthesizer, Inputs to substitute later. */
function plainProps(args: QuidditchClusterArgs): { props: QuidditchClusterProps; inputs: Map<ImageRole, pulumi.Input<string>> } {
  const { skipAwait: _s, deletionPropagation: _d, ...rest } = args;
  const inputs = new Map<ImageRole, pulumi.Input<string>>();
  const props: Record<string, unknown> = { ...rest };
  if (!isPlainImage(args.namespace)) props.namespace = NAMESPACE_PLACEHOLDER;
  for (const role of IMAGE_ROLES) {
    const part = args[role];
    if (part === undefined || isPlainImage(part.image)) continue;
    inputs.set(role, part.image);
    props[role] = { ...part, image: placeholderImage(role) };
  }
  return { props: props, inputs };
}

function servicePort(objs: readonly KubeObject[], name: string, namespace: string): number {
  const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace);
  const ports = ((svc?.spec as { ports?: { name?: string; port: number }[] } | undefined)?.ports) ?? [];
  const port = ports.find((p) => p.name === 'http') ?? ports[0];
  if (!port) {
    throw new Error(`Unable to plan QuidditchCluster: no Service ${namespace}/${name} with a port was synthesized. Report this: the routing endpoint needs it.`);
  }
  return port.port;
}

/** Plans the objects and outputs of a cluster named `name`; throws the model's ValidationError on invalid props. */
export function planCluster(name: string, args: QuidditchClusterArgs = {}): ClusterPlan {
  const { props, inputs } = plainProps(args);
  const namespaceIsInput = !isPlainImage(args.namespace);
  const namespaceOutput = namespaceIsInput ? pulumi.output(args.namespace as pulumi.Input<string>).apply((ns) => checkNamespace(name, ns)) : undefined;
  const withInputs = (value: unknown): unknown => (namespaceOutput ? spliceInput(value, NAMESPACE_PLACEHOLDER, namespaceOutput) : value);
  const model = resolveCluster(name, props);
  const synthesized = synthesizeClusterManifests(props, name) as KubeObject[];
  assertUniqueObjects(synthesized, name);

  const replacements = new Map<string, unknown>();
  for (const [role, image] of inputs) replacements.set(placeholderImage(role), validatedImage(name, role, image));
  const behaviour = { skipAwait: args.skipAwait ?? false, deletionPropagation: args.deletionPropagation };
  const named = synthesized.map((o) => {
    const annotated = withAnnotations(o, providerAnnotations(o, behaviour));
    for (const placeholder of replacements.keys()) {
      const embedded = findEmbedded(annotated, placeholder);
      if (embedded.length > 0) {
        throw new Error(`Unable to plan QuidditchCluster ${name}: an Input image is embedded in ${o.kind} ${o.metadata.name} at ${embedded.join(', ')}. Pass that image as a plain string.`);
      }
    }
    const logical = logicalName(annotated).split(NAMESPACE_PLACEHOLDER).join(`ns-of-${name}`);
    return { logical, obj: withInputs(replacements.size > 0 ? replaceStrings(annotated, replacements) : annotated) as KubeObject };
  });
  // CRDs first so a dependsOn on them is also the natural order in previews.
  named.sort((a, b) => Number(isCrd(b.obj)) - Number(isCrd(a.obj)));
  const objects = named.map((n) => n.obj);

  const ns = model.namespace;
  const k8sMode = model.mode === 'k8s';
  const routingService = k8sMode ? model.names.operator : model.names.mastersHeadless;
  return {
    model,
    objects,
    logicalNames: named.map((n) => n.logical),
    namespace: namespaceOutput ?? ns,
    namespaceIsInput,
    dataNodeServiceName: model.names.dataNodesHeadless,
    ...(k8sMode ? { operatorDeploymentName: model.names.operator, operatorServiceName: model.names.operator } : {}),
    routingEndpoint: withInputs(`http://${serviceHost(routingService, ns)}:${servicePort(synthesized, routingService, ns)}`) as pulumi.Input<string>,
    withInputs,
  };
}

