/**
 * Reads the zone of a Kubernetes Node: its topology.kubernetes.io/zone label. One GET per Node,
 * remembered for a while: the node reconciler runs on every heartbeat, and a Node's zone label is set
 * when the kubelet registers and practically never changes, so re-reading it each time would only
 * load the API server. The operator needs `get` on nodes for this and nothing else: it reads only the
 * Nodes its data nodes name, never lists or watches all of them.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ZONE_LABEL } from '../../api/v1';
import { messageOf } from '../runtime/errors';
import { statusCodeOf } from './custom-resource-client';

/** What reading one Kubernetes Node told about its zone. */
export type ZoneLookup =
  /** The Node exists; `zone` is its label, undefined when it has none. */
  | { readonly kind: 'found'; readonly node: string; readonly zone: string | undefined }
  /** No Node of that name (404). */
  | { readonly kind: 'missing'; readonly node: string }
  /** The read failed (e.g. 403: the operator may not get nodes); `message` says why. */
  | { readonly kind: 'failed'; readonly node: string; readonly message: string; readonly code?: number };

/** Where the node reconciler gets zones from (the API server in the operator). */
export interface NodeZoneSource {
  lookup(kubernetesNode: string): Promise<ZoneLookup>;
}

export interface KubernetesNodeZonesOptions {
  /** How long an answer is reused (--zone-cache-ttl): a label change is seen within this plus one heartbeat. @default 60000 */
  readonly ttlMs?: number;
  /** How long a failed read is reused before the next try. @default 10000 */
  readonly failureTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export class KubernetesNodeZones implements NodeZoneSource {
  private readonly api: CoreV1Api;
  private readonly cache = new Map<string, { lookup: ZoneLookup; until: number }>();

  constructor(kubeConfig: KubeConfig, private readonly options: KubernetesNodeZonesOptions = {}) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }

  async lookup(node: string): Promise<ZoneLookup> {
    const now = this.options.now ?? Date.now;
    const cached = this.cache.get(node);
    if (cached && cached.until > now()) return cached.lookup;
    const lookup = await this.read(node);
    const ttl = lookup.kind === 'failed' ? (this.options.failureTtlMs ?? 10_000) : (this.options.ttlMs ?? 60_000);
    this.cache.set(node, { lookup, until: now() + ttl });
    return lookup;
  }

  /** Forgets what was read (the next lookup of every Node reads it again). */
  clear(): void {
    this.cache.clear();
  }

  private async read(node: string): Promise<ZoneLookup> {
    try {
      const found = await this.api.readNode({ name: node });
      const zone = found.metadata?.labels?.[ZONE_LABEL];
      return { kind: 'found', node, zone: zone === '' ? undefined : zone };
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404) return { kind: 'missing', node };
      return { kind: 'failed', node, message: messageOf(err), ...(code !== undefined ? { code } : {}) };
    }
  }
}
