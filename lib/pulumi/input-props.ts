/**
 * Splits QuidditchClusterArgs into plain props and the Inputs among them, and puts resolved values
 * back. Why this shape: the objects a cluster consists of, and their names, must be known when the
 * program runs (they become Pulumi resources), so they are planned from the plain props with every
 * Input left out (its default in its place). The objects' content is synthesized again, the same
 * way, once the Inputs resolve — and validated then, with the model's own ValidationError.
 *
 * An Input is tracked per prop: a prop whose value is an Input, or holds one anywhere inside (a map
 * whose values are Outputs), is one Input as a whole (`pulumi.output` unwraps it deeply). A prop is a
 * leaf of QUIDDITCH_CLUSTER_PROPS_SCHEMA below its closed objects (`dataNodes.nodeSelector`,
 * `dataNodes.resources.cpuRequest`, `labels`).
 */
import * as pulumi from '@pulumi/pulumi';
import type { QuidditchClusterProps } from '../model/props';
import { PropSchema, QUIDDITCH_CLUSTER_PROPS_SCHEMA } from '../model/props-schema';
import { Problem, ValidationError } from '../model/validation';

/** Props that decide which objects exist or how they are checked: never Inputs (see args.ts). */
export const PLAIN_ONLY_PROPS: Readonly<Record<string, string>> = {
  mode: 'it decides which objects exist',
  name: 'it names every object',
  crds: 'it decides whether the CRDs exist',
  migration: 'it decides which objects exist',
  'operator.replicas': 'a PodDisruptionBudget exists only above 1 replica',
  'operator.ownIndicesOnly': 'the component compares it with other clusters in the namespace when the program runs',
  'operator.shardAllocationMirror': 'it is a feature switch',
  'operator.finalizerAdmissionPolicy': 'it decides which objects exist',
  'raft.replicas': 'it decides the Raft peer list and the PodDisruptionBudget',
  'monitoring.enabled': 'it decides which objects exist',
  'monitoring.podMonitor': 'it decides which objects exist',
  'monitoring.prometheusRule': 'it decides which objects exist',
  'monitoring.dashboard': 'it decides which objects exist',
  'security.nodeAdmissionPolicy': 'it decides which objects exist',
  'security.networkPolicies.enabled': 'it decides which objects exist',
  'security.networkPolicies.restrictEgress': 'it is a feature switch',
  'security.insecurePlaintextGrpc': 'it decides whether the TLS Secrets and mounts exist',
  'security.certManager.issuerRef.name': 'it decides which cert-manager objects exist',
  'security.certManager.issuerRef.kind': 'it decides which cert-manager objects exist',
  'security.certManager.issuerRef.group': 'it decides which cert-manager objects exist',
};

/** One prop given as an Input: where it is, and its value as an Output. */
export interface InputProp {
  readonly path: readonly string[];
  readonly value: pulumi.Output<unknown>;
}

export interface SplitArgs {
  /** The props with every InputProp left out. */
  readonly plain: QuidditchClusterProps;
  readonly inputs: readonly InputProp[];
}

export function isInput(value: unknown): boolean {
  return pulumi.Output.isInstance(value) || (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function');
}

function holdsInput(value: unknown): boolean {
  if (isInput(value)) return true;
  if (Array.isArray(value)) return value.some(holdsInput);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsInput);
  return false;
}

const isClosed = (s: PropSchema | undefined): s is PropSchema & { properties: Record<string, PropSchema> } => s?.type === 'object' && s.properties !== undefined;
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !isInput(v);

function refuse(owner: string, path: string, reason: string): never {
  throw new Error(
    `Unable to plan QuidditchCluster ${owner}: ${path} is a Pulumi Input, but ${reason}, so it must be known when the program runs. Pass a plain value (e.g. from pulumi.Config).`,
  );
}

/**
 * Splits the args (without the Pulumi-only props). Throws when an Input stands where a plain value
 * is needed: a plain-only prop, or an object holding one (pass the object, with Inputs in its fields).
 */
export function splitInputs(owner: string, args: Record<string, unknown>): SplitArgs {
  const inputs: InputProp[] = [];
  const walk = (value: Record<string, unknown>, schema: PropSchema & { properties: Record<string, PropSchema> }, at: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const path = [...at, key];
      const dotted = path.join('.');
      const child = schema.properties[key];
      if (PLAIN_ONLY_PROPS[dotted] !== undefined && isInput(v)) refuse(owner, dotted, PLAIN_ONLY_PROPS[dotted]);
      if (isClosed(child) && isRecord(v)) {
        out[key] = walk(v, child, path);
      } else if (isClosed(child) && isInput(v)) {
        const inside = Object.keys(PLAIN_ONLY_PROPS).filter((p) => p.startsWith(`${dotted}.`));
        if (inside.length > 0) refuse(owner, dotted, `it holds ${inside.join(', ')}, which must be plain`);
        inputs.push({ path, value: pulumi.output(v) });
      } else if (child !== undefined && holdsInput(v)) {
        inputs.push({ path, value: pulumi.output(v) });
      } else {
        out[key] = v; // unknown keys too: the shape check names them
      }
    }
    return out;
  };
  return { plain: walk(args, QUIDDITCH_CLUSTER_PROPS_SCHEMA as PropSchema & { properties: Record<string, PropSchema> }, []), inputs };
}

/**
 * Copy of `props` with `edit` applied to the object holding each path's last key. Only the objects
 * along the paths are copied (not structuredClone: values such as cdk8s Quantity instances must
 * keep their class, and a clone from another realm breaks cdk8s's plain-object checks).
 */
function editAt(props: QuidditchClusterProps, paths: readonly (readonly string[])[], edit: (holder: Record<string, unknown>, key: string, i: number) => void): QuidditchClusterProps {
  const root: Record<string, unknown> = { ...props };
  paths.forEach((path, i) => {
    let node = root;
    for (const key of path.slice(0, -1)) {
      node[key] = isRecord(node[key]) ? { ...node[key] } : {};
      node = node[key] as Record<string, unknown>;
    }
    edit(node, path[path.length - 1], i);
  });
  return root;
}

/** Copy of `props` with each Input's resolved value at its path. */
export function withValues(props: QuidditchClusterProps, inputs: readonly InputProp[], values: readonly unknown[]): QuidditchClusterProps {
  return editAt(props, inputs.map((i) => i.path), (holder, key, i) => (holder[key] = values[i]));
}

/** The prop a problem path (`dataNodes.volumeMounts[0].name`, `labels["team"]`) belongs to. */
export function propOf(problemPath: string): string[] {
  const segments = problemPath.replace(/\[.*$/, '').split('.');
  const prop: string[] = [];
  let schema: PropSchema | undefined = QUIDDITCH_CLUSTER_PROPS_SCHEMA;
  for (const s of segments) {
    if (!isClosed(schema) || schema.properties[s] === undefined) break;
    prop.push(s);
    schema = schema.properties[s];
    if (!isClosed(schema)) break;
  }
  return prop;
}

const startsWith = (a: readonly string[], b: readonly string[]) => b.every((s, i) => a[i] === s);
/** Props checked against each other: mounts name volumes. Fields of one small object (resources, leaderElection…) are coupled through their parent. */
const COUPLED = [['volumes', 'volumeMounts']];

/**
 * Whether a problem found with the Inputs left out may be due to that (the prop is an Input, or is
 * checked against one): such problems wait for the resolved values, which are validated in full.
 */
export function dependsOnInputs(problemPath: string, inputs: readonly InputProp[]): boolean {
  const prop = propOf(problemPath);
  return inputs.some(({ path }) => {
    if (startsWith(prop, path) || startsWith(path, prop)) return true;
    const parent = path.slice(0, -1);
    if (prop.length !== path.length || !startsWith(prop, parent)) return false;
    // Siblings in a small object (dataNodes.resources.*, operator.leaderElection.*) are checked together.
    if (parent.length >= 2) return true;
    const pair = [prop[prop.length - 1], path[path.length - 1]].sort().join();
    return COUPLED.some((c) => [...c].sort().join() === pair);
  });
}

/** Copy of `props` without the props at `paths`. */
export function without(props: QuidditchClusterProps, paths: readonly (readonly string[])[]): QuidditchClusterProps {
  return editAt(props, paths, (holder, key) => delete holder[key]);
}

/**
 * Runs `resolve` on the plain props. Problems that may stem from a left-out Input are deferred (the
 * props involved are dropped and resolve runs again); every other problem throws now, as it would
 * without Inputs. Returns the props that resolved.
 */
export function resolvePlain<T>(props: QuidditchClusterProps, inputs: readonly InputProp[], resolve: (p: QuidditchClusterProps) => T): { props: QuidditchClusterProps; result: T } {
  try {
    return { props, result: resolve(props) };
  } catch (err) {
    if (!(err instanceof ValidationError) || inputs.length === 0) throw err;
    const now: Problem[] = err.problems.filter((p) => !dependsOnInputs(p.path, inputs));
    if (now.length > 0) throw new ValidationError(err.kind, err.objectName, now);
    const reduced = without(props, err.problems.map((p) => propOf(p.path)).filter((p) => p.length > 0));
    return { props: reduced, result: resolve(reduced) };
  }
}
