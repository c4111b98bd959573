// Word segmentation beyond spaces: Chinese and Japanese runs (lexicon words first, then ICU's
// Intl.Segmenter), German compounds split at a known head, French elisions ("l'instance").
import { CJK_WORDS, COMPOUNDS } from './lexicon.js';

/** Han, kana, CJK punctuation and half-width katakana: text written without spaces. */
const CJK = /[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]/;
/** French (and Italian) elided articles and pronouns: "l'", "d'", "qu'", "n'", "s'", "c'", "j'". */
const ELISION = /^(l|d|qu|n|s|c|j|m|t)['’](\p{L}{2,})$/u;

const dictionary = new Set(CJK_WORDS);
const longestWord = Math.max(1, ...CJK_WORDS.map((w) => w.length));
const heads = new Map<string, { linkers: readonly string[]; minPart: number }>();
for (const c of COMPOUNDS) for (const h of c.heads) heads.set(h, c);
const shortestHead = Math.min(...[...heads.keys()].map((h) => h.length), 99);
const longestHead = Math.max(0, ...[...heads.keys()].map((h) => h.length));

let segmenter: Intl.Segmenter | undefined;
function icu(text: string): string[] {
  segmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
  const out: string[] = [];
  for (const s of segmenter.segment(text))
    if (s.isWordLike !== false && s.segment.trim() !== '') out.push(s.segment);
  return out;
}

function isHiragana(c: number): boolean {
  return c >= 0x3040 && c <= 0x309f;
}

/**
 * Splits a CJK run: the longest lexicon word at each position (so "数据库" stays one word whatever
 * ICU's dictionary says), everything between lexicon words through Intl.Segmenter.
 */
export function segmentCJK(run: string): string[] {
  const out: string[] = [];
  let rest = '';
  let i = 0;
  while (i < run.length) {
    let n = Math.min(longestWord, run.length - i);
    while (n > 0 && !dictionary.has(run.slice(i, i + n))) n--;
    // A one-kana lexicon word (a particle: "も", "と") is left to ICU, which sees whether it is
    // one ("データを") or the start of a longer word ("もう", "として").
    if (n === 1 && isHiragana(run.charCodeAt(i))) n = 0;
    if (n === 0) {
      rest += run[i];
      i++;
      continue;
    }
    if (rest !== '') for (const w of icu(rest)) out.push(w);
    rest = '';
    out.push(run.slice(i, i + n));
    i += n;
  }
  if (rest !== '') for (const w of icu(rest)) out.push(w);
  return out;
}

/** "produktionsdatenbank" → ["produktion", "datenbank"]: a known head closes it after a linker. */
export function decompound(word: string): string[] | undefined {
  if (heads.size === 0 || word.length < shortestHead + 3) return undefined;
  // A compound the data lists whole ("objektspeicher") is a word of its own, not modifier + head.
  if (heads.has(word)) return undefined;
  for (let n = Math.min(longestHead, word.length - 3); n >= shortestHead; n--) {
    const rule = heads.get(word.slice(word.length - n));
    if (rule === undefined) continue;
    const modifier = word.slice(0, word.length - n).replace(/-$/, '');
    if (modifier.length < rule.minPart) return undefined;
    // Strip one linking morpheme ("Produktion-s-datenbank") when what remains is still a word.
    const head = word.slice(word.length - n);
    for (const l of rule.linkers) {
      if (modifier.endsWith(l) && modifier.length - l.length >= rule.minPart + 2)
        return [modifier.slice(0, -l.length), head];
    }
    return [modifier, head];
  }
  return undefined;
}

/**
 * The words of one lexer chunk (letters, digits, apostrophes), when it needs more than the
 * lexer's own splitting; undefined (the common case) when it does not. `lower` is the chunk
 * case-folded; German compounds are only looked for in capitalized words (German nouns).
 */
export function splitChunk(chunk: string, lower: string): string[] | undefined {
  // Most chunks are ASCII words: a code-point scan is cheaper than the regex.
  let wide = false;
  for (let i = 0; i < chunk.length && !wide; i++) wide = chunk.charCodeAt(i) >= 0x3000;
  if (wide && CJK.test(chunk)) {
    const out: string[] = [];
    for (const part of lower.split(/([\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]+)/)) {
      if (part === '') continue;
      if (CJK.test(part)) for (const w of segmentCJK(part)) out.push(w);
      else out.push(part);
    }
    return out;
  }
  if (lower.includes("'") || lower.includes('’')) {
    const elided = ELISION.exec(lower);
    if (elided) return [elided[1], elided[2]];
  }
  const c = chunk.charCodeAt(0);
  if (chunk.length >= 8 && c >= 65 && c <= 90) return decompound(lower);
  return undefined;
}
