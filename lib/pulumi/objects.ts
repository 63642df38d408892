/**
 * Pure helpers that turn the synthesized Kubernetes objects into what the Pulumi component
 * registers: stable logical names, creation order, and the provider's await/delete annotations.
 */

/** The shape of a synthesized manifest, as far as this module needs to know it. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Record<string, string>; readonly [k: string]: unknown };
  readonly [field: string]: unknown;
}

/** How the Kubernetes provider deletes an object (annotation `pulumi.com/deletionPropagationPolicy`). */
export type DeletionPropagation = 'foreground' | 'background' | 'orphan';

export const SKIP_AWAIT_ANNOTATION = 'pulumi.com/skipAwait';
export const DELETION_PROPAGATION_ANNOTATION = 'pulumi.com/deletionPropagationPolicy';

/**
 * Kinds whose readiness the provider derives from pods: it waits for a rollout (workloads) or
 * for ready endpoints (Services with a selector). Without a kubelet these never become ready.
 */
const POD_BACKED_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Pod', 'Service']);

export function isCrd(obj: KubeObject): boolean {
  return obj.kind === 'CustomResourceDefinition' && obj.apiVersion.startsWith('apiextensions.k8s.io/');
}

export function isPodBacked(obj: KubeObject): boolean {
  return POD_BACKED_KINDS.has(obj.kind);
}

/**
 * Logical Pulumi name: `<namespace>/<name>` or `<name>` for cluster-scoped objects, the same
 * convention as `yaml.v2`. The type token (group/version/kind) is already part of the URN, so this
 * is unique exactly when the Kubernetes object is.
 */
export function logicalName(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}

/** Returns a copy with extra annotations; the input object is not modified. */
export function withAnnotations(obj: KubeObject, extra: Readonly<Record<string, string>>): KubeObject {
  if (Object.keys(extra).length === 0) return obj;
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...(obj.metadata.annotations ?? {}), ...extra } } };
}

export interface ProviderBehaviour {
  readonly skipAwait: boolean;
  readonly deletionPropagation?: DeletionPropagation;
}

/** Annotations the Kubernetes provider reads for one object. */
export function providerAnnotations(obj: KubeObject, b: ProviderBehaviour): Record<string, string> {
  return {
    ...(b.skipAwait && isPodBacked(obj) ? { [SKIP_AWAIT_ANNOTATION]: 'true' } : {}),
    ...(b.deletionPropagation ? { [DELETION_PROPAGATION_ANNOTATION]: b.deletionPropagation } : {}),
  };
}

/** Throws when two objects would get the same type and logical name (a renderer bug, not user input). */
export function assertUniqueObjects(objs: readonly KubeObject[], owner: string): void {
  const seen = new Set<string>();
  for (const o of objs) {
    const key = `${o.apiVersion}:${o.kind}:${logicalName(o)}`;
    if (seen.has(key)) {
      throw new Error(`Unable to register QuidditchCluster ${owner}: two objects are both ${key}. Report this: each object must be unique.`);
    }
    seen.add(key);
  }
}
