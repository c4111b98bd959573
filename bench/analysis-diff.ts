// Differential check of the intent analyser: every text of the labelled corpus (intent/corpus/**,
// both splits) and every string of the adversarial fixtures (test/fixtures/adversarial/*.yaml) is
// read by this checkout and by a baseline checkout, and every output is compared — pairs, tool-call
// pairs, `explain` (reader, spans, rejections), `discourse`, tokens with their offsets and the
// normalised text; and normalisation over every code point. A performance change must print
// "identical".
//
//   npx tsx bench/analysis-diff.ts --baseline DIR    # DIR: a checkout of an earlier commit
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

interface Example {
  file: string;
  index: number;
  text?: string;
  toolCall?: { name: string; arguments: unknown };
}

/** Every string anywhere in a parsed YAML document. */
function strings(v: unknown, out: string[]): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

/** The texts to read: corpus examples (from this checkout's files) and adversarial fixture strings. */
async function inputs(root: string): Promise<{ examples: Example[]; texts: string[] }> {
  const corpus = await import(join(root, 'intent/corpus.ts'));
  const examples: Example[] = [...corpus.loadCorpus(), ...corpus.loadHeldOut()];
  const dir = join(root, 'test/fixtures/adversarial');
  const texts: string[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort())
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) strings(doc.toJS(), texts);
  for (const e of examples) if (e.text !== undefined) texts.push(e.text);
  return { examples, texts: [...new Set(texts)] };
}

/** Everything the analyser says about the inputs, one line per input and reading. */
async function outputs(root: string, examples: Example[], texts: string[]): Promise<string[]> {
  const { defaultCanonicalizer, normalizeText, normalizeUnicode } = await import(
    join(root, 'intent/index.ts')
  );
  const { lex } = await import(join(root, 'intent/lexing.ts'));
  const c = defaultCanonicalizer();
  const out: string[] = [];
  for (const e of examples)
    if (e.toolCall)
      out.push(
        `${e.file}#${e.index} toolCall ${JSON.stringify(c.toolCall(e.toolCall.name, e.toolCall.arguments))}`,
      );
  for (const t of texts) {
    const k = JSON.stringify(t).slice(0, 80);
    out.push(`${k} pairs ${JSON.stringify(c.pairs(t))}`);
    out.push(`${k} explain ${JSON.stringify(c.explain(t))}`);
    out.push(`${k} discourse ${JSON.stringify(c.discourse(t))}`);
    out.push(`${k} name ${JSON.stringify(c.name(t))}`);
    out.push(`${k} normalizeUnicode ${JSON.stringify(normalizeUnicode(t))}`);
    out.push(`${k} normalizeText ${JSON.stringify(normalizeText(t))}`);
    out.push(`${k} lex ${JSON.stringify(lex(normalizeUnicode(t)))}`);
  }
  return out;
}

const args = process.argv.slice(2);
const b = args.indexOf('--baseline');
if (b < 0 || !args[b + 1]) {
  console.error('usage: npx tsx bench/analysis-diff.ts --baseline DIR');
  process.exit(2);
}
const here = new URL('..', import.meta.url).pathname;
// Both checkouts read the same inputs: this checkout's corpus and fixtures.
const { examples, texts } = await inputs(here);
const mine = await outputs(here, examples, texts);
const theirs = await outputs(args[b + 1]!, examples, texts);
// Normalisation over every code point (alone and in three contexts): this checkout's one pass
// against the baseline's pass applied twice (what its lexer read), and against its single pass
// where that was already final.
const ours = (await import(join(here, 'intent/normalize.ts'))).normalizeUnicode;
const base = (await import(join(args[b + 1]!, 'intent/normalize.ts'))).normalizeUnicode;
let unicodeDiffer = 0;
let unstable = 0;
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const ch = String.fromCodePoint(cp);
  for (const x of [ch, `a${ch}b`, `\u0434${ch}\u0434`, `x ${ch}`]) {
    const once = base(x);
    const twice = base(once);
    if (once !== twice) unstable++;
    if (ours(x) !== twice) unicodeDiffer++;
  }
}
console.log(
  `normalizeUnicode over every code point: ${unicodeDiffer} differ from the baseline's twice-applied result (its single pass was not final for ${unstable})`,
);
let differ = unicodeDiffer;
for (let i = 0; i < Math.max(mine.length, theirs.length); i++) {
  if (mine[i] === theirs[i]) continue;
  if (++differ <= 10)
    console.log(`differs:\n  this:     ${mine[i]?.slice(0, 400)}\n  baseline: ${theirs[i]?.slice(0, 400)}`);
}
console.log(`${examples.length} corpus examples, ${texts.length} distinct texts, ${mine.length} outputs`);
console.log(differ === 0 ? 'identical' : `${differ} outputs differ`);
process.exit(differ === 0 ? 0 : 1);
