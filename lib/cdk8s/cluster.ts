/**
 * QuidditchCluster: a whole Quidditch cluster in one construct. Resolves and validates the props
 * once (lib/model), then composes the parts for the chosen control-plane mode:
 *   k8s  → CRDs, operator (RBAC, Deployment, Service, PDB), node admission policy, data nodes, and
 *          with `operator.finalizerAdmissionPolicy` the policy that adds the index finalizer at creation
 *   raft → Raft masters, data nodes wired to them, and the CRDs (kept for rollback; `crds: false` drops them)
 *   a `migration` step → both control planes and the step's objects (lib/model/migration.ts)
 *   both → NetworkPolicies (unless turned off); monitoring objects with `monitoring.enabled`
 *
 * The parts use cdk8s-plus-28's raw `k8s` classes rather than its high-level constructs: the
 * high-level ones add hash suffixes to names, disable service-account tokens, and have no
 * volumeClaimTemplates or PodDisruptionBudget — each of which these objects need differently.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { DATANODE_ENV } from '../model/datanode-env';
import type { QuidditchClusterProps } from '../model/props';
import { resolveCluster } from '../model/resolve';
import type { ResolvedCluster } from '../model/resolved';
import { ValidationError } from '../model/validation';
import { QuidditchCrds } from './crds';
import { QuidditchDataNodes } from './data-nodes';
import { QuidditchGrpcCertificates } from './grpc-tls';
import { QuidditchMonitoring } from './monitoring/monitoring';
import { QuidditchNetworkPolicies } from './network-policies';
import { QuidditchIndexFinalizerPolicy } from './index-finalizer-policy';
import { QuidditchNodeAdmissionPolicy } from './node-admission-policy';
import { QuidditchOperator } from './operator';
import { QuidditchIndex, QuidditchIndexOptions } from './quidditch-index';
import { QuidditchMigration } from './migration';
import { QuidditchRaftMasters } from './raft-masters';
import { findChart } from './scope';

/** A whole Quidditch cluster: CRDs, operator (k8s mode) or Raft masters (raft mode), and the data nodes, from one set of validated props. */
export class QuidditchCluster extends Construct {
  /** The resolved, validated model every part was rendered from. */
  readonly resolved: ResolvedCluster;
  /**
   * The CRDs this cluster depends on: its own, or those of the first cluster in the same Chart
   * (CRDs are cluster-wide, so a chart carries them once). Undefined with `crds: false`.
   */
  readonly crds?: QuidditchCrds;
  readonly operator?: QuidditchOperator;
  readonly raftMasters?: QuidditchRaftMasters;
  readonly dataNodes: QuidditchDataNodes;
  /** The objects of the migration step in progress (see the `migration` prop). */
  readonly migration?: QuidditchMigration;
  /** PodMonitor, PrometheusRule and dashboard; only with `monitoring.enabled`. */
  readonly monitoring?: QuidditchMonitoring;
  /** k8s mode, unless `security.nodeAdmissionPolicy: false`: data nodes write only their own QuidditchNode. */
  readonly nodeAdmissionPolicy?: QuidditchNodeAdmissionPolicy;
  /** k8s mode with `operator.finalizerAdmissionPolicy`: the API server adds the index finalizer at creation. */
  readonly indexFinalizerPolicy?: QuidditchIndexFinalizerPolicy;
  /** cert-manager Certificates of the gRPC API; only with `security.certManager` (k8s mode). */
  readonly grpcCertificates?: QuidditchGrpcCertificates;
  /** Unless `security.networkPolicies.enabled: false`. */
  readonly networkPolicies?: QuidditchNetworkPolicies;

  /** @throws ValidationError listing every invalid prop */
  constructor(scope: Construct, id: string, props: QuidditchClusterProps = {}) {
    super(scope, id);
    const chart = findChart(this);
    let cluster = resolveCluster(id, props, { defaultNamespace: chart?.namespace });
    const neighbours = this.neighbours(cluster);
    if (cluster.mode === 'k8s' && neighbours.some((n) => n.resolved.mode === 'k8s')) {
      // Two operators in one namespace: each must watch only its own indices.
      cluster = { ...cluster, operator: { ...cluster.operator, ownIndicesOnly: true } };
      for (const n of neighbours) n.watchOwnIndicesOnly();
    }
    this.resolved = cluster;
    if (cluster.crds) {
      const shared = chart?.node.findAll().find((c): c is QuidditchCrds => c instanceof QuidditchCrds);
      this.crds = shared ?? new QuidditchCrds(this, 'Crds', { cluster });
    }
    const migration = cluster.migration;
    if (cluster.mode === 'k8s') {
      // From the export step on the operator runs no replica (see lib/model/migration.ts).
      const operatorView = migration?.operatorStopped ? { ...cluster, operator: { ...cluster.operator, replicas: 0 } } : cluster;
      this.operator = new QuidditchOperator(this, 'Operator', { cluster: operatorView });
    }
    if (cluster.mode === 'raft' || migration?.masters) {
      this.raftMasters = new QuidditchRaftMasters(this, 'RaftMasters', { cluster });
    }
    if (cluster.mode === 'k8s' && cluster.security.nodeAdmissionPolicy) {
      this.nodeAdmissionPolicy = new QuidditchNodeAdmissionPolicy(this, 'NodeAdmissionPolicy', { cluster });
    }
    // Not while a migration has stopped the operator: nothing would remove the finalizer from a deleted index.
    if (cluster.mode === 'k8s' && cluster.operator.finalizerAdmissionPolicy && !migration?.operatorStopped) {
      this.indexFinalizerPolicy = new QuidditchIndexFinalizerPolicy(this, 'IndexFinalizerPolicy', { cluster });
    }
    // Data nodes follow the control plane they are switched to, which leads the mode during a migration.
    const dataNodesView = migration?.dataNodesOn === 'masters' ? { ...cluster, mode: 'raft' as const } : cluster;
    this.dataNodes = new QuidditchDataNodes(this, 'DataNodes', { cluster: dataNodesView });
    // The policy before the data nodes in the output: no window in which a node may write another's object.
    if (this.nodeAdmissionPolicy) this.dataNodes.node.addDependency(this.nodeAdmissionPolicy);
    if (migration) this.migration = new QuidditchMigration(this, 'Migration', { cluster });
    if (cluster.monitoring) this.monitoring = new QuidditchMonitoring(this, 'Monitoring', { cluster });
    if (cluster.mode === 'k8s' && cluster.security.grpcTls.kind === 'cert-manager') {
      this.grpcCertificates = new QuidditchGrpcCertificates(this, 'GrpcCertificates', { cluster });
    }
    if (cluster.security.networkPolicies.enabled) {
      this.networkPolicies = new QuidditchNetworkPolicies(this, 'NetworkPolicies', { cluster });
    }
    // CRDs first in the output: the operator and data nodes watch and create these kinds.
    if (this.crds) {
      for (const part of [this.operator, this.dataNodes]) part?.node.addDependency(this.crds);
    }
  }

  /**
   * Declares an index served by this cluster (its namespace, labels and `quidditch.io/cluster`).
   * When the cluster emits the CRDs, the index is ordered after them in the output so one
   * `kubectl apply` works.
   */
  addIndex(id: string, props: QuidditchIndexOptions): QuidditchIndex {
    const index = new QuidditchIndex(this, `Index-${id}`, { name: id, ...props, cluster: this.resolved });
    if (this.crds) for (const crd of this.crds.crds) ApiObject.of(index.apiObject).addDependency(crd);
    return index;
  }

  /**
   * The other clusters of this app in the same namespace. Throws when one has the same name: every
   * object name would collide.
   */
  private neighbours(cluster: ResolvedCluster): QuidditchCluster[] {
    const others = this.node.root.node.findAll()
      .filter((c): c is QuidditchCluster => c instanceof QuidditchCluster && c !== this && c.resolved !== undefined)
      .filter((c) => c.resolved.namespace === cluster.namespace);
    const twin = others.find((c) => c.resolved.name === cluster.name);
    if (twin) {
      throw new ValidationError('QuidditchCluster', cluster.name, [{
        path: 'name',
        value: cluster.name,
        rule: `QuidditchCluster ${twin.node.path} already uses this name in namespace "${cluster.namespace}", so every object name would collide. Set a different \`name\` or \`namespace\` on one of them`,
      }]);
    }
    return others;
  }

  /** Turns on `ownIndicesOnly` after the fact, when a second cluster joins this one's namespace. */
  private watchOwnIndicesOnly(): void {
    if (this.resolved.mode !== 'k8s' || this.resolved.operator.ownIndicesOnly || !this.operator) return;
    (this as { resolved: ResolvedCluster }).resolved = { ...this.resolved, operator: { ...this.resolved.operator, ownIndicesOnly: true } };
    this.operator.deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/args/-', `--cluster-name=${this.resolved.name}`));
    // Its data nodes name the cluster too (as dataNodeEnv does when ownIndicesOnly is set up front).
    this.dataNodes.statefulSet.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/env/-', { name: DATANODE_ENV.cluster, value: this.resolved.name }));
    this.indexFinalizerPolicy?.matchOwnIndicesOnly(this.resolved);
  }
}
