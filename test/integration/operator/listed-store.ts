import { CustomObjectsApi } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../../../lib/api/v1';
import type { ObjectStore } from '../../../lib/operator/runtime/source';

/** A cache filled by listing from the API server on demand: the real objects, refreshed explicitly between steps. */
export class ListedStore<T extends { metadata: { name?: string; namespace?: string } }> implements ObjectStore<T> {
  private items: T[] = [];
  constructor(private readonly api: CustomObjectsApi, private readonly namespace: string, private readonly plural: string) {}
  async refresh(): Promise<void> {
    const list = (await this.api.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: this.namespace, plural: this.plural })) as { items: T[] };
    this.items = list.items;
  }
  get(namespace: string, name: string): T | undefined {
    return this.items.find((i) => i.metadata.namespace === namespace && i.metadata.name === name);
  }
  list(namespace?: string): T[] {
    return this.items.filter((i) => !namespace || i.metadata.namespace === namespace);
  }
}
