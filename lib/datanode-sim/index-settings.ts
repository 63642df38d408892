/**
 * Which index settings and mapping changes an open copy can take, as a search engine decides it:
 * dynamic settings change in place; static ones are fixed when the copy is created (changing them
 * needs a closed index or a reindex); mapping fields can be added, never re-typed. Pure functions
 * over the JSON the operator sends.
 */

/**
 * Static settings (without the optional `index.` prefix), as in Elasticsearch/OpenSearch: a key
 * equal to one of these or below it (`analysis.analyzer.x.type`) is static. Every other key is
 * dynamic (`refresh_interval`, `max_result_window`, `number_of_routing_shards` is static…).
 */
export const STATIC_SETTINGS: readonly string[] = [
  'number_of_shards',
  'number_of_routing_shards',
  'codec',
  'routing_partition_size',
  'soft_deletes',
  'sort',
  'analysis',
  'similarity',
  'store',
  'shard.check_on_startup',
  'mapping.source',
];

/** A JSON object as settings and mappings are sent; "" or absent means none. */
export function parseObject(json: string | undefined, what: string): Record<string, unknown> {
  if (!json) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Settings flattened to dotted keys without the `index.` prefix, each value as JSON text, so
 * `{index: {refresh_interval: "1s"}}` and `{"index.refresh_interval": "1s"}` compare equal.
 */
export function flattenSettings(settings: Record<string, unknown>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(settings)) {
    const key = `${prefix}${k}`;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [fk, fv] of flattenSettings(v as Record<string, unknown>, `${key}.`)) out.set(fk, fv);
    } else {
      out.set(key.startsWith('index.') ? key.slice('index.'.length) : key, JSON.stringify(v));
    }
  }
  return out;
}

export function isStaticSetting(key: string): boolean {
  return STATIC_SETTINGS.some((s) => key === s || key.startsWith(`${s}.`));
}

/** The static keys whose value differs (added, changed or removed) between two settings objects, sorted. */
export function staticSettingChanges(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const a = flattenSettings(before);
  const b = flattenSettings(after);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k) && isStaticSetting(k)).sort();
}

/** Field path → declared type, for every field under `properties` (recursively). */
export function mappingFieldTypes(mappings: Record<string, unknown>, prefix = ''): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const props = mappings['properties'];
  if (typeof props !== 'object' || props === null) return out;
  for (const [name, def] of Object.entries(props as Record<string, unknown>)) {
    if (typeof def !== 'object' || def === null) continue;
    const field = def as Record<string, unknown>;
    const path = `${prefix}${name}`;
    // An object field without a type has sub-properties; the engine calls its type "object".
    out.set(path, typeof field['type'] === 'string' ? field['type'] : field['properties'] ? 'object' : undefined);
    for (const [p, t] of mappingFieldTypes(field, `${path}.`)) out.set(p, t);
  }
  return out;
}

/** `field: old → new` for every field whose type the new mappings change, sorted. */
export function mappingTypeChanges(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const a = mappingFieldTypes(before);
  const b = mappingFieldTypes(after);
  return [...b.entries()]
    .filter(([path, type]) => a.has(path) && a.get(path) !== undefined && type !== undefined && a.get(path) !== type)
    .map(([path, type]) => `${path}: ${a.get(path)} → ${type}`)
    .sort();
}

/** `before` with everything in `after` laid over it: fields are added, none removed. */
export function mergeMappings(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...before };
  for (const [k, v] of Object.entries(after)) {
    const old = out[k];
    out[k] =
      isPlainObject(old) && isPlainObject(v) ? mergeMappings(old as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/**
 * Why a copy holding `current` settings/mappings cannot take `next` (undefined when it can).
 * The reason names every offending key and the way out.
 */
export function refusalOf(
  current: { settings: Record<string, unknown>; mappings: Record<string, unknown> },
  next: { settings: Record<string, unknown>; mappings: Record<string, unknown> },
): string | undefined {
  const problems: string[] = [];
  const statics = staticSettingChanges(current.settings, next.settings);
  if (statics.length > 0) {
    problems.push(`static setting${statics.length > 1 ? 's' : ''} ${statics.map((k) => `index.${k}`).join(', ')} cannot change on an open index`);
  }
  const retyped = mappingTypeChanges(current.mappings, next.mappings);
  if (retyped.length > 0) problems.push(`mapping field types cannot change (${retyped.join(', ')})`);
  if (problems.length === 0) return undefined;
  return `${problems.join('; ')}. Create a new index with the new settings and mappings and reindex into it, or revert the change.`;
}

/**
 * The definition a copy holding `current` gets from `next` (whole settings and mappings as JSON):
 * the new settings as sent, the mappings merged; or why it refuses them.
 * @throws Error when `next` is not JSON objects (naming the field).
 */
export function applyDefinition(
  current: { readonly settingsJson: string; readonly mappingsJson: string },
  next: { readonly settingsJson?: string; readonly mappingsJson?: string },
): { readonly refusal: string } | { readonly settingsJson: string; readonly mappingsJson: string } {
  const before = { settings: parseObject(current.settingsJson, 'stored settings'), mappings: parseObject(current.mappingsJson, 'stored mappings') };
  const after = { settings: parseObject(next.settingsJson, 'settings_json'), mappings: parseObject(next.mappingsJson, 'mappings_json') };
  const refusal = refusalOf(before, after);
  if (refusal) return { refusal };
  const merged = mergeMappings(before.mappings, after.mappings);
  return { settingsJson: next.settingsJson ?? '', mappingsJson: Object.keys(merged).length > 0 ? JSON.stringify(merged) : '' };
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
