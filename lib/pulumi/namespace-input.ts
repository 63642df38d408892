/**
 * The namespace as a Pulumi Input (e.g. `ns.metadata.name` of a Namespace in the same stack). Unlike
 * the other Inputs (input-props.ts) it appears in logical names and inside strings (service hosts,
 * the ClusterRole name), so the objects are planned with a placeholder in its place, and the
 * placeholder is replaced wherever it occurs: whole strings by the Output, embedded ones by an
 * Output of the string with the value spliced in. A DNS label, so the model's validation accepts it.
 */
import * as pulumi from '@pulumi/pulumi';
import { isDns1123Label, ValidationError } from '../model/validation';

export const NAMESPACE_PLACEHOLDER = 'pulumi-input-namespace-0f3c';

/** Returns the namespace an Input resolved to, or throws the model's ValidationError for it. */
export function checkNamespace(owner: string, namespace: string): string {
  if (!isDns1123Label(namespace)) {
    throw new ValidationError('QuidditchCluster', owner, [
      { path: 'namespace', value: namespace, rule: 'must be a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters)' },
    ]);
  }
  return namespace;
}

/** Deep copy of `value` where every occurrence of `placeholder` in a string is replaced by `input`. */
export function spliceInput(value: unknown, placeholder: string, input: pulumi.Output<string>): unknown {
  if (typeof value === 'string') {
    if (value === placeholder) return input;
    return value.includes(placeholder) ? input.apply((v) => value.split(placeholder).join(v)) : value;
  }
  if (Array.isArray(value)) return value.map((v) => spliceInput(v, placeholder, input));
  if (value !== null && typeof value === 'object' && !pulumi.Output.isInstance(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, spliceInput(v, placeholder, input)]));
  }
  return value;
}

/** Deep copy of `value` where every occurrence of `placeholder` in a string (keys too) is `text`. */
export function replaceText<T>(value: T, placeholder: string, text: string): T {
  if (placeholder === text) return value;
  if (typeof value === 'string') return value.split(placeholder).join(text) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((v) => replaceText(v, placeholder, text)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k.split(placeholder).join(text), replaceText(v, placeholder, text)])) as T;
  }
  return value;
}
