/**
 * The chart's templates/: one file per object the constructs render, found by rendering them
 * with sentinel values for each control-plane mode and each variant below. An object present in
 * only some variants is wrapped in the variant's condition; an object that differs between the
 * modes gets both bodies under `if eq mode`. Any other difference between variants is a case this
 * generator cannot express, and it stops saying so rather than write a chart that differs.
 */
import { synthesizeClusterManifests } from '../../lib/cdk8s/manifests';
import { MODE_EXPR, RELEASE_TOKEN, Sentinel, sentinelSet } from './sentinels';
import { Templatizer } from './templatize';
import { defaultValues } from './default-values';
import { HelmValues, valuesToProps } from './values-to-props';

type Mode = 'k8s' | 'raft';

interface Variant {
  readonly modes: readonly Mode[];
  /** Helm condition under which the objects missing from this variant exist. */
  readonly cond: string;
  readonly set: (v: HelmValues) => void;
  /** Replica counts change the objects' content too; only presence is taken from them. */
  readonly presenceOnly?: boolean;
}

const VARIANTS: readonly Variant[] = [
  { modes: ['k8s'], cond: '.Values.monitoring.enabled', set: (v) => { v.monitoring!.enabled = false; } },
  { modes: ['k8s'], cond: '.Values.monitoring.podMonitor', set: (v) => { v.monitoring!.podMonitor = false; } },
  { modes: ['k8s'], cond: '.Values.monitoring.prometheusRule', set: (v) => { v.monitoring!.prometheusRule = false; } },
  { modes: ['k8s'], cond: '.Values.monitoring.dashboard', set: (v) => { v.monitoring!.dashboard = false; } },
  { modes: ['k8s'], cond: '.Values.security.nodeAdmissionPolicy', set: (v) => { v.security!.nodeAdmissionPolicy = false; } },
  { modes: ['k8s', 'raft'], cond: '.Values.security.networkPolicies.enabled', set: (v) => { v.security!.networkPolicies!.enabled = false; } },
  { modes: ['k8s'], cond: 'gt (int .Values.controlPlane.k8s.operator.replicas) 1', set: (v) => { v.controlPlane!.k8s!.operator!.replicas = 1; }, presenceOnly: true },
  { modes: ['raft'], cond: 'gt (int .Values.controlPlane.raft.replicas) 1', set: (v) => { v.controlPlane!.raft!.replicas = 1; }, presenceOnly: true },
];

type KubeObject = { apiVersion: string; kind: string; metadata: { name: string } };

/** Kinds Helm installs from crds/, not templates/. */
const isCrd = (o: KubeObject) => o.kind === 'CustomResourceDefinition';
const keyOf = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.name.split(RELEASE_TOKEN.name).join('NAME').split(RELEASE_TOKEN.namespace).join('NS')}`;

function render(mode: Mode, set?: (v: HelmValues) => void): { objects: Map<string, string>; sentinels: readonly Sentinel[] } {
  const { values, sentinels } = sentinelSet(mode, set);
  const t = new Templatizer(sentinels);
  const objects = new Map<string, string>();
  for (const o of synthesizeClusterManifests(valuesToProps(values, RELEASE_TOKEN)) as KubeObject[]) {
    if (!isCrd(o)) objects.set(keyOf(o), t.render(o));
  }
  return { objects, sentinels };
}

interface ModeObject { readonly text: string; readonly conds: readonly string[] }

/** Every object of one mode with the conditions it exists under. */
function modeObjects(mode: Mode): { objects: Map<string, ModeObject>; sentinels: readonly Sentinel[] } {
  const base = render(mode);
  const conds = new Map<string, string[]>([...base.objects.keys()].map((k) => [k, []]));
  for (const variant of VARIANTS.filter((v) => v.modes.includes(mode))) {
    const other = render(mode, variant.set).objects;
    for (const [key, text] of other) {
      if (!base.objects.has(key)) throw new Error(`Unable to generate the Helm chart: ${key} exists only when \`${variant.cond}\` is false; the generator has no condition for that`);
      if (!variant.presenceOnly && text !== base.objects.get(key)) {
        throw new Error(`Unable to generate the Helm chart: ${key} changes with \`${variant.cond}\` beyond existing or not; the generator cannot express that`);
      }
    }
    for (const key of base.objects.keys()) if (!other.has(key)) conds.get(key)!.push(variant.cond);
  }
  const objects = new Map([...base.objects].map(([k, text]) => [k, { text, conds: conds.get(k)! }]));
  return { objects, sentinels: base.sentinels };
}

function wrap(conds: readonly string[], body: string): string {
  if (conds.length === 0) return body;
  const cond = conds.length === 1 ? conds[0] : `and ${conds.map((c) => (c.includes(' ') ? `(${c})` : c)).join(' ')}`;
  return `{{- if ${cond} }}\n${body}\n{{- end }}`;
}

const modeIs = (m: Mode) => `eq (${MODE_EXPR}) "${m}"`;

/** templates/<file>: the name of the object without the release name, then its kind. */
function fileName(key: string): string {
  const [, kind, name] = /^.*\/([^/]+)\/([^/]+)$/.exec(key)!;
  const base = name.replace(/^NS\./, '').replace(/^NAME-?/, '') || 'cluster';
  return `${base}-${kind.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}.yaml`;
}

/** Throws when a sentinel would also match something the constructs write for default values. */
function checkTokensUnique(sentinels: readonly Sentinel[]): void {
  for (const mode of ['k8s', 'raft'] as const) {
    const v = defaultValues() as HelmValues;
    v.controlPlane!.mode = mode;
    v.monitoring!.enabled = mode === 'k8s';
    const text = JSON.stringify((synthesizeClusterManifests(valuesToProps(v, { name: 'quidditch', namespace: 'default' })) as KubeObject[]).filter((o) => !isCrd(o)));
    for (const s of sentinels) {
      const hit = typeof s.token === 'number'
        ? new RegExp(`(?<![0-9.])${s.token}(?![0-9])`).test(text)
        : s.kind === 'full' ? text.includes(JSON.stringify(s.token)) : text.includes(String(s.token));
      if (hit) throw new Error(`Unable to generate the Helm chart: sentinel ${JSON.stringify(s.token)} (${s.expr}) also occurs in the default ${mode}-mode objects; choose another token in scripts/helm/sentinels.ts`);
    }
  }
}

/** File name → template text, for every object of both modes. */
export function chartTemplates(): Map<string, string> {
  const k8s = modeObjects('k8s');
  const raft = modeObjects('raft');
  checkTokensUnique([...k8s.sentinels, ...raft.sentinels]);
  const files = new Map<string, string>();
  for (const key of new Set([...k8s.objects.keys(), ...raft.objects.keys()])) {
    const a = k8s.objects.get(key);
    const b = raft.objects.get(key);
    let body: string;
    if (a && b && a.text === b.text && a.conds.join() === b.conds.join()) body = wrap(a.conds, a.text);
    else if (a && b) body = `{{- if ${modeIs('raft')} }}\n${wrap(b.conds, b.text)}\n{{- else }}\n${wrap(a.conds, a.text)}\n{{- end }}`;
    else if (a) body = wrap([modeIs('k8s'), ...a.conds], a.text);
    else body = wrap([modeIs('raft'), ...b!.conds], b!.text);
    const leftover = /zzq|ZZQ/.exec(body);
    if (leftover) throw new Error(`Unable to generate the Helm chart: a sentinel was left in ${key}: ${body.slice(Math.max(0, leftover.index - 80), leftover.index + 40)}`);
    const file = fileName(key);
    if (files.has(file)) throw new Error(`Unable to generate the Helm chart: two objects map to templates/${file}`);
    files.set(file, `{{- /* ${key.replace(/\/NAME/, '/<name>').replace(/NAME/g, '<name>').replace(/NS/g, '<namespace>')}: generated by npm run helm from lib/cdk8s; do not edit. */}}\n${body}\n`);
  }
  return files;
}
