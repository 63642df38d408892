/**
 * What the QuidditchClusters of one Pulumi program have declared per Kubernetes provider (one
 * Kubernetes cluster): who registered the CRDs, and which clusters run in which namespace.
 *
 * Why: CRDs are cluster-wide. Two components registering them would give two resources with the
 * same URN (a child's URN carries its parent's type, not its name) and, worse, a `destroy` of one
 * stack member would delete the CRDs (and every index) under the other. So the first cluster per
 * provider registers them and later ones depend on those. The scope is per program run (keyed by
 * the engine connection, which mocks also replace) and per provider object.
 */
import * as pulumi from '@pulumi/pulumi';
import type { ResolvedCluster } from '../model/resolved';

export interface DeclaredCluster {
  /** Pulumi name of the component, for messages. */
  readonly component: string;
  readonly model: ResolvedCluster;
}

export interface ProviderScope {
  /** The CRD resources of the first cluster that registered them, and its name. */
  crds?: { readonly owner: string; readonly resources: pulumi.Resource[] };
  readonly clusters: DeclaredCluster[];
}

const runs = new WeakMap<object, Map<unknown, ProviderScope>>();
/** Stand-in for the engine connection before one exists (nothing registers then anyway). */
const NO_ENGINE = {};

/** The Kubernetes provider the options select, or undefined for the ambient one. */
export function kubernetesProvider(opts: pulumi.ComponentResourceOptions | undefined): unknown {
  if (opts?.provider) return opts.provider;
  const providers = opts?.providers;
  // getPackage() is public at run time but not in the SDK's declarations.
  if (Array.isArray(providers)) return providers.find((p) => (p as { getPackage?: () => string }).getPackage?.() === 'kubernetes');
  if (providers && typeof providers === 'object') return (providers as Record<string, unknown>).kubernetes;
  return undefined;
}

export function providerScope(opts: pulumi.ComponentResourceOptions | undefined): ProviderScope {
  const engine = (pulumi.runtime.getMonitor() as object | undefined) ?? NO_ENGINE;
  let byProvider = runs.get(engine);
  if (!byProvider) runs.set(engine, (byProvider = new Map<unknown, ProviderScope>()));
  const key = kubernetesProvider(opts) ?? 'ambient';
  let scope = byProvider.get(key);
  if (!scope) byProvider.set(key, (scope = { clusters: [] }));
  return scope;
}

/**
 * Throws when `model` cannot join the clusters already declared: the same name in the same
 * namespace (every object would collide), or two operators in one namespace that would both
 * reconcile every index there.
 */
export function checkNeighbours(scope: ProviderScope, component: string, model: ResolvedCluster): void {
  const here = scope.clusters.filter((c) => c.model.namespace === model.namespace);
  const twin = here.find((c) => c.model.name === model.name);
  if (twin) {
    throw new Error(
      `Unable to register QuidditchCluster ${component}: name = "${model.name}": QuidditchCluster ${twin.component} already uses this name in namespace "${model.namespace}", so every object would collide. Set a different \`name\` or \`namespace\` on one of them.`,
    );
  }
  if (model.mode !== 'k8s') return;
  const sharing = here.find((c) => c.model.mode === 'k8s' && !(c.model.operator.ownIndicesOnly && model.operator.ownIndicesOnly));
  if (sharing) {
    throw new Error(
      `Unable to register QuidditchCluster ${component}: QuidditchCluster ${sharing.component} also runs an operator in namespace "${model.namespace}", and both would reconcile every index there. Set \`operator: { ownIndicesOnly: true }\` on both (each then serves the indices labelled quidditch.io/cluster=<its name>, which QuidditchIndex sets), or use another namespace.`,
    );
  }
}
