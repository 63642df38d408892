/**
 * Images are the one part of the props that may be Pulumi Inputs (e.g. the output of an image
 * build in the same stack): an image only fills a field, it never changes which objects exist, so
 * the objects can be synthesized up front with a placeholder and the Input put in its place. Every
 * other prop decides names, modes or object counts and therefore must be a plain value.
 */
import * as pulumi from '@pulumi/pulumi';
import { isDns1123Label, isPinnedImage } from '../model/validation';

export type ImageRole = 'dataNodes' | 'operator' | 'raft';
export const IMAGE_ROLES: readonly ImageRole[] = ['dataNodes', 'operator', 'raft'];

/** A valid pinned reference in a reserved domain, so the model's validation accepts it. */
export function placeholderImage(role: ImageRole): string {
  return `pulumi-input.invalid/quidditch-${role.toLowerCase()}:pending`;
}

/** Deep copy of `value` where every string equal to a key of `replacements` becomes its value. */
export function replaceStrings(value: unknown, replacements: ReadonlyMap<string, unknown>): unknown {
  if (typeof value === 'string') return replacements.has(value) ? replacements.get(value) : value;
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, replacements));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceStrings(v, replacements)]));
  }
  return value;
}

/**
 * Paths of strings that contain `needle` without being equal to it: a placeholder inside a longer
 * string (say an env value) cannot be replaced by an Input.
 */
export function findEmbedded(value: unknown, needle: string, path = ''): string[] {
  if (typeof value === 'string') return value !== needle && value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findEmbedded(v, needle, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => findEmbedded(v, needle, path ? `${path}.${k}` : k));
  }
  return [];
}

/** Returns the image, or throws the model's rule when it is not pinned to a tag or digest. */
export function checkImage(owner: string, role: ImageRole, image: string): string {
  if (!isPinnedImage(image)) {
    throw new Error(
      `Unable to deploy QuidditchCluster ${owner}: ${role}.image = ${JSON.stringify(image)}: must be an image reference ` +
        'with a tag or digest (e.g. "registry/name:1.2.3"); an untagged image means :latest.',
    );
  }
  return image;
}

/** The Input as an Output that fails the deployment when its value turns out not to be pinned. */
export function validatedImage(owner: string, role: ImageRole, image: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.output(image).apply((img) => checkImage(owner, role, img));
}

/**
 * The namespace may be an Input too (e.g. `ns.metadata.name` of a Namespace in the same stack). It
 * fills fields, but also appears inside strings (service hosts, the ClusterRole name), so the
 * placeholder is replaced wherever it occurs: whole strings by the Output, embedded ones by an
 * Output of the string with the value spliced in. A DNS label, so the model's validation accepts it.
 */
export const NAMESPACE_PLACEHOLDER = 'pulumi-input-namespace-0f3c';

/** Returns the namespace an Input resolved to, or throws the model's rule for it. */
export function checkNamespace(owner: string, namespace: string): string {
  if (!isDns1123Label(namespace)) {
    throw new Error(`Unable to deploy QuidditchCluster ${owner}: namespace = ${JSON.stringify(namespace)}: must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters).`);
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
