/**
 * Shared by the chart tests: the chart generated into a temporary directory (as `npm run helm`
 * writes dist/helm/quidditch), `helm template` parsed into objects, and objects keyed for comparison.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { writeChart } from '../../../scripts/helm/generate';
import type { HelmValues } from '../../../scripts/helm/values-to-props';
import { CommandResult } from '../../support/run-command';
import { helm } from '../../support/helm';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Deadline of a hook that generates the chart: that synthesizes every template through the
 * constructs, CPU-bound (~15 s alone, minutes while other test files share the 2 cores).
 */
export const GENERATE_CHART_TIMEOUT_MS = 300_000;

/** Generates the chart once per test file; returns its directory. */
export function generateChart(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'quidditch-chart-')), 'quidditch');
  writeChart(dir);
  return dir;
}

/** A values file for `helm -f`. */
export function valuesFile(values: HelmValues): string {
  const path = join(mkdtempSync(join(tmpdir(), 'quidditch-values-')), 'values.json');
  writeFileSync(path, JSON.stringify(values));
  return path;
}

export const parseObjects = (yaml: string): KubeObject[] =>
  parseAllDocuments(yaml).map((d) => d.toJSON() as KubeObject | null).filter((o): o is KubeObject => o !== null);

export const keyOf = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

export function byKey(objects: readonly KubeObject[]): Record<string, KubeObject> {
  return Object.fromEntries(objects.map((o) => [keyOf(o), o]));
}

/** `helm template <release> <chart> -n <namespace> --include-crds [-f values]`. */
export async function helmTemplate(chart: string, release: { name: string; namespace: string }, values?: HelmValues, extra: string[] = []): Promise<CommandResult> {
  const args = ['template', release.name, chart, '--namespace', release.namespace, '--include-crds', ...extra];
  if (values) args.push('-f', valuesFile(values));
  return helm(args);
}
