// Normalisation before matching: the spellings an adversarial agent uses to hide a word from a
// matcher (invisible and bidi characters, homoglyphs, accents, small capitals, letter spacing,
// leetspeak) are folded back to the plain word, identically for lexicon phrases and traffic.
import { readFileSync } from 'node:fs';

/** Non-ASCII character → the ASCII text it looks like (UTS #39 data, generated: data/confusables.json). */
const CONFUSABLES: Readonly<Record<string, string>> = (
  JSON.parse(readFileSync(new URL('./data/confusables.json', import.meta.url), 'utf8')) as {
    table: Record<string, string>;
  }
).table;

/** Characters that render as nothing or only reorder text: dropped (UAX #44 properties). */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/gu;
/**
 * Combining diacritics (the blocks zalgo text and accent tricks use). Marks of scripts that need
 * them (Devanagari vowel signs, Arabic harakat…) are kept: they are part of those words.
 */
const DIACRITICS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
const NON_ASCII = /[^\u0000-\u007f]/;
const HAS_DIACRITIC = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/;
/**
 * The last text found to be all ASCII. The analyser asks about one text several times in a row
 * (normalised in `Canonicalizer.analyze`, again in `lex`, stripped of accents in between): the
 * answer is remembered instead of scanning again. Text equality, so never a stale answer.
 */
let asciiText = '';

/** Whether text is all ASCII (nothing for any normalisation to do). */
export function isAscii(text: string): boolean {
  if (text === asciiText) return true;
  if (NON_ASCII.test(text)) return false;
  asciiText = text;
  return true;
}
/**
 * The last text `normalizeUnicode` returned (a text the analyser normalises is then lexed, which
 * normalises it again): normalising it again would give it back unchanged, so it is returned as is.
 */
let normalized = '';
/** A word (letters and digits) with a letter or digit outside ASCII: the words `foldWord` may change. */
const WIDE_WORD = /(?<![\p{L}\p{N}])[\p{L}\p{N}]*(?:[^\p{ASCII}\P{L}]|[^\p{ASCII}\P{N}])[\p{L}\p{N}]*/gu;
const ASCII_LETTERS = /[A-Za-z]/;
const ALL_ASCII = /^[\u0000-\u007f]*$/;
const ACCENTED_LATIN = /^[A-Za-z][\u0300-\u036f]+$/;

/**
 * Words folded lately (`foldWord` is a function of the word alone, and prose repeats its words):
 * each character of a word is otherwise decomposed and looked up again. Words of at most
 * FOLDED_WORD_LENGTH characters; cleared whole when full.
 */
const foldedWords = new Map<string, string>();
const FOLDED_WORDS_MAX = 1 << 14;
const FOLDED_WORD_LENGTH = 64;

/**
 * A word is folded to its Latin skeleton (UTS #39) when it mixes scripts with ASCII letters
 * ("dеlete" with a Cyrillic е) or when all of it is look-alikes of ASCII ("сору"); words of
 * another script ("удалить") stay as they are, so other languages' vocabulary still matches.
 */
function foldWord(word: string): string {
  if (word.length > FOLDED_WORD_LENGTH) return foldWordAfresh(word);
  let folded = foldedWords.get(word);
  if (folded === undefined) {
    folded = foldWordAfresh(word);
    if (foldedWords.size >= FOLDED_WORDS_MAX) foldedWords.clear();
    foldedWords.set(word, folded);
  }
  return folded;
}

/** `foldWord`, computed. */
function foldWordAfresh(word: string): string {
  let out = '';
  let changed = false;
  for (const ch of word) {
    // An accented Latin letter (é, ñ, ö) is a letter of its language, not a look-alike: the bare
    // reading (stripDiacritics) takes care of accents used as camouflage.
    const m = ACCENTED_LATIN.test(ch.normalize('NFD')) ? undefined : CONFUSABLES[ch];
    if (m !== undefined) {
      out += m;
      changed = true;
    } else out += ch;
  }
  if (!changed) return word;
  return ASCII_LETTERS.test(word) || ALL_ASCII.test(out) ? out : word;
}

/**
 * Unicode-level normalisation: invisibles out, NFKC, stray combining marks dropped, homoglyphs
 * folded. A letter with its accent (é, ö, ñ, ã) stays: accents carry meaning in the languages the
 * analyser reads ("qué" is not "que"); `stripDiacritics` gives the bare reading, which the
 * canonicalizer reads as well, so "dròp the dätabase" is still a drop.
 */
export function normalizeUnicode(text: string): string {
  if (text === normalized || isAscii(text)) return text;
  // Composed first: an accent that composes with its letter is part of a letter; one that does not
  // (a stroke overlay, a pile of zalgo marks, an accent on a consonant) is decoration, dropped.
  let t = text.replace(INVISIBLE, '').normalize('NFC').replace(DIACRITICS, '').normalize('NFKC');
  // NFKC spells a spacing accent (´ ¨ ˜ ¯ ‾ …) as a space and a combining mark: dropped too, so the
  // result is final (normalising it again changes nothing: tested over every code point).
  if (HAS_DIACRITIC.test(t)) t = t.replace(DIACRITICS, '').normalize('NFKC');
  if (!isAscii(t)) t = t.replace(WIDE_WORD, foldWord);
  normalized = t;
  return t;
}

/** The text with every Latin diacritic removed ("détruis" → "detruis"); ASCII text is returned as is. */
export function stripDiacritics(text: string): string {
  if (isAscii(text)) return text;
  return text.normalize('NFKD').replace(DIACRITICS, '').normalize('NFKC');
}

/** Three or more single letters separated by the same one character: `d r o p`, `d.r.o.p`, `d-r-o-p`. */
const SPACED = /(?<![\p{L}\p{N}])\p{L}([ .\-_*·/+~])\p{L}(?:\1\p{L})+(?![\p{L}\p{N}])/gu;
const SPACED_TEST = /(?<![\p{L}\p{N}])\p{L}([ .\-_*·/+~])\p{L}\1\p{L}(?![\p{L}\p{N}])/u;

// Digits only: `@` and `$` stay, they belong to addresses and variables far more often.
const LEET: Record<string, string> = { '0': 'o', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b' };
const VOWEL = /[aeiou]/i;
const LEET_TEST = /\p{L}[0134578]+\p{L}|[0134578]\p{L}+[0134578]/u;
const LEET_WORD = /[\p{L}\p{N}]+/gu;
/** LEET_TEST, sticky: tried only around the digits a match needs (most texts have none). */
const LEET_AT = new RegExp(LEET_TEST.source, 'uy');

/** Whether LEET_AT matches t at p. */
function leetAt(t: string, p: number): boolean {
  if (p < 0) return false;
  LEET_AT.lastIndex = p;
  return LEET_AT.test(t);
}

/** LEET_TEST.test(t): a match starts at one of its digits or at the letter (one or two code units) before. */
function hasLeet(t: string): boolean {
  for (const digit of '0134578')
    for (let d = t.indexOf(digit); d >= 0; d = t.indexOf(digit, d + 1))
      if (leetAt(t, d) || leetAt(t, d - 1) || leetAt(t, d - 2)) return true;
  return false;
}

/**
 * Leetspeak in a word with letters on both sides of its digits (`dr0p`, `del3te`, `k1ll`); digits
 * only at the start or end (`node3`, `ec2`, `4o`) are numbers, not letters, and stay.
 */
function foldLeet(word: string): string {
  if (!LEET_TEST.test(word)) return word;
  const first = word.search(/\p{L}/u);
  let last = word.length - 1;
  while (last >= 0 && !/\p{L}/u.test(word[last])) last--;
  let out = word.slice(0, first);
  for (let i = first; i <= last; i++) {
    const c = word[i];
    if (c === '1') {
      // `1` is an i between consonants (`k1ll`), else an l (`de1ete`).
      const prev = out[out.length - 1] ?? '';
      const next = word[i + 1] ?? '';
      out += prev && next && !VOWEL.test(prev) && !VOWEL.test(next) && /\p{L}/u.test(next) ? 'i' : 'l';
    } else out += LEET[c] ?? c;
  }
  return out + word.slice(last + 1);
}

/**
 * Full normalisation for reading prose: Unicode folding, then spaced-out letters joined and
 * leetspeak folded. Idempotent. Commands and SQL are parsed after `normalizeUnicode` only (a
 * program name such as `sha256sum` is not leetspeak).
 */
export function normalizeText(text: string): string {
  let t = normalizeUnicode(text);
  if (SPACED_TEST.test(t)) t = t.replace(SPACED, (m, sep: string) => m.split(sep).join(''));
  if (hasLeet(t)) t = t.replace(LEET_WORD, foldLeet);
  return t;
}
