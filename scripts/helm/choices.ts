/**
 * Values that change an object's content, not only whether it exists (the gRPC TLS source, the
 * NetworkPolicies' egress rules): the object rendered for each alternative is compared line by
 * line with the one for the defaults, and only the lines that differ go under
 * `{{- if <alternative> }} … {{- else }} <default lines> {{- end }}`. So a template still reads
 * as the constructs' object, with the few lines a value changes marked where they change.
 *
 * Lines are compared in units: a templatizer block (`{{- with … }}` up to its `{{- end }}`) is one
 * unit, so a difference never splits a block. Alternatives of one choice exclude each other and
 * are tried in order; the differences of separate choices must not touch the same lines (then
 * the generator stops: it could not say what both together render).
 */

/** Two choices change the same lines of an object: the caller may render their combinations as one choice. */
export class ChoiceConflict extends Error {}

/** One value of a choice: the Helm condition that selects it and the object's text under it. */
export interface Alternative {
  readonly cond: string;
  readonly text: string;
}

const OPEN = /^\s*\{\{-? (if|with|range) /;
const CLOSE = /^\s*\{\{-? end \}\}/;

/** Lines grouped so that every templatizer block is one unit. */
export function units(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (OPEN.test(line)) depth++;
    if (CLOSE.test(line)) depth--;
    current.push(line);
    if (depth === 0) {
      out.push(current.join('\n'));
      current = [];
    }
  }
  if (current.length > 0) throw new Error('Unable to generate the Helm chart: a template block is not closed');
  return out;
}

/** A change of the base: units [start, end) of the base replaced by `lines`. */
interface Hunk {
  readonly start: number;
  readonly end: number;
  readonly lines: readonly string[];
}

/** The hunks turning `base` into `other` (a longest common subsequence of units). */
function hunks(base: readonly string[], other: readonly string[]): Hunk[] {
  const n = base.length;
  const m = other.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = base[i] === other[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: Hunk[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && base[i] === other[j]) {
      i++;
      j++;
      continue;
    }
    const start = i;
    const from = j;
    while ((i < n || j < m) && !(i < n && j < m && base[i] === other[j])) {
      if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) i++;
      else j++;
    }
    out.push({ start, end: i, lines: other.slice(from, j) });
  }
  return out;
}

/** A stretch of the base that at least one alternative changes, with each alternative's version of it. */
interface Region {
  start: number;
  end: number;
  readonly versions: Map<string, string[]>;
}

function regions(base: readonly string[], alternatives: readonly Alternative[]): Region[] {
  const all = alternatives.flatMap((a) => hunks(base, units(a.text)).map((h) => ({ cond: a.cond, h })));
  all.sort((a, b) => a.h.start - b.h.start || a.h.end - b.h.end);
  const out: { start: number; end: number; parts: { cond: string; h: Hunk }[] }[] = [];
  for (const p of all) {
    const last = out[out.length - 1];
    if (last && p.h.start <= last.end) {
      last.end = Math.max(last.end, p.h.end);
      last.parts.push(p);
    } else {
      out.push({ start: p.h.start, end: p.h.end, parts: [p] });
    }
  }
  return out.map((r) => {
    const versions = new Map<string, string[]>();
    for (const a of alternatives) {
      const own = r.parts.filter((p) => p.cond === a.cond).map((p) => p.h);
      if (own.length === 0) continue;
      const lines: string[] = [];
      let at = r.start;
      for (const h of own) {
        lines.push(...base.slice(at, h.start), ...h.lines);
        at = h.end;
      }
      lines.push(...base.slice(at, r.end));
      versions.set(a.cond, lines);
    }
    return { start: r.start, end: r.end, versions };
  });
}

const indentOf = (lines: readonly string[]) => /^\s*/.exec(lines.find((l) => l.trim() !== '') ?? '')![0];

/**
 * Any of `conds`, said simply: `and X Y` with `and X (not Y)` is `X` (cert-manager with and
 * without an issuer, where both render the same lines).
 */
export function either(conds: readonly string[]): string {
  if (conds.length === 1) return conds[0];
  const [a, b] = conds.map((c) => /^and (\S+) (.+)$/.exec(c));
  if (conds.length === 2 && a && b && a[1] === b[1] && b[2] === `(not ${a[2]})`) return a[1];
  return `or ${conds.map((c) => `(${c})`).join(' ')}`;
}

const negate = (cond: string) => (cond.startsWith('not ') ? cond.slice(4) : cond.includes(' ') ? `not (${cond})` : `not ${cond}`);

/** How the conditions of alternatives rendering the same lines are said as one. */
export type Combine = (conds: readonly string[]) => string;

/**
 * Combinations of several choices' values (a pick per choice: an alternative's index, or `size - 1`
 * for "left at its default") merged the way a Karnaugh map is: combinations that agree on every
 * choice but one become one, allowing the values of that one (all of them: "any", null). Sound
 * for any input; minimal only for the small cases the chart has.
 */
export function reduceCombinations(tuples: readonly (readonly number[])[], sizes: readonly number[]): (number[] | null)[][] {
  let current: (number[] | null)[][] = tuples.map((t) => t.map((v) => [v]));
  for (let changed = true; changed;) {
    changed = false;
    for (let p = 0; p < sizes.length && !changed; p++) {
      const groups = new Map<string, (number[] | null)[][]>();
      for (const t of current) {
        const k = JSON.stringify(t.map((v, i) => (i === p ? '*' : v)));
        groups.set(k, [...(groups.get(k) ?? []), t]);
      }
      for (const members of groups.values()) {
        if (members.length < 2 || members.some((t) => t[p] === null)) continue;
        const values = [...new Set(members.flatMap((t) => t[p]!))].sort((a, b) => a - b);
        const merged = members[0].map((v, i) => (i !== p ? v : values.length === sizes[p] ? null : values));
        current = [...current.filter((t) => !members.includes(t)), merged];
        changed = true;
        break;
      }
    }
  }
  return current;
}

function emit(base: readonly string[], r: Region, combine: Combine): string[] {
  // Alternatives that render the same lines share one branch.
  const byText = new Map<string, { conds: string[]; lines: string[] }>();
  for (const [cond, lines] of r.versions) {
    const k = lines.join('\n');
    const entry = byText.get(k) ?? { conds: [], lines };
    entry.conds.push(cond);
    byText.set(k, entry);
  }
  const branches: [string, string[]][] = [...byText.values()].map((e) => [combine(e.conds), e.lines]);
  const own = base.slice(r.start, r.end);
  const ind = indentOf([...own, ...branches.flatMap(([, l]) => l)]);
  const out: string[] = [];
  if (branches.length === 1 && branches[0][1].length === 0) {
    // The alternative only removes lines: keep them unless it applies.
    return [`${ind}{{- if ${negate(branches[0][0])} }}`, ...own, `${ind}{{- end }}`];
  }
  branches.forEach(([cond, lines], i) => out.push(`${ind}{{- ${i === 0 ? 'if' : 'else if'} ${cond} }}`, ...lines));
  if (own.length > 0) out.push(`${ind}{{- else }}`, ...own);
  out.push(`${ind}{{- end }}`);
  return out;
}

/**
 * The template of one object: `base` (the defaults' text) with each choice's differences under its
 * conditions. `choices`: per choice, the alternatives under which the object exists.
 */
export function mergeChoices(key: string, base: string, choices: readonly (readonly Alternative[])[], combine: Combine = either): string {
  const b = units(base);
  const all = choices.flatMap((alternatives) => regions(b, alternatives));
  all.sort((x, y) => x.start - y.start || x.end - y.end);
  for (let i = 1; i < all.length; i++) {
    const [p, q] = [all[i - 1], all[i]];
    if (q.start < p.end || (q.start === p.start && p.start === p.end && q.start === q.end)) {
      throw new ChoiceConflict(`Unable to generate the Helm chart: two choices change the same lines of ${key}; the generator cannot say what both render`);
    }
  }
  const out: string[] = [];
  let at = 0;
  for (const r of all) {
    out.push(...b.slice(at, r.start), ...emit(b, r, combine));
    at = r.end;
  }
  out.push(...b.slice(at));
  return out.join('\n');
}
