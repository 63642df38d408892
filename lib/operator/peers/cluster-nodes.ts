/**
 * The data nodes an operator run with --cluster-name may use: its own cluster's (QuidditchNode
 * labelled quidditch.io/cluster=<its name>) and nodes that name no cluster (registered by data nodes
 * older than the label, or run by hand) — never another cluster's. Filtered on the client, not with
 * a label selector, because a selector cannot keep the unlabelled nodes: hiding those on upgrade
 * would make every copy on them look lost until each node re-registered with its label.
 *
 * A node that turns into another cluster's (its label changed) is reported as deleted, so every
 * consumer (routing, the node and index controllers) forgets it as it would a removed node.
 */
import type { QuidditchNode } from '../../api/v1';
import { CLUSTER_LABEL } from '../../model/labels';
import type { EventSource, ObjectStore } from '../runtime/source';

type Handler = (node: QuidditchNode) => void;

/** True when a node with this label may be used by the operator of `cluster`. */
export function isClusterNode(node: QuidditchNode, cluster: string): boolean {
  const label = node.metadata.labels?.[CLUSTER_LABEL];
  return label === undefined || label === cluster;
}

export class ClusterNodes implements ObjectStore<QuidditchNode>, EventSource<QuidditchNode> {
  private readonly adds: Handler[] = [];
  private readonly updates: Handler[] = [];
  private readonly deletes: Handler[] = [];
  /** Keys of the nodes last reported as visible, to turn "became another cluster's" into a delete. */
  private readonly shown = new Set<string>();

  constructor(private readonly source: ObjectStore<QuidditchNode> & EventSource<QuidditchNode>, private readonly cluster: string) {
    const key = (n: QuidditchNode) => `${n.metadata.namespace ?? ''}/${n.metadata.name ?? ''}`;
    const changed = (n: QuidditchNode, first: Handler[]) => {
      if (this.visible(n)) {
        const known = this.shown.has(key(n));
        this.shown.add(key(n));
        (known ? this.updates : first).forEach((h) => h(n));
      } else if (this.shown.delete(key(n))) {
        this.deletes.forEach((h) => h(n));
      }
    };
    source.onAdd((n) => changed(n, this.adds));
    source.onUpdate((n) => changed(n, this.adds));
    source.onDelete((n) => {
      if (this.shown.delete(key(n))) this.deletes.forEach((h) => h(n));
    });
  }

  get(namespace: string, name: string): QuidditchNode | undefined {
    const node = this.source.get(namespace, name);
    return node && this.visible(node) ? node : undefined;
  }

  list(namespace?: string): QuidditchNode[] {
    return this.source.list(namespace).filter((n) => this.visible(n));
  }

  onAdd(handler: Handler): void {
    this.adds.push(handler);
  }

  onUpdate(handler: Handler): void {
    this.updates.push(handler);
  }

  onDelete(handler: Handler): void {
    this.deletes.push(handler);
  }

  private visible(node: QuidditchNode): boolean {
    return isClusterNode(node, this.cluster);
  }
}
