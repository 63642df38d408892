import { quidditchIndexDefinition } from './quidditch-index';
import { quidditchNodeDefinition } from './quidditch-node';
import { shardAllocationDefinition } from './shard-allocation';
import { API_GROUP, API_VERSION, CATEGORY, JSONSchema, ResourceDefinition } from './schema';

export const RESOURCE_DEFINITIONS: readonly ResourceDefinition[] = [
  quidditchIndexDefinition,
  quidditchNodeDefinition,
  shardAllocationDefinition,
];

/**
 * Annotations every CRD carries so that no deployment tool deletes it on its own. In k8s mode the
 * custom resources *are* the cluster state: deleting a CRD deletes every QuidditchIndex and its
 * allocations with it, so removal must always be a deliberate, separate act.
 *  - Helm skips the delete on uninstall, upgrade and rollback (`helm.sh/resource-policy: keep`).
 *  - Argo CD never prunes it during a sync (`Prune=false`), even when it leaves the rendered output.
 *  - Flux's kustomize-controller does not garbage-collect it (`prune: disabled`).
 * kubectl has no such annotation: `kubectl apply --prune` keeps the CRDs because every output of the
 * constructs contains them (raft mode too, see QuidditchClusterProps.crds).
 */
export const CRD_RETENTION_ANNOTATIONS: Readonly<Record<string, string>> = {
  'helm.sh/resource-policy': 'keep',
  'argocd.argoproj.io/sync-options': 'Prune=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};

/** A CustomResourceDefinition manifest, as plain JSON. */
export interface CustomResourceDefinitionManifest {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** Renders one resource definition as a CRD (pure; the single place the CRD shape is decided). */
export function renderCrd(def: ResourceDefinition): CustomResourceDefinitionManifest {
  const schema: JSONSchema = {
    type: 'object',
    description: def.description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { type: 'object' },
      spec: def.specSchema,
      status: def.statusSchema,
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${API_GROUP}`, annotations: { ...CRD_RETENTION_ANNOTATIONS } },
    spec: {
      group: API_GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: [...def.shortNames],
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: schema },
        },
      ],
    },
  };
}

export function renderCrds(): CustomResourceDefinitionManifest[] {
  return RESOURCE_DEFINITIONS.map(renderCrd);
}

/** File name of a CRD under crds/, as controller-gen names them. */
export function crdFileName(def: ResourceDefinition): string {
  return `${API_GROUP}_${def.plural}.yaml`;
}
