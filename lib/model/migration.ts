/**
 * The k8s → raft migration as a sequence of prop values (README, "Changing modes"). Each step is one
 * `kubectl apply` / `pulumi up` and is safe to repeat; applying the previous step's props rolls back.
 *
 *   step                 mode   operator      masters  CRD writes                   export Job  data nodes on
 *   (none)               k8s    running       —        allowed                      —           operator
 *   add-masters          k8s    running       waiting  allowed                      —           operator
 *   read-only            k8s    running       waiting  operator only                —           operator
 *   export               k8s    0 replicas    waiting  nobody                       yes         operator
 *   switch-data-nodes    k8s    0 replicas    serving  nobody                       yes         masters
 *   complete             raft   removed       serving  nobody                       —           masters
 *
 * Why the operator is scaled to 0 at `export` rather than removed: it must stop acting before the
 * data nodes stop heartbeating through the CRDs (it would mark every node UNHEALTHY and re-plan), and
 * a Deployment at 0 replicas comes back with one apply if the migration is rolled back.
 */
import type { QuidditchClusterProps } from './props';
import type { ResolvedCluster, ResolvedMode } from './resolved';
import { isOneOf, Problems } from './validation';

export const MIGRATION_STEPS = ['add-masters', 'read-only', 'export', 'switch-data-nodes', 'complete'] as const;
export type MigrationStep = (typeof MIGRATION_STEPS)[number];

/** Who may still write the quidditch.io objects: everyone, only the operator (finishing in-flight work), or nobody. */
export type CrdWriters = 'everyone' | 'operator' | 'nobody';

export interface MigrationPlan {
  readonly step: MigrationStep;
  /** Raft masters are rendered (waiting for the exported state until the export step has run). */
  readonly masters: boolean;
  /** The operator Deployment is rendered (possibly at 0 replicas). */
  readonly operator: boolean;
  /** The operator runs no replica: nothing may change the state being copied. */
  readonly operatorStopped: boolean;
  readonly crdWriters: CrdWriters;
  /** The Job that exports the state into the masters' initial-state ConfigMap. */
  readonly exportJob: boolean;
  /** Which control plane the data nodes register with and take orders from. */
  readonly dataNodesOn: 'operator' | 'masters';
}

/** The mode a migration step must be applied with. */
export function modeOfStep(step: MigrationStep): ResolvedMode {
  return step === 'complete' ? 'raft' : 'k8s';
}

/** Pure: what a step renders. */
export function migrationPlan(step: MigrationStep): MigrationPlan {
  const at = MIGRATION_STEPS.indexOf(step);
  const reached = (s: MigrationStep) => at >= MIGRATION_STEPS.indexOf(s);
  return {
    step,
    masters: true,
    operator: step !== 'complete',
    operatorStopped: reached('export'),
    crdWriters: reached('export') ? 'nobody' : reached('read-only') ? 'operator' : 'everyone',
    exportJob: step === 'export' || step === 'switch-data-nodes',
    dataNodesOn: reached('switch-data-nodes') ? 'masters' : 'operator',
  };
}

/** The step before `step` (undefined before the first): what to apply to roll `step` back. */
export function previousStep(step: MigrationStep): MigrationStep | undefined {
  return MIGRATION_STEPS[MIGRATION_STEPS.indexOf(step) - 1];
}

/** The migration's rules on the other props (see resolveCluster). */
export function validateMigration(problems: Problems, c: Pick<ResolvedCluster, 'mode' | 'crds'>, props: Pick<QuidditchClusterProps, 'migration' | 'mode'>): void {
  const step = props.migration;
  if (step === undefined) return;
  if (!problems.check(isOneOf(MIGRATION_STEPS, step), 'migration', step, `must be one of ${MIGRATION_STEPS.join(', ')} (in that order; the previous step rolls one back)`)) return;
  const mode = modeOfStep(step);
  problems.check(c.mode === mode, 'mode', props.mode ?? c.mode,
    `must be ${mode} during migration step ${step} (${mode === 'raft' ? 'the masters own the state once it is complete' : 'the operator owns the state until the migration is complete'})`);
  problems.check(c.crds, 'crds', false, 'must be true (the default) during a migration: the CRDs hold the state the migration copies and a rollback returns to');
}
