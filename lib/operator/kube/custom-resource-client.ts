import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, ObjectMeta } from '../../api/v1';

/** What every Quidditch custom resource looks like to the client. */
export interface CustomResource<Spec = unknown, Status = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Reads and writes one kind of quidditch.io/v1 resource. Every write that depends on what was read
 * carries the resourceVersion it was computed from, so the API server rejects it with 409 when the
 * object changed in between (optimistic concurrency) instead of silently overwriting a newer write.
 */
export class CustomResourceClient<T extends CustomResource> {
  private readonly api: CustomObjectsApi;

  constructor(
    kubeConfig: KubeConfig,
    readonly plural: string,
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** A fresh read from the API server (not the cache); undefined when it does not exist. */
  async get(namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: this.plural, name })) as T;
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  async create(namespace: string, body: T): Promise<T> {
    return (await this.api.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: this.plural, body })) as T;
  }

  async delete(namespace: string, name: string): Promise<void> {
    try {
      await this.api.deleteNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: this.plural, name });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  /** Replaces status through the status subresource, failing with 409 if the object is no longer at resourceVersion. */
  async patchStatus(namespace: string, name: string, resourceVersion: string | undefined, status: unknown): Promise<T> {
    const body = { metadata: resourceVersion ? { resourceVersion } : {}, status };
    return (await this.api.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION, namespace, plural: this.plural, name, body },
      mergePatch,
    )) as T;
  }

  /** Merges `spec` into the object's spec (a JSON merge patch, as `kubectl patch --type merge`). */
  async patchSpec(namespace: string, name: string, spec: Record<string, unknown>): Promise<T> {
    return (await this.api.patchNamespacedCustomObject(
      { group: API_GROUP, version: API_VERSION, namespace, plural: this.plural, name, body: { spec } },
      mergePatch,
    )) as T;
  }

  /** Sets metadata.finalizers, failing with 409 if the object is no longer at resourceVersion. */
  async patchFinalizers(namespace: string, name: string, resourceVersion: string | undefined, finalizers: string[]): Promise<T> {
    const body = { metadata: { finalizers, ...(resourceVersion ? { resourceVersion } : {}) } };
    return (await this.api.patchNamespacedCustomObject(
      { group: API_GROUP, version: API_VERSION, namespace, plural: this.plural, name, body },
      mergePatch,
    )) as T;
  }
}

/** The HTTP status of a client-node ApiException (or undefined for network errors). */
export function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isConflict(err: unknown): boolean {
  return statusCodeOf(err) === 409;
}
