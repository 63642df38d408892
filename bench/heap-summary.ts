/**
 * Where does the heap go? Summarizes a V8 .heapsnapshot (from `BENCH_SCALE_HEAP_SNAPSHOT=10000 npm
 * run bench -- scale`) by self size per constructor (object, closure, array, string…), and lists the
 * strings taking most room (repeated keys, timestamps and serialized JSON show up there).
 *
 *   npx tsx bench/heap-summary.ts bench/results/profiles/Heap.*.heapsnapshot [--top 25]
 */
import { readFileSync } from 'node:fs';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  readonly key: string;
  count: number;
  bytes: number;
}

/** Self size per "type:name" (name only for objects/closures; strings grouped as one, by value below). */
export function summarizeHeap(snap: HeapSnapshot): { total: number; groups: HeapGroup[]; strings: HeapGroup[] } {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const stride = fields.length;
  const groups = new Map<string, HeapGroup>();
  const strings = new Map<string, HeapGroup>();
  let total = 0;
  const add = (map: Map<string, HeapGroup>, key: string, bytes: number) => {
    const g = map.get(key) ?? { key, count: 0, bytes: 0 };
    g.count++;
    g.bytes += bytes;
    map.set(key, g);
  };
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + iType]];
    const name = snap.strings[snap.nodes[i + iName]];
    const size = snap.nodes[i + iSize];
    total += size;
    const named = type === 'object' || type === 'closure' || type === 'native';
    add(groups, named ? `${type}:${name}` : type, size);
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') add(strings, name.slice(0, 80), size);
  }
  const bySize = (m: Map<string, HeapGroup>) => [...m.values()].sort((a, b) => b.bytes - a.bytes);
  return { total, groups: bySize(groups), strings: bySize(strings) };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
  const files = args.filter((a, i) => !a.startsWith('--') && i !== topAt + 1);
  if (files.length === 0) {
    process.stderr.write('Usage: npx tsx bench/heap-summary.ts <file.heapsnapshot>... [--top N]\n');
    process.exit(2);
  }
  const MiB = (b: number) => (b / 2 ** 20).toFixed(2).padStart(8);
  for (const file of files) {
    const { total, groups, strings } = summarizeHeap(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot);
    process.stdout.write(`${file}: ${MiB(total)} MiB in the snapshot\n\nSelf size by constructor:\n`);
    for (const g of groups.slice(0, top)) process.stdout.write(`${MiB(g.bytes)} MiB ${String(g.count).padStart(9)}  ${g.key}\n`);
    process.stdout.write('\nStrings by value (first 80 characters):\n');
    for (const g of strings.slice(0, top)) process.stdout.write(`${MiB(g.bytes)} MiB ${String(g.count).padStart(9)}  ${JSON.stringify(g.key)}\n`);
  }
}
