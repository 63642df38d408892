/**
 * Turns one object the constructs rendered from sentinel values (sentinels.ts) into Helm template
 * text: the object as the constructs wrote it, with each sentinel replaced by the Helm expression
 * of its value. Two passes: the tree pass swaps sentinels for markers (`zzqmark-<n>`), then YAML
 * is written and the text pass swaps each marker for template text, line by line where a marker
 * stands for lines that exist only when a value is set.
 */
import { Scalar, stringify } from 'yaml';
import type { Sentinel } from './sentinels';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a marker becomes in the text. */
type Mark =
  | { type: 'value'; expr: string; quote: boolean }
  | { type: 'inline'; expr: string }
  | { type: 'optional'; key: string; expr: string; quote: boolean }
  | { type: 'splice'; expr: string; itemTemplate?: string }
  | { type: 'optionalBlock'; key: string; expr: string; itemTemplate?: string }
  | { type: 'replace'; key: string; expr: string; fallback: string }
  | { type: 'when'; key: string; expr: string; body: string }
  | { type: 'flag'; expr: string; item: string; raw?: boolean };

const MARK = 'zzqmark-';

/** Keys in order, as cdk8s writes its objects, so a fallback reads like the rest. */
function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
}
/** YAML as cdk8s writes it: no line folding, plain strings where YAML allows. */
const yamlText = (v: Json): string => stringify(v, { lineWidth: 0, defaultStringType: 'PLAIN' });
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export class Templatizer {
  private readonly marks: Mark[] = [];
  private readonly subs: { re: RegExp; expr: string }[];

  constructor(private readonly sentinels: readonly Sentinel[]) {
    // Numbers inside strings (flags, env values) only where no digit touches them.
    this.subs = sentinels
      .filter((s) => s.kind === 'sub' || s.kind === 'number')
      .map((s) => ({ re: new RegExp(s.kind === 'number' ? `(?<![0-9.])${s.token}(?![0-9])` : escapeRe(String(s.token)), 'g'), expr: s.expr }));
  }

  private mark(m: Mark): string {
    this.marks.push(m);
    return `${MARK}${this.marks.length - 1}`;
  }

  /** A string with every substring sentinel replaced by an inline marker. */
  private inline(s: string): string {
    // The constructs' own braces (Prometheus alert templates) are literal text to Helm.
    let out = s.replace(/\{\{|\}\}/g, (b) => this.mark({ type: 'inline', expr: JSON.stringify(b) }));
    for (const { re, expr } of this.subs) out = out.replace(re, () => this.mark({ type: 'inline', expr }));
    return out;
  }

  private find(kind: Sentinel['kind'], token: unknown): Sentinel | undefined {
    return this.sentinels.find((s) => s.kind === kind && s.token === token);
  }

  private leaf(v: Json): Json {
    if (typeof v === 'number') {
      const s = this.find('number', v);
      return s ? this.mark({ type: 'value', expr: s.expr, quote: false }) : v;
    }
    if (typeof v !== 'string') return v;
    const full = this.sentinels.find((s) => s.kind === 'full' && s.token === v && s.key === undefined);
    if (full) return this.mark({ type: 'value', expr: full.expr, quote: true });
    if (!v.includes('\n')) {
      const text = this.inline(v);
      if (text === v) return v;
      // A value from the user inside a string: quoted, so `true` or `1` stays a string.
      const quoted = new Scalar(text);
      quoted.type = 'QUOTE_DOUBLE';
      return quoted as unknown as Json;
    }
    // Multi-line text (the dashboard JSON) stays readable as a block literal.
    const block = new Scalar(this.inline(v));
    block.type = 'BLOCK_LITERAL';
    return block as unknown as Json;
  }

  /** The value under `key` of a map: optional leaves, user lists and maps become markers. */
  private entry(key: string, v: Json): Json {
    if (v !== null && typeof v === 'object') {
      const text = JSON.stringify(v);
      const whole = this.sentinels.find((s) => (s.kind === 'object' || s.kind === 'replace' || s.kind === 'when') && s.key === key && text.includes(String(s.token)));
      if (whole?.kind === 'object') return this.mark({ type: 'optionalBlock', key, expr: whole.expr });
      if (whole?.kind === 'when') return this.mark({ type: 'when', key, expr: whole.expr, body: yamlText(this.value(v)) });
      if (whole?.kind === 'replace') {
        // The constructs' own value, itself templated (it may hold the cluster's name).
        const fallback = yamlText(this.value(sortKeys(whole.fallback as Json)));
        return this.mark({ type: 'replace', key, expr: whole.expr, fallback });
      }
    }
    // A token that is also a common word (`Always`) only under its own key.
    const keyed = this.sentinels.find((s) => s.kind === 'full' && s.key === key && s.token === v);
    if (keyed) return this.mark({ type: 'value', expr: keyed.expr, quote: true });
    const optional = this.find('optional', v);
    if (optional) return this.mark({ type: 'optional', key, expr: optional.expr, quote: !optional.numeric });
    if (Array.isArray(v)) return this.list(key, v);
    if (v !== null && typeof v === 'object') return this.map(key, v);
    return this.leaf(v);
  }

  private list(key: string, items: Json[]): Json {
    const user = this.sentinels.filter((s) => s.kind === 'list' && s.listKey === key);
    const out: Json[] = [];
    let spliced: Sentinel | undefined;
    for (const item of items) {
      const text = JSON.stringify(item);
      const own = user.find((s) => text.includes(String(s.token)));
      if (own) {
        spliced = own;
        continue;
      }
      // A whole item (a NetworkPolicy peer) printed by a helper.
      const whole = this.sentinels.find((s) => s.kind === 'item' && s.listKey === key && text.includes(String(s.token)));
      if (whole) {
        out.push(this.mark({ type: 'value', expr: whole.expr, quote: false }));
        continue;
      }
      const flag = typeof item === 'string' ? this.sentinels.find((s) => s.kind === 'flag' && item.startsWith(String(s.token))) : undefined;
      if (flag) {
        out.push(this.mark({ type: 'flag', expr: flag.expr, item: this.inline(item as string) }));
        continue;
      }
      // An env variable that exists only when a value is set (`{ name: <token>, value }`): one flow-style item.
      const named = item !== null && typeof item === 'object' && !Array.isArray(item) && typeof item.name === 'string' ? item : undefined;
      const envFlag = named ? this.sentinels.find((s) => s.kind === 'flag' && s.token === named.name) : undefined;
      if (named && envFlag) {
        const inlined = Object.fromEntries(Object.entries(named).map(([k, v]) => [k, typeof v === 'string' ? this.inline(v) : v]));
        out.push(this.mark({ type: 'flag', expr: envFlag.expr, item: JSON.stringify(inlined), raw: true }));
        continue;
      }
      out.push(this.value(item));
    }
    if (!spliced) return out;
    if (out.length === 0) return this.mark({ type: 'optionalBlock', key, expr: spliced.expr, itemTemplate: spliced.itemTemplate });
    out.push(this.mark({ type: 'splice', expr: spliced.expr, itemTemplate: spliced.itemTemplate }));
    return out;
  }

  private map(key: string | undefined, m: { [k: string]: Json }): Json {
    const out: { [k: string]: Json } = {};
    const splices: Sentinel[] = [];
    for (const [k, v] of Object.entries(m)) {
      const user = this.find('map', k);
      if (user) splices.push(user);
      else out[this.inline(k)] = this.entry(k, v);
    }
    if (splices.length === 0) return out;
    if (Object.keys(out).length === 0 && splices.length === 1 && key !== undefined) {
      return this.mark({ type: 'optionalBlock', key, expr: splices[0].expr });
    }
    if (splices.length === 1) {
      out[this.mark({ type: 'splice', expr: splices[0].expr })] = '';
      return out;
    }
    // Pod and monitoring labels under the cluster's labels: the constructs spread those last, so
    // on a shared key the cluster's value wins; `merge` keeps its first map's values.
    const ordered = [...splices].sort((a, b) => Number(b.expr === '.Values.labels') - Number(a.expr === '.Values.labels'));
    out[this.mark({ type: 'splice', expr: `merge (dict) ${ordered.map((s) => s.expr).join(' ')}` })] = '';
    return out;
  }

  private value(v: Json): Json {
    if (Array.isArray(v)) return v.map((i) => this.value(i));
    if (v !== null && typeof v === 'object') return this.map(undefined, v);
    return this.leaf(v);
  }

  /** Template text of one object. */
  render(obj: object): string {
    const tree = this.map(undefined, obj as { [k: string]: Json });
    const yaml = yamlText(tree);
    const lines = yaml.split('\n').flatMap((line) => this.splitItem(line));
    return lines.map((line) => this.line(line)).join('\n').replace(/\n+$/, '');
  }

  /**
   * `- key: <marker>` where the key may be left out: the `-` goes on a line of its own (valid
   * YAML either way), so the key's lines can come and go without taking the item's dash along.
   */
  private splitItem(line: string): string[] {
    const m = /^(\s*)- ([^\s:][^:]*: zzqmark-(\d+))$/.exec(line);
    if (!m || this.marks[Number(m[3])].type === 'value') return [line];
    return [`${m[1]}-`, `${m[1]}  ${m[2]}`];
  }

  private line(line: string): string {
    // A marker alone on its line: a list item (`- m`), a key's value (`key: m`) or a map key (`m: ""`).
    const m = /^(\s*)(?:- |([^\s:][^:]*): )?"?zzqmark-(\d+)"?(?:: "")?$/.exec(line);
    if (m) {
      const [, ind, key, id] = m;
      const mark = this.marks[Number(id)];
      switch (mark.type) {
        case 'optional':
          // Numbers: 0 is a value, so test for unset (null) rather than truth.
          return `${ind}{{- if ${mark.quote ? mark.expr : `not (kindIs "invalid" ${mark.expr})`} }}\n${ind}${key}: {{ ${mark.expr}${mark.quote ? ' | quote' : ' | int'} }}\n${ind}{{- end }}`;
        case 'splice':
          return this.block(ind, ind.length, mark.expr, mark.itemTemplate);
        case 'optionalBlock':
          return `${ind}{{- with ${mark.expr} }}\n${ind}${key}:${this.block(ind + '  ', ind.length + 2, '.', mark.itemTemplate, true)}\n${ind}{{- end }}`;
        case 'replace':
          return `${ind}{{- with ${mark.expr} }}\n${ind}${key}:${this.block(ind + '  ', ind.length + 2, '.', undefined, true)}\n${ind}{{- else }}\n${ind}${key}:\n${this.nested(ind, mark.fallback)}\n${ind}{{- end }}`;
        case 'when':
          return `${ind}{{- if ${mark.expr} }}\n${ind}${key}:\n${this.nested(ind, mark.body)}\n${ind}{{- end }}`;
        case 'flag':
          return `${ind}{{- if ${mark.expr} }}\n${ind}- ${this.inlineText(mark.raw ? mark.item : JSON.stringify(mark.item))}\n${ind}{{- end }}`;
        default:
          break;
      }
    }
    return this.inlineText(line);
  }

  /** YAML text of a value (itself with markers), indented under a key at `ind`. */
  private nested(ind: string, yaml: string): string {
    return yaml.replace(/\n+$/, '').split('\n').flatMap((l) => this.splitItem(`${ind}  ${l}`)).map((l) => this.line(l)).join('\n');
  }

  /** A user's list or map, indented to `n`: `toYaml`, or one `itemTemplate` per item. */
  private block(ind: string, n: number, expr: string, itemTemplate?: string, inWith = false): string {
    if (itemTemplate) return `\n${ind}{{- range ${expr} }}\n${ind}${itemTemplate}\n${ind}{{- end }}`.slice(inWith ? 0 : 1);
    if (inWith) return `\n${ind}{{- toYaml . | nindent ${n} }}`;
    return `${ind}{{- with ${expr} }}\n${ind}{{- toYaml . | nindent ${n} }}\n${ind}{{- end }}`;
  }

  /** Value and inline markers in one line of text. */
  private inlineText(text: string): string {
    return text
      .replace(/"?zzqmark-(\d+)"?/g, (whole, id: string) => {
        const mark = this.marks[Number(id)];
        if (mark.type !== 'value' || (whole.startsWith('"') !== whole.endsWith('"'))) return whole;
        return `{{ ${mark.expr}${mark.quote ? ' | quote' : ''} }}`;
      })
      .replace(/zzqmark-(\d+)/g, (whole, id: string) => {
        const mark = this.marks[Number(id)];
        if (mark.type === 'inline') return `{{ ${mark.expr} }}`;
        if (mark.type === 'value') return `{{ ${mark.expr} }}`;
        throw new Error(`Unable to generate the Helm chart: marker ${whole} (${mark.type}) is not alone on its line`);
      });
  }
}
