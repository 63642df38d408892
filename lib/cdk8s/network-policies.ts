/**
 * QuidditchNetworkPolicies: only who needs a port reaches it.
 *
 *   data nodes  9303  ← the operator (k8s) or the masters (raft), and the other data nodes
 *   operator    8080  ← the data nodes and the routing clients (a label the user grants)
 *   operator    9090  ← the metrics scrapers (a namespace or label the user names)
 *   masters     9300  ← the other masters (Raft); 9200 ← masters, data nodes, routing clients
 *   egress of the operator → API server (443/6443), data nodes (9303), DNS (53)
 *   egress of the masters  → masters (9300/9200), data nodes (9303), DNS (53)
 *   egress of data nodes   → other data nodes (9303, peer recovery), DNS (53), and the control
 *                            plane: k8s mode the API server (their QuidditchNode) and the
 *                            operator's 8080 (routing API) — and the masters' 9200, which exist
 *                            during a migration to raft; raft mode the masters' 9200
 *
 * A NetworkPolicy that selects a pod denies every other connection of the policy's direction
 * to it, so these policies are the whole allow-list. Kubelet probes come from the node itself,
 * which the common network plugins always allow. Egress rules apply only where the network
 * plugin enforces egress; the API server is not a pod, so it is named by address (see
 * ApiServerProps), and DNS is allowed to any address on port 53 because node-local DNS caches
 * listen on link-local addresses no pod selector matches.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DATANODE_GRPC_PORT } from '../model/datanode-env';
import { Component, selectorLabels } from '../model/labels';
import { MASTER_PORTS } from '../model/master-env';
import type { ResolvedCluster } from '../model/resolved';
import type { ResolvedPeer } from '../model/security';
import { OPERATOR_PORTS } from './operator';
import { namespacedMeta } from './pod';

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const DNS_PORTS: k8s.NetworkPolicyPort[] = [
  { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
  { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
];

/** The pods of one component of this cluster (in its namespace: a podSelector alone means that). */
function ownPods(cluster: ResolvedCluster, component: Component): k8s.NetworkPolicyPeer {
  return { podSelector: { matchLabels: selectorLabels(cluster.name, component) } };
}

/** A user-named peer: both selectors in one peer, so a pod must match both (AND). */
export function peerOf(p: ResolvedPeer): k8s.NetworkPolicyPeer {
  return {
    ...(p.namespaceLabels !== undefined ? { namespaceSelector: { matchLabels: { ...p.namespaceLabels } } } : {}),
    // Without namespace labels the peer is the cluster's namespace; without pod labels, all its pods.
    ...(p.podLabels !== undefined || p.namespaceLabels === undefined ? { podSelector: { matchLabels: { ...p.podLabels } } } : {}),
  };
}

function policy(cluster: ResolvedCluster, component: Component, name: string, spec: Omit<k8s.NetworkPolicySpec, 'podSelector'>): k8s.KubeNetworkPolicyProps {
  return { metadata: namespacedMeta(cluster, component, name), spec: { podSelector: { matchLabels: selectorLabels(cluster.name, component) }, ...spec } };
}

function apiServerEgress(cluster: ResolvedCluster): k8s.NetworkPolicyEgressRule {
  const a = cluster.security.networkPolicies.apiServer;
  return { to: a.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: a.ports.map(tcp) };
}

export function renderDataNodesNetworkPolicy(cluster: ResolvedCluster): k8s.KubeNetworkPolicyProps {
  const n = cluster.security.networkPolicies;
  const controlPlane = cluster.mode === 'k8s' ? ownPods(cluster, 'operator') : ownPods(cluster, 'master');
  // Masters' 9200 in k8s mode too: a migration to raft switches the data nodes to them, and the
  // rule selects nothing until the masters exist (it keeps the policy independent of the step).
  const masters: k8s.NetworkPolicyEgressRule = { to: [ownPods(cluster, 'master')], ports: [tcp(MASTER_PORTS.http)] };
  const controlPlaneRules: k8s.NetworkPolicyEgressRule[] = cluster.mode === 'k8s'
    ? [apiServerEgress(cluster), { to: [ownPods(cluster, 'operator')], ports: [tcp(OPERATOR_PORTS.http)] }, masters]
    : [masters];
  return policy(cluster, 'data', cluster.names.dataNodes, {
    policyTypes: n.restrictEgress ? ['Ingress', 'Egress'] : ['Ingress'],
    // Peers dial each other for shard recovery; the control plane for shard RPCs.
    ingress: [{ from: [controlPlane, ownPods(cluster, 'data')], ports: [tcp(DATANODE_GRPC_PORT)] }],
    ...(n.restrictEgress
      ? { egress: [...controlPlaneRules, { to: [ownPods(cluster, 'data')], ports: [tcp(DATANODE_GRPC_PORT)] }, { ports: DNS_PORTS }] }
      : {}),
  });
}

/** Egress to what a control plane dials: its peers' ports, the data nodes and DNS, plus `extra`. */
function controlPlaneEgress(cluster: ResolvedCluster, extra: k8s.NetworkPolicyEgressRule[]): Pick<k8s.NetworkPolicySpec, 'egress'> {
  return {
    egress: [
      ...extra,
      { to: [ownPods(cluster, 'data')], ports: [tcp(DATANODE_GRPC_PORT)] },
      { ports: DNS_PORTS },
    ],
  };
}

export function renderOperatorNetworkPolicy(cluster: ResolvedCluster): k8s.KubeNetworkPolicyProps {
  const n = cluster.security.networkPolicies;
  const apiServer = apiServerEgress(cluster);
  return policy(cluster, 'operator', cluster.names.operator, {
    policyTypes: n.restrictEgress ? ['Ingress', 'Egress'] : ['Ingress'],
    ingress: [
      { from: [ownPods(cluster, 'data'), peerOf(n.routingClients)], ports: [tcp(OPERATOR_PORTS.http)] },
      { from: [peerOf(n.metricsScrapers)], ports: [tcp(OPERATOR_PORTS.metrics)] },
    ],
    ...(n.restrictEgress ? controlPlaneEgress(cluster, [apiServer]) : {}),
  });
}

export function renderMastersNetworkPolicy(cluster: ResolvedCluster): k8s.KubeNetworkPolicyProps {
  const n = cluster.security.networkPolicies;
  const masters = ownPods(cluster, 'master');
  return policy(cluster, 'master', cluster.names.masters, {
    policyTypes: n.restrictEgress ? ['Ingress', 'Egress'] : ['Ingress'],
    ingress: [
      { from: [masters], ports: [tcp(MASTER_PORTS.raft)] },
      { from: [masters, ownPods(cluster, 'data'), peerOf(n.routingClients)], ports: [tcp(MASTER_PORTS.http)] },
    ],
    ...(n.restrictEgress ? controlPlaneEgress(cluster, [{ to: [masters], ports: [tcp(MASTER_PORTS.raft), tcp(MASTER_PORTS.http)] }]) : {}),
  });
}

/** Props of QuidditchNetworkPolicies. */
export interface QuidditchNetworkPoliciesProps {
  /** The resolved cluster (see resolveCluster). */
  readonly cluster: ResolvedCluster;
}

/** One NetworkPolicy per component, named like the component's workload. */
export class QuidditchNetworkPolicies extends Construct {
  readonly policies: k8s.KubeNetworkPolicy[];

  constructor(scope: Construct, id: string, props: QuidditchNetworkPoliciesProps) {
    super(scope, id);
    const c = props.cluster;
    const controlPlane = c.mode === 'k8s'
      ? new k8s.KubeNetworkPolicy(this, 'Operator', renderOperatorNetworkPolicy(c))
      : new k8s.KubeNetworkPolicy(this, 'Masters', renderMastersNetworkPolicy(c));
    this.policies = [controlPlane, new k8s.KubeNetworkPolicy(this, 'DataNodes', renderDataNodesNetworkPolicy(c))];
  }
}
