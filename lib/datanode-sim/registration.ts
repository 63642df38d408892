import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, quidditchNodeDefinition } from '../api/v1';
import type { NodeResources, QuidditchNode, QuidditchNodeSpec } from '../api/v1';
import { CLUSTER_LABEL } from '../model/labels';
import { statusCodeOf } from '../operator/kube/custom-resource-client';

const coords = (namespace: string) => ({
  group: API_GROUP,
  version: API_VERSION,
  namespace,
  plural: quidditchNodeDefinition.plural,
});
const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** What a heartbeat reports; the operator owns status.state, so the node never writes it. */
export interface HeartbeatStatus {
  readonly allocatedShards: number;
  readonly resources: NodeResources;
  /** The node received SIGTERM and waits to be drained (false on every other beat, so a restart clears it). */
  readonly shuttingDown?: boolean;
}

/**
 * A data node's own QuidditchNode: created on start (or its spec brought up to date when it
 * already exists, e.g. after a restart with a new address), then kept alive by heartbeats.
 */
export class NodeRegistration {
  constructor(
    private readonly api: CustomObjectsApi,
    readonly namespace: string,
    readonly name: string,
    readonly spec: QuidditchNodeSpec,
    /** The cluster the node belongs to: written as the quidditch.io/cluster label. @default none */
    readonly cluster?: string,
  ) {}

  /** Creates the QuidditchNode, or merge-patches its spec when it differs. Returns what is stored. */
  async register(): Promise<QuidditchNode> {
    const c = coords(this.namespace);
    let existing: QuidditchNode | undefined;
    try {
      existing = (await this.api.getNamespacedCustomObject({ ...c, name: this.name })) as QuidditchNode;
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw this.fail('read', err);
    }
    if (!existing) {
      const body: QuidditchNode = {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: 'QuidditchNode',
        metadata: { name: this.name, namespace: this.namespace, ...(this.cluster !== undefined ? { labels: { [CLUSTER_LABEL]: this.cluster } } : {}) },
        spec: this.spec,
      };
      try {
        return (await this.api.createNamespacedCustomObject({ ...c, body })) as QuidditchNode;
      } catch (err) {
        // Another start of this node won the race: fall through to bring its spec up to date.
        if (statusCodeOf(err) !== 409) throw this.fail('create', err);
        existing = (await this.api.getNamespacedCustomObject({ ...c, name: this.name })) as QuidditchNode;
      }
    }
    const labelled = this.cluster === undefined || existing.metadata.labels?.[CLUSTER_LABEL] === this.cluster;
    if (specMatches(existing.spec, this.spec) && labelled) return existing;
    try {
      // null removes a zone or Kubernetes node the node no longer has (merge-patch semantics). The
      // cluster label is added to a QuidditchNode registered before nodes carried it.
      const body = { ...(labelled ? {} : { metadata: { labels: { [CLUSTER_LABEL]: this.cluster } } }), spec: { ...this.spec, zone: this.spec.zone ?? null, kubernetesNode: this.spec.kubernetesNode ?? null } };
      return (await this.api.patchNamespacedCustomObject({ ...c, name: this.name, body }, mergePatch())) as QuidditchNode;
    } catch (err) {
      throw this.fail('update', err);
    }
  }

  /**
   * Writes lastHeartbeat (now), allocatedShards and resources through the status subresource.
   * Re-registers first when the QuidditchNode was deleted meanwhile.
   */
  async heartbeat(status: HeartbeatStatus, now: Date = new Date()): Promise<void> {
    const body = { status: { lastHeartbeat: now.toISOString(), ...status } };
    const patch = () =>
      this.api.patchNamespacedCustomObjectStatus({ ...coords(this.namespace), name: this.name, body }, mergePatch());
    try {
      await patch();
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw this.fail('heartbeat', err);
      await this.register();
      await patch().catch((e: unknown) => {
        throw this.fail('heartbeat', e);
      });
    }
  }

  private fail(verb: string, err: unknown): Error {
    const code = statusCodeOf(err);
    const reason = (err as { body?: unknown })?.body ?? (err as Error)?.message ?? String(err);
    const fix =
      code === 403
        ? 'Grant the node\'s ServiceAccount get/create/patch on quidditchnodes and patch on quidditchnodes/status.'
        : 'Check that the API server is reachable and the QuidditchNode CRD is installed.';
    return new Error(
      `Unable to ${verb} QuidditchNode ${this.namespace}/${this.name}: ${code ?? 'error'} ${typeof reason === 'string' ? reason : JSON.stringify(reason)}. ${fix}`,
    );
  }
}

function specMatches(a: QuidditchNodeSpec, b: QuidditchNodeSpec): boolean {
  return (
    a.nodeType === b.nodeType &&
    a.tier === b.tier &&
    a.maxShards === b.maxShards &&
    a.address === b.address &&
    (a.zone ?? undefined) === (b.zone ?? undefined) &&
    (a.kubernetesNode ?? undefined) === (b.kubernetesNode ?? undefined)
  );
}
