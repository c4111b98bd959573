// Summarises a V8 .cpuprofile (node --cpu-prof) of the waypoint under load: busy time by owner (the
// package or our folder of the nearest non-`node:` frame, so a socket write started by undici counts
// as undici's), then the top functions by self and by inclusive time.
//   node --cpu-prof --cpu-prof-dir=/tmp/p dist/cli/main.js up --workers 1 …   (drive it with wrk, then SIGINT)
//   npx tsx bench/cpuprofile.ts /tmp/p/CPU.*.cpuprofile [top=30]
// Shares of a profile taken on a loaded machine are of wall time sampled while the thread ran or was
// preempted: compare shares between runs, and CPU per request from /metrics (bench/waypoint-wrk.sh).
import { readFileSync } from 'node:fs';

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: Frame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/cpuprofile.ts FILE.cpuprofile [top]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

const short = (url: string) => url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, '');
const label = (f: Frame) => `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}`;

/** A package name, `ours:<folder>` for our compiled code, `node` for Node's own, or V8's pseudo-frames. */
function owner(f: Frame): string {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (pkg) return pkg[1]!;
  if (f.url.startsWith('node:')) return 'node';
  if (f.url.startsWith('wasm://')) return 'wasm (policy)';
  const ours = /\/dist\/([^/]+)\/(?:([^/]+)\/)?/.exec(f.url);
  if (ours) return `ours:${ours[1]}${ours[2] && !ours[2].endsWith('.js') ? `/${ours[2]}` : ''}`;
  return short(f.url);
}

let busy = 0;
let idle = 0;
const byOwner = new Map<string, number>();
const bySelf = new Map<string, number>();
const byInclusive = new Map<string, number>();
const add = (m: Map<string, number>, k: string, t: number) => m.set(k, (m.get(k) ?? 0) + t);
for (const [id, t] of self) {
  const frame = byId.get(id)!.callFrame;
  if (frame.functionName === '(idle)') {
    idle += t;
    continue;
  }
  busy += t;
  add(bySelf, label(frame), t);
  // Owner: the first frame up the stack that is not Node's own (native frames have no URL).
  let who = owner(frame);
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    if (!f.url || f.url.startsWith('node:')) continue;
    who = owner(f);
    break;
  }
  add(byOwner, who, t);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label(byId.get(cur)!.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    add(byInclusive, k, t);
  }
}

const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)} %`;
function table(title: string, m: Map<string, number>, n: number): void {
  console.log(`\n${title}`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(t)}  ${k}`);
}
console.log(`${file}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
table('busy time by owner (nearest non-node frame)', byOwner, 25);
table('functions by self time', bySelf, top);
table('functions by inclusive time', byInclusive, top);
