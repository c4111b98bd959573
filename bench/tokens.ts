// Token-counting throughput: our BPE encoder (waypoint/tokens/bpe.ts) against js-tiktoken's encode()
// in the same run, on fresh text (a new encoder per round, so no piece is cached) and on resent text
// (the warm cache an agent's repeated history meets), plus the cost of loading the rank tables.
// Usage: npx tsx bench/tokens.ts
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { BpeEncoder } from '../waypoint/tokens/bpe.js';

function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

/** ~1 MB of prose-like text from a 5,000-word vocabulary of pseudo-words, code and numbers. */
function corpus(bytes: number, seed: number): string {
  const rnd = random(seed);
  const syll = [
    'ka',
    'de',
    'lo',
    'ri',
    'ment',
    'tion',
    'pre',
    'st',
    'ing',
    'ed',
    'qu',
    'ux',
    'ph',
    'or',
    'al',
  ];
  const words = Array.from({ length: 5000 }, () => {
    let w = '';
    for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) w += syll[Math.floor(rnd() * syll.length)];
    return rnd() < 0.1 ? w[0]!.toUpperCase() + w.slice(1) : w;
  });
  const extras = [
    'kubectl delete ns prod',
    'SELECT * FROM t;',
    '{"a": 1, "b": [2, 3]}',
    '4111-1111-1111-1111',
    '\n\n',
  ];
  let out = '';
  while (out.length < bytes) {
    out +=
      rnd() < 0.05
        ? ` ${extras[Math.floor(rnd() * extras.length)]}`
        : ` ${words[Math.floor(rnd() * words.length)]}`;
    if (rnd() < 0.06) out += '.';
  }
  return out;
}

function mbPerSecond(text: string, fn: (t: string) => unknown, rounds = 3): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn(text);
    best = Math.max(best, Buffer.byteLength(text) / 1e6 / ((performance.now() - t0) / 1000));
  }
  return best;
}

const text = corpus(1_000_000, 1);
let t0 = performance.now();
const ref = new Tiktoken(o200k);
const refLoad = performance.now() - t0;
t0 = performance.now();
new BpeEncoder(o200k);
const oursLoad = performance.now() - t0;

const refRate = mbPerSecond(text, (t) => ref.encode(t, [], []));
// Fresh: a new encoder (empty piece cache) per round, so only BPE and the split are measured.
let freshBest = 0;
for (let r = 0; r < 3; r++) {
  const enc = new BpeEncoder(o200k);
  const t1 = performance.now();
  enc.encode(text);
  freshBest = Math.max(freshBest, Buffer.byteLength(text) / 1e6 / ((performance.now() - t1) / 1000));
}
const warm = new BpeEncoder(o200k);
warm.count(text);
const warmRate = mbPerSecond(text, (t) => warm.count(t));

console.log('o200k_base, 1 MB of prose-like text, best of 3 (MB/s; ratio to js-tiktoken in this run)');
console.log(
  `  js-tiktoken encode()        ${refRate.toFixed(2).padStart(6)} MB/s   1.00×   (load ${refLoad.toFixed(0)} ms)`,
);
console.log(
  `  ours, fresh (cold cache)    ${freshBest.toFixed(2).padStart(6)} MB/s   ${(freshBest / refRate).toFixed(2)}×   (load ${oursLoad.toFixed(0)} ms)`,
);
console.log(
  `  ours, resent text (warm)    ${warmRate.toFixed(2).padStart(6)} MB/s   ${(warmRate / refRate).toFixed(2)}×`,
);
