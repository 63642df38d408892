import fc from 'fast-check';
import type { NodeState, ShardAllocationStatus } from '../../../../lib/api/v1';
import type { AllocationPlan, CandidateNode, IndexShape } from '../../../../lib/operator/allocation';

export const RUNS = { numRuns: 250 };

/** A node before its load is known: `other` is its load from other indices. */
export interface NodeSpec {
  name: string;
  state: NodeState | undefined;
  maxShards: number;
  zone?: string;
  other: number;
}

const nodeNames = Array.from({ length: 10 }, (_, i) => `node-${i}`);

export const arbState: fc.Arbitrary<NodeState | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<NodeState>('HEALTHY') },
  { weight: 1, arbitrary: fc.constant<NodeState>('UNHEALTHY') },
  { weight: 1, arbitrary: fc.constant<NodeState>('DRAINING') },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

export function arbNodes(opts: {
  min?: number;
  max?: number;
  state?: fc.Arbitrary<NodeState | undefined>;
  maxShards?: fc.Arbitrary<number>;
  other?: fc.Arbitrary<number>;
  zones?: fc.Arbitrary<string | undefined>;
} = {}): fc.Arbitrary<NodeSpec[]> {
  return fc
    .subarray(nodeNames, { minLength: opts.min ?? 0, maxLength: opts.max ?? nodeNames.length })
    .chain((names) =>
      fc.tuple(
        ...names.map((name) =>
          fc.record({
            name: fc.constant(name),
            state: opts.state ?? arbState,
            maxShards: opts.maxShards ?? fc.integer({ min: 1, max: 40 }),
            zone: opts.zones ?? fc.option(fc.constantFrom('zone-a', 'zone-b', 'zone-c'), { nil: undefined }),
            other: opts.other ?? fc.integer({ min: 0, max: 20 }),
          }),
        ),
      ),
    );
}

export const arbIndex = (max: { shards?: number; replicas?: number } = {}): fc.Arbitrary<IndexShape> =>
  fc.record({
    namespace: fc.constant('ns'),
    name: fc.constant('logs'),
    shards: fc.integer({ min: 1, max: max.shards ?? 12 }),
    replicas: fc.integer({ min: 0, max: max.replicas ?? 3 }),
  });

/** Any status, including garbage: copies on unknown nodes, out-of-range shards, duplicates. */
export const arbAllocations = (nodes: NodeSpec[]): fc.Arbitrary<ShardAllocationStatus[]> =>
  fc.array(
    fc.record({
      shardId: fc.integer({ min: 0, max: 14 }),
      nodeId: fc.constantFrom(...nodes.map((n) => n.name), 'gone-node'),
      primary: fc.boolean(),
      state: fc.constantFrom('INITIALIZING' as const, 'STARTED' as const, 'RELOCATING' as const),
    }),
    { maxLength: 40 },
  );

/** Candidates with load = load from other indices + this index's copies (the contract). */
export function candidates(nodes: readonly NodeSpec[], current: readonly ShardAllocationStatus[]): CandidateNode[] {
  return nodes.map((n) => ({
    name: n.name,
    state: n.state,
    maxShards: n.maxShards,
    zone: n.zone,
    load: n.other + current.filter((a) => a.nodeId === n.name).length,
  }));
}

export function finalLoad(node: NodeSpec, plan: AllocationPlan): number {
  return node.other + plan.allocations.filter((a) => a.nodeId === node.name).length;
}

/** Marks every copy STARTED, as data nodes would report after creating them (an UNASSIGNED copy is on no serving node: it stays). */
export function started(list: readonly ShardAllocationStatus[]): ShardAllocationStatus[] {
  return list.map((a) => (a.state === 'UNASSIGNED' ? a : { ...a, state: 'STARTED' }));
}
