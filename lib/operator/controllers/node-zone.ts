/**
 * Pure: which zone a data node is in, for the allocator's zone spreading. An explicit spec.zone wins
 * (a node outside Kubernetes, or a person overriding); otherwise the topology.kubernetes.io/zone label
 * of the Kubernetes Node named in spec.kubernetesNode (the pod's spec.nodeName). The operator writes
 * the result to status.zone and says how it got it in the ZoneResolved condition.
 */
import { ZONE_LABEL } from '../../api/v1';
import type { QuidditchNode } from '../../api/v1';
import type { ZoneLookup } from '../kube/node-zones';
import type { ConditionInput } from './conditions';

export const ZONE_CONDITION = 'ZoneResolved';

export interface ZoneResolution {
  /** status.zone to write; undefined removes it. */
  readonly zone: string | undefined;
  /** The ZoneResolved condition; undefined removes it (the node names neither a zone nor a Kubernetes node). */
  readonly condition: ConditionInput | undefined;
}

/** The Kubernetes Node to read for `node`, or undefined when its zone does not come from one. */
export function kubernetesNodeToRead(node: Pick<QuidditchNode, 'spec'>): string | undefined {
  return node.spec.zone ? undefined : node.spec.kubernetesNode || undefined;
}

/**
 * `lookup` is what reading spec.kubernetesNode answered. Returns undefined when nothing should change:
 * the node names a Kubernetes node that was not read (e.g. it changed since the read).
 */
export function resolveZone(node: Pick<QuidditchNode, 'spec' | 'status'>, lookup: ZoneLookup | undefined): ZoneResolution | undefined {
  const { zone, kubernetesNode } = node.spec;
  if (zone) {
    return { zone, condition: { type: ZONE_CONDITION, status: 'True', reason: 'SpecZone', message: `Zone ${zone} is set in spec.zone, which wins over the zone of the Kubernetes node.` } };
  }
  if (!kubernetesNode) return { zone: undefined, condition: undefined };
  if (lookup?.node !== kubernetesNode) return undefined;
  // A Node that cannot be read now keeps the zone last read: spreading by a stale zone is safer than by none.
  const last = node.status?.zone;
  const kept = last ? ` It keeps its last zone, ${last}.` : ' Until then it counts in one shared zone with every node without a zone.';
  switch (lookup.kind) {
    case 'found':
      return lookup.zone
        ? { zone: lookup.zone, condition: { type: ZONE_CONDITION, status: 'True', reason: 'KubernetesNodeLabel', message: `Zone ${lookup.zone} from the ${ZONE_LABEL} label of Kubernetes Node ${kubernetesNode}.` } }
        : {
            zone: undefined,
            condition: {
              type: ZONE_CONDITION, status: 'False', reason: 'NoZoneLabel',
              message: `Kubernetes Node ${kubernetesNode} has no ${ZONE_LABEL} label, so the node counts in one shared zone with every node without a zone. Label the Node, or set spec.zone.`,
            },
          };
    case 'missing':
      return { zone: last, condition: { type: ZONE_CONDITION, status: 'False', reason: 'KubernetesNodeNotFound', message: `Kubernetes Node ${kubernetesNode} (spec.kubernetesNode) does not exist.${kept}` } };
    case 'failed': {
      const fix = lookup.code === 403 ? ' Grant the operator get on nodes (its ClusterRole does by default).' : '';
      return { zone: last, condition: { type: ZONE_CONDITION, status: 'False', reason: 'ZoneLookupFailed', message: `Unable to read Kubernetes Node ${kubernetesNode}: ${lookup.message}.${fix}${kept}` } };
    }
  }
}
