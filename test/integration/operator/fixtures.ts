import { CoreV1Api, CoordinationV1Api, KubeConfig, V1LeaseSpec } from '@kubernetes/client-node';
import type { QuidditchIndex, QuidditchNode, ShardAllocationStatus } from '../../../lib/api/v1';
import { CustomResourceClient } from '../../../lib/operator/kube/custom-resource-client';
import { testKubeConfig, waitFor } from '../../support/kube';
import { allLogs, SimProcess } from './harness';

/** Typed access to the test API server for operator tests. */
export class Cluster {
  readonly kc: KubeConfig = testKubeConfig();
  readonly indices = new CustomResourceClient<QuidditchIndex>(this.kc, 'quidditchindices');
  readonly nodes = new CustomResourceClient<QuidditchNode>(this.kc, 'quidditchnodes');
  readonly core = this.kc.makeApiClient(CoreV1Api);
  readonly coordination = this.kc.makeApiClient(CoordinationV1Api);

  constructor(readonly namespace: string) {}

  createIndex(name: string, shards: number, replicas: number): Promise<QuidditchIndex> {
    return this.indices.create(this.namespace, {
      apiVersion: 'quidditch.io/v1',
      kind: 'QuidditchIndex',
      metadata: { name, namespace: this.namespace },
      spec: { shards, replicas },
    });
  }

  async index(name: string): Promise<QuidditchIndex> {
    const idx = await this.indices.get(this.namespace, name);
    if (!idx) throw new Error(`QuidditchIndex ${this.namespace}/${name} does not exist`);
    return idx;
  }

  /** Waits until the index satisfies `check`, failing with the last status and every process log. */
  async waitForIndex(name: string, check: (i: QuidditchIndex) => boolean, description: string, timeoutMs = 60_000): Promise<QuidditchIndex> {
    try {
      return await waitFor(async () => {
        const idx = await this.indices.get(this.namespace, name);
        return idx && check(idx) ? idx : undefined;
      }, { timeoutMs, intervalMs: 200, description: `${name}: ${description}` });
    } catch (err) {
      const last = await this.indices.get(this.namespace, name).catch(() => undefined);
      throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status, null, 1)}\n${allLogs()}`, { cause: err });
    }
  }

  /**
   * ACTIVE with the given health for the current generation; green also means no copy is moving
   * (a relocation keeps an index green while its source is RELOCATING and its target INITIALIZING,
   * so allocations read then are not the ones the index settles on).
   */
  waitForActive(name: string, health: 'green' | 'yellow' = 'green', timeoutMs?: number): Promise<QuidditchIndex> {
    return this.waitForIndex(name, (i) => i.status?.state === 'ACTIVE' && i.status.health === health && i.status.observedGeneration === i.metadata.generation &&
      (health === 'yellow' || (i.status.shardAllocations ?? []).every((a) => a.state === 'STARTED')), health === 'green' ? 'ACTIVE and green, every copy STARTED' : 'ACTIVE and yellow', timeoutMs);
  }

  /** A Secret's data, decoded to text; undefined while it does not exist. */
  async secretData(name: string): Promise<Record<string, string> | undefined> {
    try {
      const s = await this.core.readNamespacedSecret({ name, namespace: this.namespace });
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async node(name: string): Promise<QuidditchNode | undefined> {
    return this.nodes.get(this.namespace, name);
  }

  /** The namespace's Events (of one object when named); `instance` is the reporting operator's pod. */
  async events(involvedName?: string): Promise<{ type: string; reason: string; message: string; name: string; instance: string }[]> {
    const list = await this.core.listNamespacedEvent({ namespace: this.namespace });
    return list.items
      .filter((e) => !involvedName || e.involvedObject.name === involvedName)
      .map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '', name: e.involvedObject.name ?? '', instance: e.reportingInstance ?? '' }));
  }

  /**
   * The events of an object once every reason in `reasons` is among them. Events are written
   * fire-and-forget by the operator, so they may land a moment after the state they describe.
   */
  async waitForEvents(involvedName: string | undefined, reasons: readonly string[], timeoutMs = 15_000): Promise<{ type: string; reason: string; message: string; name: string }[]> {
    return waitFor(async () => {
      const events = await this.events(involvedName);
      return reasons.every((r) => events.some((e) => e.reason === r)) ? events : undefined;
    }, { timeoutMs, intervalMs: 200, description: `events ${reasons.join(', ')}${involvedName ? ` of ${involvedName}` : ''}` });
  }

  /** The leader Lease's spec, or undefined while there is none. */
  async lease(leaseName = 'quidditch-operator'): Promise<LeaseTimes | undefined> {
    try {
      const spec: V1LeaseSpec | undefined = (await this.coordination.readNamespacedLease({ name: leaseName, namespace: this.namespace })).spec;
      if (!spec) return undefined;
      const ms = (t: Date | undefined) => (t ? new Date(t).getTime() : 0);
      return { holder: spec.holderIdentity ?? '', transitions: spec.leaseTransitions ?? 0, acquiredMs: ms(spec.acquireTime), renewedMs: ms(spec.renewTime) };
    } catch {
      return undefined;
    }
  }

  async leaseHolder(leaseName = 'quidditch-operator'): Promise<string | undefined> {
    try {
      const lease = await this.coordination.readNamespacedLease({ name: leaseName, namespace: this.namespace });
      return lease.spec?.holderIdentity || undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * The leader Lease as the replicas wrote it: times are their own clocks' (same machine here), so
 * comparing them shows what happened in which order, however slow the test's polling was.
 */
export interface LeaseTimes {
  readonly holder: string;
  readonly transitions: number;
  readonly acquiredMs: number;
  readonly renewedMs: number;
}

/** Every copy each sim holds, as `index/shard/p|r@node`, sorted. */
export async function heldCopies(sims: readonly SimProcess[], index?: string): Promise<string[]> {
  const out: string[] = [];
  for (const sim of sims) {
    const s = await sim.stats();
    for (const c of s.shards) if (!index || c.shard.indexName === index) out.push(`${c.shard.indexName}/${c.shard.shardId}/${c.shard.primary ? 'p' : 'r'}@${s.node}`);
  }
  return out.sort();
}

/** The allocations in status, in the same form as heldCopies. */
export function allocatedCopies(index: QuidditchIndex): string[] {
  return (index.status?.shardAllocations ?? []).map((a: ShardAllocationStatus) => `${index.metadata.name}/${a.shardId}/${a.primary ? 'p' : 'r'}@${a.nodeId}`).sort();
}

/** Checks the allocation invariants every test relies on: one primary per shard, replicas copies, distinct nodes. */
export function expectWellAllocated(index: QuidditchIndex): void {
  const byShard = new Map<number, ShardAllocationStatus[]>();
  for (const a of index.status?.shardAllocations ?? []) byShard.set(a.shardId, [...(byShard.get(a.shardId) ?? []), a]);
  expect([...byShard.keys()].sort((a, b) => a - b)).toEqual([...Array(index.spec.shards).keys()]);
  for (const [, copies] of byShard) {
    expect(copies.filter((c) => c.primary)).toHaveLength(1);
    expect(copies).toHaveLength(1 + (index.spec.replicas ?? 1));
    expect(new Set(copies.map((c) => c.nodeId)).size).toBe(copies.length);
  }
}
