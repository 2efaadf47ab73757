/**
 * @module `npx tsx bench/profile-summary.ts <file.cpuprofile> [top] [--messages <n>]`: where a CPU
 * profile (from `npm run bench -- --profile`) spent its time: self time by function, and by
 * package or folder. With `--messages`, the messages relayed in the profiled window: the main
 * thread's busy time per message, by kind of work (`budget`, also used by bench/run.ts).
 * Only the main thread is sampled: `process.cpuUsage()` also counts the GC's helper threads and
 * the kernel's side of the sockets.
 */
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** What a sample's frame was doing, in words: the rows of the per-message budget. */
function kind(functionName: string, url: string): string {
  if (!url) {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'garbage collection (main thread)';
    if (/^(writev|write\w*String|writeBuffer|readv?|close)$/.test(functionName))
      return 'socket writes and reads (the system calls)';
    return 'V8 and libuv (microtasks, timers, the native side of Node)';
  }
  if (url.startsWith('node:_http') || url.startsWith('node:internal/http'))
    return "Node's HTTP (parsing requests, writing responses)";
  if (url.startsWith('node:')) return "Node's streams, events, timers, buffers, crypto";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg === 'zod' ? 'zod (parsing Glia and the store)' : pkg;
  const ours = /\/src\/proxy\/(.+?)\.ts/.exec(url)?.[1];
  if (ours) return `src/proxy/${ours}.ts`;
  const elsewhere = /\/(src\/[^/]+)\//.exec(url)?.[1];
  const benchFile = /\/(bench\/[^/]+)\.ts/.exec(url)?.[1];
  return benchFile ? `${benchFile}.ts` : (elsewhere ?? url);
}

/**
 * Where the main thread's busy time went, by kind of work, largest first (idle left out): each
 * kind's share of the busy samples, and that share of the busy time over `messages`. V8 samples
 * on the wall clock, so a process that waited for a core has the wait counted where it stood:
 * read the shares, and the microseconds only from a quiet machine.
 */
export function budget(
  profile: CpuProfile,
  messages: number
): {kind: string; share: number; usPerMessage: number}[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byKind = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const k = kind(node.callFrame.functionName, node.callFrame.url);
    byKind.set(k, (byKind.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  byKind.delete('idle');
  const busy = [...byKind.values()].reduce((a, b) => a + b, 0);
  return [...byKind]
    .map(([k, us]) => ({
      kind: k,
      share: Math.round((us / busy) * 1000) / 10,
      usPerMessage: Math.round((us / messages) * 10) / 10,
    }))
    .sort((a, b) => b.share - a.share);
}

if (import.meta.url === `file://${process.argv[1]}`) main();

function main() {
  const {positionals, values} = parseArgs({
    allowPositionals: true,
    options: {messages: {type: 'string'}},
  });
  const [file, topText] = positionals;
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top] [--messages <n>]');
    process.exit(2);
  }
  const top = Number(topText ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  );
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  /** Where a frame's code lives: a package under node_modules, a folder of this repo, or node itself. */
  function place(url: string): string {
    if (!url) return '(native/idle)';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    if (pkg) return pkg;
    if (url.startsWith('node:')) return url;
    const ours = /\/(src\/[^/]+|bench)\//.exec(url)?.[1];
    return ours ?? url;
  }

  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const {functionName, url, lineNumber} = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${place(url)}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    places.set(place(url), (places.get(place(url)) ?? 0) + us);
  }

  const show = (title: string, map: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(
        `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`
      );
  };
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) => {
    const {functionName, url, lineNumber} = node.callFrame;
    return `${functionName || '(anonymous)'} ${place(url)}${url ? `:${lineNumber + 1}` : ''}`;
  };
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (!node || !node.callFrame.url) continue;
      const name = label(node);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  show('Self time by place', places);
  show('Self time by function', functions);
  show('Total time (self and callees) by function', inclusive);
  if (values.messages) {
    const rows = budget(profile, Number(values.messages));
    const busy = rows.reduce((sum, row) => sum + row.usPerMessage, 0);
    console.log(
      `\nMain-thread time per message, ${values.messages} messages: ${busy.toFixed(0)} µs busy`
    );
    for (const row of rows.slice(0, top))
      console.log(
        `${row.share.toFixed(1).padStart(5)} %  ${row.usPerMessage.toFixed(1).padStart(8)} µs  ${row.kind}`
      );
  }
}
