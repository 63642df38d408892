/**
 * The app.kubernetes.io recommended labels
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/).
 */
export const APP_NAME = 'quidditch';
/** The tool that renders the objects: this package, for cdk8s and Pulumi alike (they render the same objects). */
export const MANAGED_BY = 'quidditch-k8s';
/** Label on data-node pods naming their storage tier, for node affinity and `kubectl get -l`. */
export const TIER_LABEL = 'quidditch.io/tier';
/**
 * Label on a QuidditchIndex naming the QuidditchCluster that serves it. An operator started with
 * `--cluster-name` watches only the indices carrying its name (two clusters in one namespace).
 */
export const CLUSTER_LABEL = 'quidditch.io/cluster';

export type Component = 'operator' | 'data' | 'master' | 'crds' | 'index' | 'migration';

export const LABEL_KEYS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  version: 'app.kubernetes.io/version',
} as const;

/** Label keys the constructs own; user labels may not override them (selectors depend on some). */
export const RESERVED_LABEL_KEYS: readonly string[] = [...Object.values(LABEL_KEYS), TIER_LABEL, CLUSTER_LABEL];

/**
 * Labels that select a component's pods. Deliberately without version: a selector is immutable
 * on Deployments and StatefulSets, so it must not change on upgrade.
 */
export function selectorLabels(instance: string, component: Component): Record<string, string> {
  return {
    [LABEL_KEYS.name]: APP_NAME,
    [LABEL_KEYS.instance]: instance,
    [LABEL_KEYS.component]: component,
  };
}

/** All recommended labels of one object, after the user's extra labels (which cannot override them). */
export function recommendedLabels(
  instance: string,
  component: Component,
  version: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...extra,
    ...selectorLabels(instance, component),
    [LABEL_KEYS.partOf]: APP_NAME,
    [LABEL_KEYS.managedBy]: MANAGED_BY,
    [LABEL_KEYS.version]: version,
  };
}
