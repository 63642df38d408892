/**
 * QuidditchCluster: a whole Quidditch cluster in one construct. Resolves and validates the props
 * once (lib/model), then composes the parts for the chosen control-plane mode:
 *   k8s  → CRDs, operator (RBAC, Deployment, Service, PDB), data nodes
 *   raft → Raft masters, data nodes wired to them, and the CRDs (kept for rollback; `crds: false` drops them)
 *   a `migration` step → both control planes and the step's objects (lib/model/migration.ts)
 *
 * The parts use cdk8s-plus-28's raw `k8s` classes rather than its high-level constructs: the
 * high-level ones add hash suffixes to names, disable service-account tokens, and have no
 * volumeClaimTemplates or PodDisruptionBudget — each of which these objects need differently.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { QuidditchClusterProps } from '../model/props';
import { resolveCluster } from '../model/resolve';
import type { ResolvedCluster } from '../model/resolved';
import { QuidditchCrds } from './crds';
import { QuidditchDataNodes } from './data-nodes';
import { QuidditchOperator } from './operator';
import { QuidditchIndex, QuidditchIndexProps } from './quidditch-index';
import { QuidditchMigration } from './migration';
import { QuidditchRaftMasters } from './raft-masters';

export class QuidditchCluster extends Construct {
  /** The resolved, validated model every part was rendered from. */
  readonly resolved: ResolvedCluster;
  readonly crds?: QuidditchCrds;
  readonly operator?: QuidditchOperator;
  readonly raftMasters?: QuidditchRaftMasters;
  readonly dataNodes: QuidditchDataNodes;
  /** The objects of the migration step in progress (see the `migration` prop). */
  readonly migration?: QuidditchMigration;

  /** @throws ValidationError listing every invalid prop */
  constructor(scope: Construct, id: string, props: QuidditchClusterProps = {}) {
    super(scope, id);
    const cluster = resolveCluster(id, props);
    this.resolved = cluster;
    if (cluster.crds) this.crds = new QuidditchCrds(this, 'Crds', { cluster });
    const migration = cluster.migration;
    if (cluster.mode === 'k8s') {
      // From the export step on the operator runs no replica (see lib/model/migration.ts).
      const operatorView = migration?.operatorStopped ? { ...cluster, operator: { ...cluster.operator, replicas: 0 } } : cluster;
      this.operator = new QuidditchOperator(this, 'Operator', { cluster: operatorView });
    }
    if (cluster.mode === 'raft' || migration?.masters) {
      this.raftMasters = new QuidditchRaftMasters(this, 'RaftMasters', { cluster });
    }
    // Data nodes follow the control plane they are switched to, which leads the mode during a migration.
    const dataNodesView = migration?.dataNodesOn === 'masters' ? { ...cluster, mode: 'raft' as const } : cluster;
    this.dataNodes = new QuidditchDataNodes(this, 'DataNodes', { cluster: dataNodesView });
    if (migration) this.migration = new QuidditchMigration(this, 'Migration', { cluster });
    // CRDs first in the output: the operator and data nodes watch and create these kinds.
    if (this.crds) {
      for (const part of [this.operator, this.dataNodes]) part?.node.addDependency(this.crds);
    }
  }

  /**
   * Declares an index served by this cluster (its namespace and labels). When the cluster emits
   * the CRDs, the index is ordered after them in the output so one `kubectl apply` works.
   */
  addIndex(id: string, props: Omit<QuidditchIndexProps, 'cluster'>): QuidditchIndex {
    const index = new QuidditchIndex(this, `Index-${id}`, { name: id, ...props, cluster: this.resolved });
    if (this.crds) for (const crd of this.crds.crds) ApiObject.of(index.apiObject).addDependency(crd);
    return index;
  }
}
