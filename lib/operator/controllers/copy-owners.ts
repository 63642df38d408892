import type { QuidditchIndex } from '../../api/v1';
import { copyNamespaceOf } from './copy-identity';

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * Which QuidditchIndex objects own the copies a data node reports as `namespace/index`. The nodes
 * name a copy by the namespace it was created in; an index imported into another namespace
 * (quidditch.io/copy-namespace) owns copies named after the namespace it was exported from, so a
 * change the node reports must reach that index, not a (likely absent) one of the old namespace.
 * Kept current from the index informer; only indices whose copy namespace differs take room here.
 */
export class CopyOwners {
  /** copy key (namespace the copies carry / name) → keys of the indices imported from there. */
  private readonly imported = new Map<string, Set<string>>();
  /** index key → its copy key, for the indices in `imported`. */
  private readonly copyKeyOf = new Map<string, string>();

  track(index: QuidditchIndex): void {
    const namespace = index.metadata.namespace ?? 'default';
    const name = index.metadata.name ?? '';
    const key = keyOf(namespace, name);
    const copyNamespace = copyNamespaceOf(index);
    const copyKey = copyNamespace === namespace ? undefined : keyOf(copyNamespace, name);
    if (this.copyKeyOf.get(key) === copyKey) return;
    this.forget(namespace, name);
    if (!copyKey) return;
    this.copyKeyOf.set(key, copyKey);
    const owners = this.imported.get(copyKey) ?? new Set<string>();
    owners.add(key);
    this.imported.set(copyKey, owners);
  }

  forget(namespace: string, name: string): void {
    const key = keyOf(namespace, name);
    const copyKey = this.copyKeyOf.get(key);
    if (copyKey === undefined) return;
    this.copyKeyOf.delete(key);
    const owners = this.imported.get(copyKey);
    owners?.delete(key);
    if (owners?.size === 0) this.imported.delete(copyKey);
  }

  /** The index keys to reconcile when copies named `copyKey` change: that key itself, and every index imported from it. */
  ownersOf(copyKey: string): string[] {
    return [copyKey, ...(this.imported.get(copyKey) ?? [])];
  }
}
