/**
 * Checks that props have the shape QUIDDITCH_CLUSTER_PROPS_SCHEMA describes, for callers tsc does
 * not check (JavaScript, JSON or YAML config): one problem per prop, naming the prop, the value and
 * the expected shape with an example (`dataNodes.storage = "lots": must be an object like { size: "200Gi" }`).
 */
import type { PropSchema } from './props-schema';
import type { Problems } from './validation';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A value as a JavaScript literal, as a user would write it in props. */
export function formatExample(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatExample).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${formatExample(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value);
}

function expected(schema: PropSchema): string {
  const like = schema.examples?.length ? ` like ${formatExample(schema.examples[0])}` : '';
  switch (schema.type) {
    case 'object': return `must be an object${like}`;
    case 'array': return `must be a list${like}`;
    case 'integer': return 'must be an integer (a number, not a string)';
    case 'number': return 'must be a number (not a string)';
    case 'boolean': return 'must be a boolean';
    default: return `must be a string${like}`;
  }
}

function hasType(value: unknown, type: PropSchema['type']): boolean {
  switch (type) {
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    // Integrality and ranges are value rules (resolve.ts), with messages that name the range.
    case 'integer':
    case 'number': return typeof value === 'number';
    default: return typeof value === type;
  }
}

const join = (path: string, key: string) => (path === '' ? key : IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/** Records one problem per prop whose shape is wrong; `undefined` means "not set" and always passes. */
export function checkShape(value: unknown, schema: PropSchema, path: string, problems: Problems): void {
  if (value === undefined) return;
  if (!hasType(value, schema.type)) {
    problems.add(path === '' ? 'props' : path, value, expected(schema));
    return;
  }
  if (schema.type === 'array' && schema.items) {
    (value as unknown[]).forEach((item, i) => checkShape(item, schema.items!, `${path}[${i}]`, problems));
  }
  if (schema.type !== 'object') return;
  const known = schema.properties ?? {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const child = known[key];
    if (child) checkShape(v, child, join(path, key), problems);
    else if (typeof schema.additionalProperties === 'object') checkShape(v, schema.additionalProperties, join(path, key), problems);
    else if (schema.additionalProperties === false && v !== undefined) {
      problems.add(join(path, key), v, `is not a prop of ${path === '' ? 'QuidditchCluster' : path}; the props are ${Object.keys(known).join(', ')}`);
    }
  }
}
