/**
 * What `spec.settings` of a QuidditchIndex may hold: search-engine index settings as they really are —
 * nested objects whose leaves are strings, numbers, booleans or lists of them
 * (`analysis.analyzer.folded.filter: [lowercase, asciifolding]`, `max_result_window: 20000`,
 * `refresh_interval: "1s"`), within a size bound. The CRD's schema keeps the object free-form (a
 * structural schema cannot say "string or number or object"), checks what CEL can check at the top
 * level, and refuses the keys that would contradict spec; the constructs and the operator check the
 * rest with the pure function below, so all three say the same thing.
 */

/** One setting value: a plain value, a list of plain values, or an object of settings. */
export type IndexSettingValue = string | number | boolean | readonly (string | number | boolean)[] | IndexSettings;

/** Index settings: nested or dotted keys (`index.refresh_interval` ≡ `{ index: { refresh_interval } }`). */
export interface IndexSettings {
  readonly [key: string]: IndexSettingValue;
}

export const SETTINGS_LIMITS = {
  /** Keys at the top level of spec.settings. */
  maxTopLevelKeys: 128,
  /** Objects within objects below spec.settings. */
  maxDepth: 8,
  /** spec.settings as JSON: settings are metadata, not data. */
  maxBytes: 65_536,
} as const;

/** Settings whose value spec says (the shard count) and must not be said twice, with the spec field that says it. */
export const SPEC_OWNED_SETTINGS: Readonly<Record<string, string>> = {
  number_of_shards: 'shards',
  number_of_replicas: 'replicas',
};

/** One thing wrong in spec.settings: where, what was found there, and the rule it breaks. */
export interface SettingsProblem {
  readonly path: string;
  readonly value: unknown;
  readonly rule: string;
}

/**
 * Pure: every problem of `settings` (undefined: none), each naming its path under `path`:
 * leaves that are not strings, numbers or booleans (null, lists of objects), nesting deeper than
 * SETTINGS_LIMITS.maxDepth, too many top-level keys, more than SETTINGS_LIMITS.maxBytes as JSON, and
 * the keys spec owns in any spelling (`number_of_shards`, `index.number_of_shards`, `index: { number_of_shards }`).
 */
export function indexSettingsProblems(settings: unknown, path = 'spec.settings'): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  const add = (at: string, value: unknown, rule: string) => problems.push({ path: at, value, rule });
  if (settings === undefined) return problems;
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    add(path, settings, 'must be an object of settings, like { refresh_interval: "1s" }');
    return problems;
  }
  const walk = (value: unknown, at: string, depth: number): void => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return;
    if (Array.isArray(value)) {
      // Lists of plain values are real settings (e.g. an analyzer's filter list).
      value.forEach((v, i) => {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') add(`${at}[${i}]`, v, 'must be a string, number or boolean');
      });
      return;
    }
    if (value === null || typeof value !== 'object') {
      add(at, value, 'must be a string, number, boolean, a list of them or an object of settings');
      return;
    }
    if (depth > SETTINGS_LIMITS.maxDepth) {
      add(at, '{…}', `must not be nested more than ${SETTINGS_LIMITS.maxDepth} levels deep`);
      return;
    }
    for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`, depth + 1);
  };
  const top = Object.keys(settings);
  if (top.length > SETTINGS_LIMITS.maxTopLevelKeys) add(path, `${top.length} keys`, `must have at most ${SETTINGS_LIMITS.maxTopLevelKeys} keys`);
  for (const [k, v] of Object.entries(settings)) walk(v, `${path}.${k}`, 1);
  // `spec.settings` → `spec.shards`; a construct's `settings` → its `shards` prop.
  const specPrefix = path.endsWith('settings') ? path.slice(0, -'settings'.length) : '';
  for (const [key, field] of Object.entries(SPEC_OWNED_SETTINGS)) {
    const owner = `${specPrefix}${field}`;
    if (specOwnedKeyIn(settings as Record<string, unknown>, key)) add(path, `{ ${key}: … }`, `must not set ${key}: ${owner} says it. Remove it and set ${owner}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(settings));
  if (bytes > SETTINGS_LIMITS.maxBytes) add(path, `${bytes} bytes as JSON`, `must be at most ${SETTINGS_LIMITS.maxBytes} bytes as JSON`);
  return problems;
}

function specOwnedKeyIn(settings: Record<string, unknown>, key: string): boolean {
  const index = settings['index'];
  return key in settings || `index.${key}` in settings || (typeof index === 'object' && index !== null && !Array.isArray(index) && key in index);
}
