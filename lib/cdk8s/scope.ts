/**
 * Where a construct sits in a cdk8s app: its Chart (whose namespace is the default for namespaced
 * objects) and the rule that keeps cluster-scoped objects free of that namespace.
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import type { IConstruct } from 'constructs';

/** The nearest enclosing Chart, if any. */
export function findChart(scope: IConstruct): Chart | undefined {
  return [...scope.node.scopes].reverse().find((s): s is Chart => Chart.isChart(s));
}

/**
 * cdk8s gives every ApiObject without a namespace its Chart's namespace, also cluster-scoped kinds
 * (it does not know which kinds are). The API server rejects or ignores `metadata.namespace` on
 * CRDs and ClusterRoles depending on the tool, so it is removed here.
 */
export function clusterScoped<T extends ApiObject>(obj: T): T {
  if (findChart(obj)?.namespace !== undefined) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return obj;
}
