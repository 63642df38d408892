/**
 * The chart's templates/: one file per object the constructs render, found by rendering them
 * with sentinel values for each control-plane mode and each variant below. An object present in
 * only some variants is wrapped in the variant's condition; an object that differs between the
 * modes gets both bodies under `if eq mode`. Values that change content (CHOICES: the gRPC TLS
 * source, the migration step, egress) are merged line by line (choices.ts), in combination where
 * two change the same lines. Any other difference between variants is a case this generator
 * cannot express, and it stops saying so rather than write a chart that differs.
 */
import { synthesizeClusterManifests } from '../../lib/cdk8s/manifests';
import { MIGRATION_STEPS, modeOfStep } from '../../lib/model/migration';
import { Alternative, ChoiceConflict, either, mergeChoices, reduceCombinations } from './choices';
import { ISSUER_TOKENS, MODE_EXPR, RELEASE_TOKEN, Sentinel, sentinelSet } from './sentinels';
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
  // The index-finalizer policy and its binding; the value is also their API version (sentinels.ts).
  { modes: ['k8s'], cond: '.Values.controlPlane.k8s.operator.finalizerAdmissionPolicy', set: (v) => { v.controlPlane!.k8s!.operator!.finalizerAdmissionPolicy = ''; } },
  { modes: ['k8s', 'raft'], cond: '.Values.security.networkPolicies.enabled', set: (v) => { v.security!.networkPolicies!.enabled = false; } },
  { modes: ['k8s'], cond: 'gt (int .Values.controlPlane.k8s.operator.replicas) 1', set: (v) => { v.controlPlane!.k8s!.operator!.replicas = 1; }, presenceOnly: true },
  // k8s mode too: the masters a migration adds beside the operator.
  { modes: ['k8s', 'raft'], cond: 'gt (int .Values.controlPlane.raft.replicas) 1', set: (v) => { v.controlPlane!.raft!.replicas = 1; }, presenceOnly: true },
];

const sec = '.Values.security';
const cmOn = `${sec}.certManager.enabled`;
const issuer = `${sec}.certManager.issuerRef.name`;

/**
 * Values that change objects' content (choices.ts): each alternative is rendered and its
 * differences from the defaults go under its condition. The conditions of one choice are exact
 * (they exclude each other; templates/validate.yaml refuses plaintext with cert-manager).
 */
/** `set(v, false)`: the alternative with plain values instead of sentinels (for the token check). */
const CHOICES: readonly { readonly modes: readonly Mode[]; readonly alternatives: readonly { cond: string; set: (v: HelmValues, tokens?: boolean) => void }[] }[] = [
  {
    // Where the gRPC certificates come from (security.ts resolveGrpcTls); the default is the operator's own CA.
    modes: ['k8s'],
    alternatives: [
      { cond: `${sec}.insecurePlaintextGrpc`, set: (v) => { v.security!.insecurePlaintextGrpc = true; } },
      { cond: `and ${cmOn} ${issuer}`, set: (v, tokens = true) => {
        v.security!.certManager = { enabled: true, issuerRef: tokens ? { ...ISSUER_TOKENS } : { name: 'corp-ca', kind: 'Issuer', group: 'cert-manager.io' } };
      } },
      { cond: `and ${cmOn} (not ${issuer})`, set: (v) => { v.security!.certManager = { enabled: true, issuerRef: { name: '', kind: 'Issuer', group: 'cert-manager.io' } }; } },
    ],
  },
  {
    // The k8s → raft migration (lib/model/migration.ts): the steps applied in k8s mode, then `complete` in raft mode.
    modes: ['k8s'],
    alternatives: MIGRATION_STEPS.filter((s) => modeOfStep(s) === 'k8s').map((step) => ({ cond: `eq .Values.migration "${step}"`, set: (v) => { v.migration = step; } })),
  },
  { modes: ['raft'], alternatives: [{ cond: 'eq .Values.migration "complete"', set: (v) => { v.migration = 'complete'; } }] },
  {
    modes: ['k8s', 'raft'],
    alternatives: [{ cond: `not ${sec}.networkPolicies.restrictEgress`, set: (v) => { v.security!.networkPolicies!.restrictEgress = false; } }],
  },
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
  return { objects: withChoices(mode, objects), sentinels: base.sentinels };
}


/** The objects with each choice's differences merged in, and objects that only some alternatives render. */
function withChoices(mode: Mode, base: Map<string, ModeObject>): Map<string, ModeObject> {
  const choices = CHOICES.filter((c) => c.modes.includes(mode))
    .map((c) => c.alternatives.map((a) => ({ cond: a.cond, set: a.set, objects: render(mode, a.set).objects })));
  const out = new Map<string, ModeObject>();
  for (const [key, o] of base) {
    const missing = choices.flatMap((alts) => alts.filter((a) => !a.objects.has(key)).map((a) => a.cond));
    const present = choices.map((alts) => alts.filter((a) => a.objects.has(key)).map((a) => ({ cond: a.cond, text: a.objects.get(key)! })));
    out.set(key, { text: mergeOrCombine(mode, key, o.text, choices, present), conds: missing.length > 0 ? [...o.conds, `not (${either(missing)})`] : o.conds });
  }
  // Objects of some alternatives only (cert-manager's Certificates): the last is the base of the others.
  for (const alts of choices) {
    for (const key of new Set(alts.flatMap((a) => [...a.objects.keys()]))) {
      if (base.has(key)) continue;
      if (out.has(key)) throw new Error(`Unable to generate the Helm chart: ${key} exists under two choices; the generator cannot express that`);
      const having = alts.filter((a) => a.objects.has(key));
      const present = having.map((a) => ({ cond: a.cond, text: a.objects.get(key)! }));
      const last = having[having.length - 1];
      const text = last.objects.get(key)!;
      out.set(key, { text: mergeChoices(key, text, [present.slice(0, -1)]), conds: [either(present.map((p) => p.cond)), ...alternativeConds(mode, last.set, key, text)] });
    }
  }
  return out;
}

type RenderedChoice = { cond: string; set: (v: HelmValues) => void; objects: Map<string, string> }[];

/**
 * mergeChoices, or, where choices change the same lines (the migration's and the TLS source's env
 * of the data nodes), those choices as one: every combination rendered, both-set combinations first.
 */
function mergeOrCombine(mode: Mode, key: string, base: string, choices: RenderedChoice[], present: Alternative[][]): string {
  try {
    return mergeChoices(key, base, present);
  } catch (e) {
    if (!(e instanceof ChoiceConflict)) throw e;
  }
  const changing = choices.map((_, i) => i).filter((i) => present[i].some((a) => a.text !== base));
  // Each combination's condition is exact (a choice left at its default says so), so branches that
  // render the same lines may share one whatever their order.
  let combos: { picks: number[]; sets: ((v: HelmValues) => void)[] }[] = [{ picks: [], sets: [] }];
  for (const i of changing) {
    combos = combos.flatMap((c) => [
      ...choices[i].map((a, j) => ({ picks: [...c.picks, j], sets: [...c.sets, a.set] })),
      { ...c, picks: [...c.picks, choices[i].length] },
    ]);
  }
  const sizes = changing.map((i) => choices[i].length + 1);
  /** The condition of a combination: per choice, its value(s); a value set as what it leaves out when that is shorter. */
  const condOf = (picks: readonly (readonly number[] | null)[]) => {
    const parts = picks.flatMap((values, n) => {
      const alts = choices[changing[n]];
      const one = (p: number) => (p < alts.length ? alts[p].cond : `not (${either(alts.map((a) => a.cond))})`);
      if (values === null) return [];
      const others = [...Array(sizes[n]).keys()].filter((p) => !values.includes(p));
      if (values.length === 1) return [one(values[0])];
      // Leaving out only "default" is "any alternative"; else what is left out, negated.
      if (others.length === 1 && others[0] === alts.length) return [either(alts.map((a) => a.cond))];
      if (others.length < values.length) return [`not (${either(others.map((p) => (p < alts.length ? alts[p].cond : `not (${either(alts.map((a) => a.cond))})`)))})`];
      return [either(values.map(one))];
    });
    if (parts.length === 0) return 'true';
    return parts.length === 1 ? parts[0] : `and ${parts.map((x) => `(${x})`).join(' ')}`;
  };
  const picksOf = new Map<string, number[]>();
  const product = combos.filter((c) => c.picks.some((p, n) => p < sizes[n] - 1)).flatMap((c) => {
    const text = render(mode, (v) => c.sets.forEach((s) => s(v))).objects.get(key);
    const cond = condOf(c.picks.map((p) => [p]));
    picksOf.set(cond, c.picks);
    return text === undefined ? [] : [{ cond, text }];
  });
  // Branches rendering the same lines: their combinations reduced, so the condition says what matters.
  const combine = (conds: readonly string[]) => {
    if (!conds.every((c) => picksOf.has(c))) return either(conds);
    const reduced = reduceCombinations(conds.map((c) => picksOf.get(c) ?? []), sizes).map(condOf);
    return reduced.length === 1 ? reduced[0] : `or ${reduced.map((c) => `(${c})`).join(' ')}`;
  };
  return mergeChoices(key, base, [product, ...present.filter((_, i) => !changing.includes(i))], combine);
}

/** The variants' conditions of an object that only an alternative renders (the masters' PDB during a migration). */
function alternativeConds(mode: Mode, set: (v: HelmValues) => void, key: string, text: string): string[] {
  const conds: string[] = [];
  for (const variant of VARIANTS.filter((v) => v.modes.includes(mode))) {
    const other = render(mode, (v) => { set(v); variant.set(v); }).objects.get(key);
    if (other === undefined) conds.push(variant.cond);
    else if (!variant.presenceOnly && other !== text) throw new Error(`Unable to generate the Helm chart: ${key} changes with \`${variant.cond}\` beyond existing or not; the generator cannot express that`);
  }
  return conds;
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

/** Every value under `key`, at any depth. */
function valuesUnder(v: unknown, key: string): unknown[] {
  if (Array.isArray(v)) return v.flatMap((x) => valuesUnder(x, key));
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]): unknown[] => [...(k === key ? [x] : []), ...valuesUnder(x, key)]);
}

/** Throws when a sentinel would also match something the constructs write for default values (and each choice's alternative). */
function checkTokensUnique(sentinels: readonly Sentinel[]): void {
  const cases = (['k8s', 'raft'] as const).flatMap((mode) => [
    { mode, set: (_: HelmValues) => {} },
    ...CHOICES.filter((c) => c.modes.includes(mode)).flatMap((c) => c.alternatives.map((a) => ({ mode, set: (v: HelmValues) => a.set(v, false) }))),
  ]);
  for (const { mode, set } of cases) {
    const v = defaultValues() as HelmValues;
    v.controlPlane!.mode = mode;
    v.monitoring!.enabled = mode === 'k8s';
    set(v);
    const objects = (synthesizeClusterManifests(valuesToProps(v, { name: 'quidditch', namespace: 'default' })) as KubeObject[]).filter((o) => !isCrd(o));
    const text = JSON.stringify(objects);
    for (const s of sentinels) {
      // `when`: its token is a common word (a label key), so only a value under its key counts.
      const hit = s.kind === 'when' ? valuesUnder(objects, s.key!).some((x) => JSON.stringify(x).includes(String(s.token)))
        : s.kind === 'full' && s.key !== undefined ? text.includes(`"${s.key}":${JSON.stringify(s.token)}`)
        : typeof s.token === 'number'
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
