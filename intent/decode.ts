// Encoded runs inside a text (base64, hex, percent-escapes) that decode to readable text: an agent
// asked to "decode this and run it", or `echo … | base64 -d | sh`, carries its request encoded, so
// the decoded text is analysed too.

// Anchored at a run's start (the lookbehind), so the scan is linear in the text, not per position.
const BASE64 = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{12,}={0,2}/g;
const HEX = /(?<![0-9A-Za-z\\])(?:\\x)?(?:[0-9a-fA-F]{2}(?:\\x|[ :]?)){8,}/g;
const PERCENT = /\S*(?:%[0-9a-fA-F]{2}\S*){3,}/g;
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
    if (s !== undefined && out.length < MAX_RUNS && readable(s)) out.push(s);
  };
  if (text.length >= 12) {
    for (const m of text.matchAll(BASE64)) {
      const run = m[0];
      // Long words and identifiers match the alphabet too; only mixed-case or digit runs are tried.
      if (!/[A-Z]/.test(run) || !/[a-z0-9]/.test(run)) continue;
      push(Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
    }
    for (const m of text.matchAll(HEX)) {
      const hex = m[0].replace(/\\x|[ :]/g, '');
      if (hex.length % 2 === 0) push(Buffer.from(hex, 'hex').toString('utf8'));
    }
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
