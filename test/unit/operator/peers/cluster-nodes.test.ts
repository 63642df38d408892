import type { QuidditchNode } from '../../../../lib/api/v1';
import { ClusterNodes } from '../../../../lib/operator/peers/cluster-nodes';
import type { EventSource, ObjectStore } from '../../../../lib/operator/runtime/source';

/** An informer's cache and events, driven by hand. */
class Source implements ObjectStore<QuidditchNode>, EventSource<QuidditchNode> {
  readonly nodes = new Map<string, QuidditchNode>();
  private readonly handlers = { add: [] as Array<(n: QuidditchNode) => void>, update: [] as Array<(n: QuidditchNode) => void>, delete: [] as Array<(n: QuidditchNode) => void> };
  get(_ns: string, name: string) {
    return this.nodes.get(name);
  }
  list() {
    return [...this.nodes.values()];
  }
  onAdd(h: (n: QuidditchNode) => void) {
    this.handlers.add.push(h);
  }
  onUpdate(h: (n: QuidditchNode) => void) {
    this.handlers.update.push(h);
  }
  onDelete(h: (n: QuidditchNode) => void) {
    this.handlers.delete.push(h);
  }
  emit(kind: 'add' | 'update' | 'delete', n: QuidditchNode) {
    if (kind === 'delete') this.nodes.delete(n.metadata.name ?? '');
    else this.nodes.set(n.metadata.name ?? '', n);
    this.handlers[kind].forEach((h) => h(n));
  }
}

const node = (name: string, cluster?: string): QuidditchNode => ({
  apiVersion: 'quidditch.io/v1', kind: 'QuidditchNode',
  metadata: { name, namespace: 'ns', ...(cluster ? { labels: { 'quidditch.io/cluster': cluster } } : {}) },
  spec: { nodeType: 'DATA', tier: 'hot', maxShards: 10, address: `${name}:9303` },
});

describe('ClusterNodes (the data nodes an operator with --cluster-name uses)', () => {
  it('shows its own cluster\'s nodes and nodes naming no cluster, never another cluster\'s', () => {
    const source = new Source();
    const view = new ClusterNodes(source, 'a');
    const seen: string[] = [];
    view.onAdd((n) => seen.push(`add ${n.metadata.name}`));
    view.onUpdate((n) => seen.push(`update ${n.metadata.name}`));
    view.onDelete((n) => seen.push(`delete ${n.metadata.name}`));
    source.emit('add', node('a-data-0', 'a'));
    source.emit('add', node('b-data-0', 'b'));
    source.emit('add', node('old-0'));
    expect(view.list().map((n) => n.metadata.name)).toEqual(['a-data-0', 'old-0']);
    expect([view.get('ns', 'a-data-0')?.metadata.name, view.get('ns', 'b-data-0')]).toEqual(['a-data-0', undefined]);
    source.emit('update', node('b-data-0', 'b'));
    source.emit('delete', node('b-data-0', 'b'));
    expect(seen).toEqual(['add a-data-0', 'add old-0']);
  });

  it('reports a node that turns out to be another cluster\'s as deleted, and one that becomes its own as added', () => {
    const source = new Source();
    const view = new ClusterNodes(source, 'a');
    const seen: string[] = [];
    view.onAdd((n) => seen.push(`add ${n.metadata.name}`));
    view.onUpdate((n) => seen.push(`update ${n.metadata.name}`));
    view.onDelete((n) => seen.push(`delete ${n.metadata.name}`));
    source.emit('add', node('old-0'));
    source.emit('update', node('old-0'));
    source.emit('update', node('old-0', 'b')); // re-registered with its label: b's node
    source.emit('update', node('b-1', 'b'));
    source.emit('update', node('b-1', 'a'));
    expect(seen).toEqual(['add old-0', 'update old-0', 'delete old-0', 'add b-1']);
    expect(view.list().map((n) => n.metadata.name)).toEqual(['b-1']);
  });
});
