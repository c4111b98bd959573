// Encoded runs inside a text (base64, hex, percent-escapes) that decode to readable text: an agent
// asked to "decode this and run it", or `echo … | base64 -d | sh`, carries its request encoded, so
// the decoded text is analysed too.

// Anchored at a run's start (the lookbehind), so the scan is linear in the text, not per position.
const BASE64 = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{12,}={0,2}/g;
const HEX = /(?<![0-9A-Za-z\\])(?:\\x)?(?:[0-9a-fA-F]{2}(?:\\x|[ :]?)){8,}/g;
const PERCENT = /\S*(?:%[0-9a-fA-F]{2}\S*){3,}/g;
/** Exported for the test that checks the one-pass scan against it. */
export const SPACED_HEX = /(?:[0-9a-fA-F]{2}[ :]){7}[0-9a-fA-F]{2}/;

// Character classes of the scan below, for ASCII (every pattern above is ASCII).
const RUN = 1; // base64url, hex and `\\x` alphabets, and base64 padding
const HEX_DIGIT = 2;
const PAIR_SEPARATOR = 4; // ' ' or ':' between hex pairs
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9+/_\-=\\]/.test(ch)) CLASS[c] |= RUN;
  if (/[0-9a-fA-F]/.test(ch)) CLASS[c] |= HEX_DIGIT;
  if (ch === ' ' || ch === ':') CLASS[c] |= PAIR_SEPARATOR;
}
const classAt = (text: string, i: number): number => {
  const c = text.charCodeAt(i);
  return c < 128 ? CLASS[c] : 0;
};

/**
 * One pass over the text: the maximal runs of 12 or more characters of the base64url, hex and
 * `\\x` alphabets, and whether SPACED_HEX matches (eight hex pairs, each of the first seven
 * followed by a space or colon, the separators three apart) — found exactly, so the regex only
 * runs on a text it matches.
 */
export function scanEncoded(text: string): { runs: string[]; spacedHex: boolean } {
  const runs: string[] = [];
  let spacedHex = false;
  let start = -1;
  // Separators preceded by two hex digits, each three after the one before: pairs in a row.
  let pairs = 0;
  let lastSeparator = -4;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const k = c < 128 ? CLASS[c] : 0;
    if (k & RUN) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= 12) runs.push(text.slice(start, i));
      start = -1;
    }
    if (k & PAIR_SEPARATOR && i < text.length && !spacedHex) {
      if (classAt(text, i - 1) & HEX_DIGIT && classAt(text, i - 2) & HEX_DIGIT) {
        pairs = i - lastSeparator === 3 ? pairs + 1 : 1;
        lastSeparator = i;
        spacedHex = pairs >= 7 && (classAt(text, i + 1) & classAt(text, i + 2) & HEX_DIGIT) !== 0;
      }
    }
  }
  return { runs, spacedHex };
}

/** At most this many decoded runs per text (each analysed like any text; bounded work). */
const MAX_RUNS = 64;

/** Readable text: valid UTF-8, mostly printable, with letters. */
function readable(s: string): boolean {
  if (s.length < 6 || s.includes('\ufffd')) return false;
  let printable = 0;
  let letters = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127)) printable++;
    if (/\p{L}/u.test(ch)) letters++;
  }
  return printable / s.length > 0.95 && letters >= 3 && letters / s.length > 0.4;
}

/** Decoded texts of the encoded runs in `text` (none when there are no readable ones). */
export function decodedRuns(text: string): string[] {
  const out: string[] = [];
  const push = (s: string | undefined) => {
    if (s !== undefined && out.length < MAX_RUNS && readable(s) && !out.includes(s)) out.push(s);
  };
  const hex = (run: string) => {
    const h = run.replace(/\\x|[ :]/g, '');
    if (h.length % 2 === 0) push(Buffer.from(h, 'hex').toString('utf8'));
  };
  if (text.length >= 12) {
    // One pass over the text finds the candidate runs (12+ characters of the base64/hex alphabet);
    // the patterns then only see those, so prose costs a character loop, not a regex per position.
    const { runs, spacedHex } = scanEncoded(text);
    for (const run of runs) {
      for (const m of run.matchAll(BASE64)) {
        const b64 = m[0];
        // Long words and identifiers match the alphabet too; only mixed-case or digit runs are tried.
        if (!/[A-Z]/.test(b64) || !/[a-z0-9]/.test(b64)) continue;
        push(Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
      }
      for (const m of run.matchAll(HEX)) hex(m[0]);
    }
    // Hex pairs separated by spaces or colons (`64 72 6f 70 …`) are not one run: checked whole.
    if (spacedHex && SPACED_HEX.test(text)) for (const m of text.matchAll(HEX)) hex(m[0]);
  }
  if (text.includes('%')) {
    for (const m of text.matchAll(PERCENT)) {
      try {
        push(decodeURIComponent(m[0].replace(/\+/g, ' ')));
      } catch {
        // not a valid escape sequence: nothing hidden there
      }
    }
  }
  return out;
}
