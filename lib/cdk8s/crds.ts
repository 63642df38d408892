/**
 * QuidditchCrds: the three CustomResourceDefinitions, rendered from lib/api/v1 — the same source
 * as crds/*.yaml, so the constructs and the committed files cannot differ in anything but labels.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { renderCrds } from '../api/v1/crds';
import { APP_NAME, LABEL_KEYS, MANAGED_BY, recommendedLabels } from '../model/labels';
import type { ResolvedCluster } from '../model/resolved';
import { PACKAGE_VERSION } from '../model/version';
import { clusterScoped } from './scope';

/** Props of QuidditchCrds. */
export interface QuidditchCrdsProps {
  /**
   * Cluster whose labels the CRDs carry. CRDs are cluster-scoped and shared by every Quidditch
   * cluster in the Kubernetes cluster, so without one they carry no `instance` label.
   * @default none
   */
  readonly cluster?: ResolvedCluster;
}

export function crdLabels(cluster?: ResolvedCluster): Record<string, string> {
  if (cluster) return recommendedLabels(cluster.name, 'crds', cluster.version, cluster.labels);
  return {
    [LABEL_KEYS.name]: APP_NAME,
    [LABEL_KEYS.component]: 'crds',
    [LABEL_KEYS.partOf]: APP_NAME,
    [LABEL_KEYS.managedBy]: MANAGED_BY,
    [LABEL_KEYS.version]: PACKAGE_VERSION,
  };
}

/** The three quidditch.io/v1 CustomResourceDefinitions (cluster-scoped; one copy per chart). */
export class QuidditchCrds extends Construct {
  /** One ApiObject per CRD, in RESOURCE_DEFINITIONS order. */
  readonly crds: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: QuidditchCrdsProps = {}) {
    super(scope, id);
    const labels = crdLabels(props.cluster);
    // Plain ApiObjects, not KubeCustomResourceDefinition: its typed props would need the schema
    // re-spelled in camelCase (xKubernetesValidations…); the rendered JSON is already wire format.
    this.crds = renderCrds().map(
      (crd) => clusterScoped(new ApiObject(this, crd.metadata.name, {
        apiVersion: crd.apiVersion,
        kind: crd.kind,
        metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...labels } },
        spec: crd.spec,
      })),
    );
  }
}
