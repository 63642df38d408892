/**
 * Planning for the Pulumi QuidditchCluster, kept free of resource creation: synthesize the same
 * objects the cdk8s chart renders from the plain props, add the provider's annotations, work out
 * the component's outputs from the objects themselves, and — when props are Inputs — synthesize
 * the objects' content again once they resolve (input-props.ts explains the split).
 */
import * as pulumi from '@pulumi/pulumi';
import { synthesizeClusterManifests } from '../cdk8s/manifests';
import { serviceHost } from '../model/names';
import type { QuidditchClusterProps } from '../model/props';
import { resolveCluster } from '../model/resolve';
import type { ResolvedCluster } from '../model/resolved';
import type { QuidditchClusterArgs } from './args';
import { InputProp, isInput, resolvePlain, splitInputs, withValues } from './input-props';
import { checkNamespace, NAMESPACE_PLACEHOLDER, replaceText, spliceInput } from './namespace-input';
import { assertUniqueObjects, isCrd, KubeObject, logicalName, ProviderBehaviour, providerAnnotations, withAnnotations } from './objects';

export type { QuidditchClusterArgs } from './args';

export interface ClusterPlan {
  /** The resolved model of the plain props (Inputs at their defaults; the namespace a placeholder if an Input). */
  readonly model: ResolvedCluster;
  /** Objects in registration order: CRDs first. Fields that depend on Inputs are Outputs. */
  readonly objects: readonly KubeObject[];
  /** Logical Pulumi name of each object (same order): `<namespace>/<name>`, `ns-of-<cluster>` for an Input namespace. */
  readonly logicalNames: readonly string[];
  readonly namespace: pulumi.Input<string>;
  /** Whether the namespace is an Input (then `model.namespace` is a placeholder). */
  readonly namespaceIsInput: boolean;
  /** Resolves once the Inputs are validated and the objects synthesized; fails with the validation error. Undefined without Inputs. */
  readonly resolution?: pulumi.Output<unknown>;
  /** The props given as Inputs (namespace aside). */
  readonly inputs: readonly InputProp[];
  /** The cluster's `labels` once resolved, when they are an Input (QuidditchIndex carries them). */
  readonly inputLabels?: pulumi.Output<Readonly<Record<string, string>>>;
  readonly dataNodeServiceName: string;
  /** Undefined in raft mode (no operator). */
  readonly operatorDeploymentName?: string;
  readonly operatorServiceName?: string;
  /** `https://<service>.<namespace>.svc:<port>` of the routing API (operator in k8s mode; `http://` with plaintext gRPC and for the masters in raft mode). */
  readonly routingEndpoint: pulumi.Input<string>;
  /** Puts the Input namespace in place of its placeholder (identity when the namespace is plain). */
  readonly withInputs: (value: unknown) => unknown;
}

const PULUMI_ONLY = ['skipAwait', 'deletionPropagation', 'deleteCrdsOnDestroy'] as const;
/** Metadata fields the resolved Inputs may fill; name and namespace come from the plan. */
const RESOLVED_METADATA = ['name', 'namespace', 'labels', 'annotations'];
const keyOf = (o: KubeObject) => `${o.apiVersion}:${o.kind}:${logicalName(o)}`;

function servicePort(objs: readonly KubeObject[], name: string, namespace: string): number {
  const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace);
  const ports = ((svc?.spec as { ports?: { name?: string; port: number }[] } | undefined)?.ports) ?? [];
  const port = ports.find((p) => p.name === 'http') ?? ports[0];
  if (!port) {
    throw new Error(`Unable to plan QuidditchCluster ${name}: no Service ${namespace}/${name} with a port was synthesized. Report this: the routing endpoint needs it.`);
  }
  return port.port;
}

/** The objects of `props`, annotated for the provider, keyed by `<apiVersion>:<kind>:<logical name>`. */
function synthesize(name: string, props: QuidditchClusterProps, behaviour: ProviderBehaviour): Map<string, KubeObject> {
  const objs = synthesizeClusterManifests(props, name) as KubeObject[];
  assertUniqueObjects(objs, name);
  return new Map(objs.map((o) => { const a = withAnnotations(o, providerAnnotations(o, behaviour)); return [keyOf(a), a]; }));
}

/**
 * The objects' content from the resolved Inputs: synthesized (and so validated) again with the
 * values in place. The set of objects and their top-level fields must be the planned ones — an
 * Input only fills fields — so anything else is a bug to report, not a user error.
 */
export function synthesizeResolved(name: string, plan: { plain: QuidditchClusterProps; inputs: readonly InputProp[]; planned: ReadonlyMap<string, KubeObject>; behaviour: ProviderBehaviour },
  values: readonly unknown[], namespace: string): Map<string, KubeObject> {
  const props = withValues(plan.plain, plan.inputs, values);
  const objs = synthesize(name, props, plan.behaviour);
  for (const [key, planned] of plan.planned) {
    const o = objs.get(key);
    const same = o !== undefined && Object.keys(o).sort().join() === Object.keys(planned).sort().join()
      && o.metadata.name === planned.metadata.name && o.metadata.namespace === planned.metadata.namespace
      && Object.keys(o.metadata).every((k) => RESOLVED_METADATA.includes(k));
    if (!same || objs.size !== plan.planned.size) {
      throw new Error(`Unable to deploy QuidditchCluster ${name}: the resolved Inputs changed the objects (at ${key}). Report this: an Input may only fill fields.`);
    }
  }
  return new Map([...objs].map(([k, o]) => [k, replaceText(o, NAMESPACE_PLACEHOLDER, namespace)]));
}

/**
 * Runs `fn` inside an apply; a failure is also logged as a Pulumi error. The throw keeps the invalid
 * objects from being registered; the logged error is what makes the update fail even where the
 * runtime never sees the unhandled rejection the throw becomes (e.g. an inline program under a test
 * runner): otherwise the engine takes the unregistered objects for removed ones and deletes them.
 */
export function failLoudly<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    void pulumi.log.error(err instanceof Error ? err.message : String(err));
    throw err;
  }
}

/** Plans the objects and outputs of a cluster named `name`; throws the model's ValidationError on invalid plain props. */
export function planCluster(name: string, args: QuidditchClusterArgs = {}): ClusterPlan {
  for (const key of PULUMI_ONLY) {
    if (isInput(args[key])) throw new Error(`Unable to plan QuidditchCluster ${name}: ${key} is a Pulumi Input, but it sets how the objects are registered, so it must be known when the program runs. Pass a plain value.`);
  }
  const { skipAwait, deletionPropagation, deleteCrdsOnDestroy: _c, namespace, ...rest } = args;
  const namespaceIsInput = namespace !== undefined && typeof namespace !== 'string';
  const split = splitInputs(name, { ...rest, ...(namespace !== undefined ? { namespace: namespaceIsInput ? NAMESPACE_PLACEHOLDER : namespace } : {}) });
  const namespaceOutput = namespaceIsInput ? pulumi.output(namespace).apply((ns) => failLoudly(() => checkNamespace(name, ns))) : undefined;
  const withInputs = (value: unknown): unknown => (namespaceOutput ? spliceInput(value, NAMESPACE_PLACEHOLDER, namespaceOutput) : value);
  // Plain problems throw here, when the program runs; those an Input may cause wait for its value.
  const { props: planProps, result: model } = resolvePlain(split.plain, split.inputs, (p) => resolveCluster(name, p));
  const behaviour: ProviderBehaviour = { skipAwait: skipAwait ?? false, deletionPropagation };
  const planned = synthesize(name, planProps, behaviour);

  const resolved = split.inputs.length === 0 ? undefined
    : pulumi.all([namespaceOutput ?? model.namespace, pulumi.all(split.inputs.map((i) => i.value))])
      .apply(([ns, values]) => failLoudly(() => synthesizeResolved(name, { plain: split.plain, inputs: split.inputs, planned, behaviour }, values, ns)));
  const named = [...planned].map(([key, obj]) => {
    const logical = logicalName(obj).split(NAMESPACE_PLACEHOLDER).join(`ns-of-${name}`);
    if (!resolved) return { logical, obj: withInputs(obj) as KubeObject };
    // Field by field, so a preview shows which fields are still unknown; name and namespace never
    // wait for the other Inputs (the provider needs them to plan the object).
    const field = (k: string) => resolved.apply((m) => (m.get(key) as Record<string, unknown>)[k]);
    const meta = (k: string) => resolved.apply((m) => (m.get(key) as KubeObject).metadata[k]);
    const metadata = {
      ...(withInputs({ name: obj.metadata.name, ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}) }) as object),
      labels: meta('labels'),
      annotations: meta('annotations'),
    };
    const fields = Object.keys(obj).filter((k) => !['apiVersion', 'kind', 'metadata'].includes(k)).map((k) => [k, field(k)]);
    return { logical, obj: { apiVersion: obj.apiVersion, kind: obj.kind, metadata, ...Object.fromEntries(fields) } as KubeObject };
  });
  // CRDs first so a dependsOn on them is also the natural order in previews.
  named.sort((a, b) => Number(isCrd(b.obj)) - Number(isCrd(a.obj)));

  const labelsInput = split.inputs.find((i) => i.path.length === 1 && i.path[0] === 'labels');
  const ns = model.namespace;
  const k8sMode = model.mode === 'k8s';
  const routingService = k8sMode ? model.names.operator : model.names.mastersHeadless;
  return {
    model,
    objects: named.map((n) => n.obj),
    logicalNames: named.map((n) => n.logical),
    namespace: namespaceOutput ?? ns,
    namespaceIsInput,
    inputs: split.inputs,
    ...(resolved ? { resolution: resolved.apply(() => true) } : namespaceOutput ? { resolution: namespaceOutput } : {}),
    ...(labelsInput ? { inputLabels: labelsInput.value as pulumi.Output<Record<string, string>> } : {}),
    dataNodeServiceName: model.names.dataNodesHeadless,
    ...(k8sMode ? { operatorDeploymentName: model.names.operator, operatorServiceName: model.names.operator } : {}),
    // The operator serves HTTPS (client certificates) unless gRPC is plaintext; the masters' 9200 is the engine's.
    routingEndpoint: withInputs(`${k8sMode && model.security.grpcTls.kind !== 'insecure-plaintext' ? 'https' : 'http'}://${serviceHost(routingService, ns)}:${servicePort([...planned.values()], routingService, ns)}`) as pulumi.Input<string>,
    withInputs,
  };
}
