/**
 * @module Reads a V8 heap snapshot (`npm run bench -- --profile` writes one of the proxy after its
 * last load step) and prints what the heap is made of: for each kind of object (its constructor,
 * or its V8 type), how many there are and their own size, largest first; with `--per <n>` the
 * same divided by n (the open streams), and with `--retainers <name>` who holds a sample of the
 * objects of that constructor (the owner's kind and the edge's name).
 *
 * Usage: `npx tsx bench/heap-summary.ts <file.heapsnapshot> [--per 10000] [--top 40]
 * [--retainers Context] [--strings]` (`--strings`: the strings by what they start with).
 */
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const {values, positionals} = parseArgs({
  allowPositionals: true,
  options: {
    per: {type: 'string', default: '1'},
    top: {type: 'string', default: '40'},
    retainers: {type: 'string'},
    strings: {type: 'boolean', default: false},
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: npx tsx bench/heap-summary.ts <file.heapsnapshot> [--per n] [--top n]');
  process.exit(2);
}
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const {meta} = snap.snapshot;
const nodeWidth = meta.node_fields.length;
const edgeWidth = meta.edge_fields.length;
const nodeType = meta.node_types[0];
const edgeType = meta.edge_types[0];
const [typeAt, nameAt, sizeAt, edgesAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
  meta.node_fields.indexOf(f)
) as [number, number, number, number];
const [eTypeAt, eNameAt, eToAt] = ['type', 'name_or_index', 'to_node'].map((f) =>
  meta.edge_fields.indexOf(f)
) as [number, number, number];
const {nodes, edges, strings} = snap;
const count = nodes.length / nodeWidth;

/** A node's kind: its constructor for objects and closures, else its V8 type. */
function kind(node: number): string {
  const type = nodeType[nodes[node * nodeWidth + typeAt] ?? 0] ?? '?';
  const name = strings[nodes[node * nodeWidth + nameAt] ?? 0] ?? '';
  if (type === 'object' || type === 'native') return name.split(' ')[0] || type;
  if (type === 'closure') return `closure ${name || '(anonymous)'}`;
  if (type === 'hidden' || type === 'code' || type === 'array')
    return `(${type}) ${name.slice(0, 40)}`;
  return `(${type})`;
}

const totals = new Map<string, {count: number; bytes: number}>();
let heap = 0;
for (let n = 0; n < count; n++) {
  const size = nodes[n * nodeWidth + sizeAt] ?? 0;
  heap += size;
  const k = kind(n);
  const total = totals.get(k) ?? {count: 0, bytes: 0};
  total.count++;
  total.bytes += size;
  totals.set(k, total);
}
const per = Number(values.per);
const top = Number(values.top);
console.log(
  `${file}: ${count} objects, ${(heap / 1024 / 1024).toFixed(1)} MB` +
    (per > 1 ? `, ${(heap / per / 1024).toFixed(2)} KB per ${per}` : '')
);
console.log(
  `${'bytes'.padStart(12)} ${'count'.padStart(9)} ${per > 1 ? ' B/unit  n/unit ' : ''} kind`
);
for (const [k, t] of [...totals].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
  const unit =
    per > 1
      ? `${(t.bytes / per).toFixed(0).padStart(7)} ${(t.count / per).toFixed(2).padStart(7)} `
      : '';
  console.log(`${String(t.bytes).padStart(12)} ${String(t.count).padStart(9)} ${unit} ${k}`);
}

if (values.retainers) {
  // Who points at the objects of this constructor: a reverse pass over every edge.
  const wanted = values.retainers;
  const holders = new Map<string, number>();
  let firstEdge = 0;
  for (let n = 0; n < count; n++) {
    const edgeCount = nodes[n * nodeWidth + edgesAt] ?? 0;
    for (let e = firstEdge; e < firstEdge + edgeCount * edgeWidth; e += edgeWidth) {
      const to = (edges[e + eToAt] ?? 0) / nodeWidth;
      if (kind(to) !== wanted) continue;
      const type = edgeType[edges[e + eTypeAt] ?? 0] ?? '?';
      const nameOrIndex = edges[e + eNameAt] ?? 0;
      const edgeName =
        type === 'element' || type === 'hidden' ? `[${nameOrIndex}]` : strings[nameOrIndex];
      const key = `${kind(n)} —${type} ${edgeName}→`;
      holders.set(key, (holders.get(key) ?? 0) + 1);
    }
    firstEdge += edgeCount * edgeWidth;
  }
  console.log(`\nWho holds ${wanted}:`);
  for (const [key, n] of [...holders].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${String(n).padStart(9)}  ${key}`);
}

if (values.strings) {
  // Strings by their first 24 characters (digits as #), so that ids and tokens group together.
  const groups = new Map<string, {count: number; bytes: number}>();
  for (let n = 0; n < count; n++) {
    if (nodeType[nodes[n * nodeWidth + typeAt] ?? 0] !== 'string') continue;
    const text = strings[nodes[n * nodeWidth + nameAt] ?? 0] ?? '';
    const key = `${text.slice(0, 24).replace(/[0-9]/g, '#').replace(/\s/g, ' ')} (${text.length < 100 ? '<100' : text.length < 1000 ? '<1000' : '≥1000'})`;
    const group = groups.get(key) ?? {count: 0, bytes: 0};
    group.count++;
    group.bytes += nodes[n * nodeWidth + sizeAt] ?? 0;
    groups.set(key, group);
  }
  console.log('\nStrings:');
  for (const [key, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top))
    console.log(
      `${String(g.bytes).padStart(12)} ${String(g.count).padStart(9)}  ${JSON.stringify(key)}`
    );
}
