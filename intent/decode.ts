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
const HEX_TEXT = 2; // the alphabet of SPACED_HEX: hex digits, ' ' and ':'
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9+/_\-=\\]/.test(ch)) CLASS[c] |= RUN;
  if (/[0-9a-fA-F :]/.test(ch)) CLASS[c] |= HEX_TEXT;
}
/** Shortest candidate run, and the length of every SPACED_HEX match (eight pairs, seven separators). */
const MIN_RUN = 12;
const SPACED_HEX_LENGTH = 23;

/** Whether text[i] is of character class k (false outside the text). */
function isClass(text: string, i: number, k: number): boolean {
  const c = text.charCodeAt(i);
  return c < 128 && (CLASS[c] & k) !== 0;
}

/**
 * The maximal runs of `k` characters of at least `min` in text, as [start, end) pairs, found by
 * probing every min-th position: such a run covers min positions in a row, so one of the probes.
 * A probe that lands in a run of `k` characters measures that run, and probing resumes min past
 * its end. Prose costs a character in min, and one look at the word a probe lands in.
 */
function longRuns(text: string, k: number, min: number, out: number[]): void {
  const n = text.length;
  let p = min - 1;
  while (p < n) {
    if (!isClass(text, p, k)) {
      p += min;
      continue;
    }
    let start = p;
    while (start > 0 && isClass(text, start - 1, k)) start--;
    let end = p + 1;
    while (end < n && isClass(text, end, k)) end++;
    if (end - start >= min) out.push(start, end);
    p = end + min;
  }
}

const spans: number[] = [];

/**
 * The maximal runs of 12 or more characters of the base64url, hex and `\\x` alphabets, and
 * whether SPACED_HEX matches (checked only on the runs of its alphabet long enough to hold a
 * match: a match lies within one) — both exact, so the patterns only run where they may match.
 */
export function scanEncoded(text: string): { runs: string[]; spacedHex: boolean } {
  const runs: string[] = [];
  spans.length = 0;
  longRuns(text, RUN, MIN_RUN, spans);
  for (let i = 0; i < spans.length; i += 2) runs.push(text.slice(spans[i], spans[i + 1]));
  spans.length = 0;
  longRuns(text, HEX_TEXT, SPACED_HEX_LENGTH, spans);
  let spacedHex = false;
  for (let i = 0; i < spans.length && !spacedHex; i += 2)
    spacedHex = SPACED_HEX.test(text.slice(spans[i], spans[i + 1]));
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
