/**
 * Rule checks shared by the cluster and index validators. A validator collects every problem and
 * throws once, so a user fixes all of them in one round instead of one per synth.
 */
import { parseQuantity } from './quantity';

/** One invalid prop: where it is, what it was, and the rule it breaks. */
export interface Problem {
  readonly path: string;
  readonly value: unknown;
  readonly rule: string;
}

export class ValidationError extends Error {
  constructor(
    readonly kind: string,
    readonly objectName: string,
    readonly problems: readonly Problem[],
  ) {
    super(
      `Unable to synthesize ${kind} ${objectName}: ${problems.length} invalid prop${problems.length === 1 ? '' : 's'}. Fix:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'ValidationError';
  }
}

export function formatProblem(p: Problem): string {
  return `${p.path} = ${p.value === undefined ? 'undefined' : JSON.stringify(p.value)}: ${p.rule}`;
}

/** Collects problems; `check` records one when a condition does not hold. */
export class Problems {
  private readonly list: Problem[] = [];

  add(path: string, value: unknown, rule: string): void {
    this.list.push({ path, value, rule });
  }

  /** Records a problem unless `ok`; returns `ok` so callers can skip dependent checks. */
  check(ok: boolean, path: string, value: unknown, rule: string): boolean {
    if (!ok) this.add(path, value, rule);
    return ok;
  }

  throwIfAny(kind: string, objectName: string): void {
    if (this.list.length > 0) throw new ValidationError(kind, objectName, this.list);
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export const isDns1123Label = (s: unknown): s is string => typeof s === 'string' && s.length <= 63 && DNS1123_LABEL.test(s);
export const isDns1035Label = (s: unknown): s is string => typeof s === 'string' && s.length <= 63 && DNS1035_LABEL.test(s);
export const isDns1123Subdomain = (s: unknown): s is string => typeof s === 'string' && s.length <= 253 && DNS1123_SUBDOMAIN.test(s);

/** A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  return (prefix === undefined || isDns1123Subdomain(prefix)) && name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or at most 63 alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric. */
export function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && (value === '' || (value.length <= 63 && LABEL_NAME.test(value)));
}

export const isInteger = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);
export const isPositiveNumber = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;

export function isQuantity(q: unknown): q is string {
  return typeof q === 'string' && parseQuantity(q) !== undefined;
}

export function isPositiveQuantity(q: unknown): q is string {
  return typeof q === 'string' && (parseQuantity(q) ?? 0) > 0;
}

// Docker reference grammar (distribution/reference), simplified to what a pull needs.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?';
const IMAGE_NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const PINNED_IMAGE = new RegExp(`^${IMAGE_NAME}(?::${TAG}@${DIGEST}|:${TAG}|@${DIGEST})$`);

/** The rules above as regular expressions, for schemas other tools check (the Helm chart's values.schema.json). */
export const PATTERNS = {
  dns1123Label: DNS1123_LABEL,
  dns1035Label: DNS1035_LABEL,
  dns1123Subdomain: DNS1123_SUBDOMAIN,
  labelName: LABEL_NAME,
  pinnedImage: PINNED_IMAGE,
} as const;

/** An image reference with an explicit tag or digest: an untagged image silently means `:latest`. */
export function isPinnedImage(image: unknown): image is string {
  return typeof image === 'string' && PINNED_IMAGE.test(image);
}

export function isOneOf<T extends string>(allowed: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}
