// Linear-time PII detection over user and model text: hand-written scanners (no backtracking regex)
// for e-mail, phone, payment card (Luhn), IBAN (mod-97), US SSN, API keys, JWTs and PEM private keys.

export type PiiKind = 'email' | 'phone' | 'credit_card' | 'iban' | 'ssn' | 'api_key' | 'jwt' | 'private_key';

export interface PiiSpan {
  kind: PiiKind;
  start: number;
  end: number;
}

/** The longest tail a stream redactor holds back while a match may still be growing. */
export const MAX_HOLD = 4096;

const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isAlnum = (c: number) => isDigit(c) || isUpper(c) || isLower(c);
const isLocal = (c: number) => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45; // . _ % + -
const isDomain = (c: number) => isAlnum(c) || c === 45 || c === 46;
const isB64url = (c: number) => isAlnum(c) || c === 45 || c === 95;
const isKeyChar = (c: number) => isAlnum(c) || c === 45 || c === 95;
/**
 * Characters that end a run besides whitespace: JSON, HTML, key=value, query and CSV punctuation, so a
 * number inside `{"card":"4111…"}`, `card=4111…` or `<td>4111…</td>` is a run of its own.
 */
const isSep = (c: number) =>
  isWs(c) ||
  c === 34 || // "
  c === 39 || // '
  c === 60 || // <
  c === 62 || // >
  c === 123 || // {
  c === 125 || // }
  c === 91 || // [
  c === 93 || // ]
  c === 61 || // =
  c === 44 || // ,
  c === 59 || // ;
  c === 124 || // |
  c === 96 || // `
  c === 38 || // &
  c === 58; // :
/** Characters of phone and card groups: digits + ( ) - . */
const isNumish = (c: number) => isDigit(c) || c === 43 || c === 40 || c === 41 || c === 45 || c === 46;

interface Run {
  start: number;
  end: number;
}

/** All PII spans in `text`, sorted and non-overlapping (earlier, longer matches win). */
export function detectPii(original: string): PiiSpan[] {
  const text = piiView(original);
  const spans: PiiSpan[] = [];
  pemBlocks(text, spans);
  const runs = splitRuns(text, spans);
  // Runs holding a token match are not reused for cards, phones or IBANs (kept as flags, so the
  // check stays constant time instead of scanning every span found so far).
  const used = runs.map((r) => tokenMatches(text, r, spans));
  clusterMatches(text, runs, used, spans);
  return normalize(spans);
}

const NON_ASCII = /[^\u0000-\u007f]/;
const UNICODE_DIGIT = /\p{Nd}/gu;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The text as the scanners read it, position for position: any script's decimal digits (full-width
 * `４`, Arabic-Indic…) as ASCII digits, invisible characters as spaces (a zero-width space inside a
 * card number separates groups, it does not hide them). Same length, so spans index the original.
 */
function piiView(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  return text
    .replace(UNICODE_DIGIT, (d) => {
      const cp = d.codePointAt(0)!;
      let zero = cp;
      while (zero > cp - 9 && /\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero--;
      return String((cp - zero) % 10).padEnd(d.length, ' ');
    })
    .replace(IGNORABLE, (c) => ' '.repeat(c.length));
}

/** Whether any span of the given kinds occurs (cheap path for features.pii). */
export function piiKinds(text: string): PiiKind[] {
  return [...new Set(detectPii(text).map((s) => s.kind))].sort();
}

export function redactSpans(
  text: string,
  spans: PiiSpan[],
  label = (k: PiiKind) => `[REDACTED:${k}]`,
): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + label(s.kind);
    at = s.end;
  }
  return out + text.slice(at);
}

export function redactPii(text: string): { text: string; kinds: PiiKind[] } {
  const spans = detectPii(text);
  return { text: redactSpans(text, spans), kinds: [...new Set(spans.map((s) => s.kind))] };
}

function pemBlocks(text: string, out: PiiSpan[]): void {
  let from = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', from);
    if (begin < 0) return;
    const headEnd = text.indexOf('-----', begin + 11);
    if (headEnd < 0) return;
    const header = text.slice(begin + 11, headEnd);
    if (!header.endsWith('PRIVATE KEY') || header.length > 40) {
      from = headEnd + 5;
      continue;
    }
    const endMark = text.indexOf('-----END ', headEnd + 5);
    let stop = text.length;
    if (endMark >= 0) {
      const close = text.indexOf('-----', endMark + 9);
      stop = close >= 0 ? close + 5 : text.length;
    }
    out.push({ kind: 'private_key', start: begin, end: stop });
    from = stop;
  }
}

/** Whitespace-separated runs outside already-found spans. */
function splitRuns(text: string, taken: PiiSpan[]): Run[] {
  const runs: Run[] = [];
  let t = 0;
  let i = 0;
  while (i < text.length) {
    if (t < taken.length && i >= taken[t].start) {
      i = taken[t].end;
      t++;
      continue;
    }
    if (isSep(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    const limit = t < taken.length ? taken[t].start : text.length;
    while (i < limit && !isSep(text.charCodeAt(i))) i++;
    runs.push({ start, end: i });
  }
  return runs;
}

/** Single-token matches: e-mail, API keys, JWT, SSN. Each character is visited a bounded number of times. */
function tokenMatches(text: string, r: Run, out: PiiSpan[]): boolean {
  const before = out.length;
  let i = r.start;
  while (i < r.end) {
    const c = text.charCodeAt(i);
    // A match starts at a token boundary inside the run (after punctuation such as `="` or `(`).
    const boundary = i === r.start || !isKeyChar(text.charCodeAt(i - 1));
    if (c === 64 /* @ */) {
      const m = email(text, r, i);
      if (m) {
        out.push(m);
        i = m.end;
        continue;
      }
    } else if (boundary) {
      const m = apiKey(text, r, i) ?? jwt(text, r, i) ?? ssn(text, r, i);
      if (m) {
        out.push(m);
        i = m.end;
        continue;
      }
    }
    i++;
  }
  return out.length > before;
}

function email(text: string, r: Run, at: number): PiiSpan | undefined {
  let s = at;
  while (s > r.start && isLocal(text.charCodeAt(s - 1))) s--;
  while (s < at && text.charCodeAt(s) === 46) s++;
  if (s === at) return undefined;
  let e = at + 1;
  while (e < r.end && isDomain(text.charCodeAt(e))) e++;
  while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
  const domain = text.slice(at + 1, e);
  const dot = domain.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const tld = domain.slice(dot + 1);
  if (tld.length < 2 || !/^[A-Za-z]+$/.test(tld)) return undefined;
  return { kind: 'email', start: s, end: e };
}

function keyRun(text: string, from: number, end: number): number {
  let e = from;
  while (e < end && isKeyChar(text.charCodeAt(e))) e++;
  return e;
}

function apiKey(text: string, r: Run, i: number): PiiSpan | undefined {
  if (text.startsWith('sk-', i) || text.startsWith('ghp_', i) || text.startsWith('xox', i)) {
    const e = keyRun(text, i, r.end);
    if (e - i >= 20) return { kind: 'api_key', start: i, end: e };
  } else if (text.startsWith('AKIA', i) || text.startsWith('ASIA', i)) {
    let e = i + 4;
    while (e < r.end && (isUpper(text.charCodeAt(e)) || isDigit(text.charCodeAt(e)))) e++;
    if (e - i === 20 && (e === r.end || !isAlnum(text.charCodeAt(e))))
      return { kind: 'api_key', start: i, end: e };
  }
  return undefined;
}

function jwt(text: string, r: Run, i: number): PiiSpan | undefined {
  if (!text.startsWith('eyJ', i)) return undefined;
  let e = i;
  let segLen = 0;
  const segs: number[] = [];
  while (e < r.end) {
    const c = text.charCodeAt(e);
    if (c === 46) {
      segs.push(segLen);
      segLen = 0;
      if (segs.length > 2) break;
    } else if (isB64url(c)) segLen++;
    else break;
    e++;
  }
  if (segs.length < 2) return undefined;
  if (segs.length === 2) segs.push(segLen);
  if (segs[0] < 10 || segs[1] < 10) return undefined;
  if (text.charCodeAt(e - 1) === 46) e--;
  return { kind: 'jwt', start: i, end: e };
}

function ssn(text: string, r: Run, i: number): PiiSpan | undefined {
  if (i + 11 > r.end) return undefined;
  for (let k = 0; k < 11; k++) {
    const c = text.charCodeAt(i + k);
    if (k === 3 || k === 6 ? c !== 45 : !isDigit(c)) return undefined;
  }
  if (i + 11 < r.end && isAlnum(text.charCodeAt(i + 11))) return undefined;
  const area = text.slice(i, i + 3);
  if (area === '000' || area === '666' || area[0] === '9') return undefined;
  if (text.slice(i + 4, i + 6) === '00' || text.slice(i + 7, i + 11) === '0000') return undefined;
  return { kind: 'ssn', start: i, end: i + 11 };
}

/** Trims sentence punctuation around a run so "(+1 555 …)." still yields the number. */
function core(text: string, r: Run): Run {
  let s = r.start;
  let e = r.end;
  while (e > s && ',;:!?"\'>]}'.includes(text[e - 1])) e--;
  while (e > s && text[e - 1] === '.') e--;
  while (s < e && '"\'<[{'.includes(text[s])) s++;
  // A number in parentheses: `(4111111111111111)`; a phone's `(415)` area code keeps its own.
  if (text[s] === '(' && text[e - 1] === ')' && e - s > 12) {
    s++;
    e--;
  }
  return { start: s, end: e };
}

function numish(text: string, r: Run): boolean {
  let digits = 0;
  for (let i = r.start; i < r.end; i++) {
    const c = text.charCodeAt(i);
    if (!isNumish(c)) return false;
    if (isDigit(c)) digits++;
  }
  return digits > 0;
}

function digitsOf(text: string, start: number, end: number): string {
  let d = '';
  for (let i = start; i < end; i++) if (isDigit(text.charCodeAt(i))) d += text[i];
  return d;
}

/** Multi-run matches: cards and phones in digit groups, IBANs in groups of four. Windows are bounded. */
function clusterMatches(text: string, runs: Run[], used: boolean[], out: PiiSpan[]): void {
  let i = 0;
  while (i < runs.length) {
    if (used[i]) {
      i++;
      continue;
    }
    const first = core(text, runs[i]);
    if (first.end > first.start && /^[A-Z]{2}[0-9]{2}/.test(text.slice(first.start, first.start + 4))) {
      const m = iban(text, runs, used, i);
      if (m) {
        out.push(m.span);
        i = m.next;
        continue;
      }
    }
    if (
      !numish(text, first) ||
      !(first.start === runs[i].start || !isDigit(text.charCodeAt(first.start - 1)))
    ) {
      i++;
      continue;
    }
    let best: { span: PiiSpan; next: number } | undefined;
    let digits = 0;
    for (let j = i; j < runs.length && j < i + 8; j++) {
      const rj = j === i ? first : core(text, runs[j]);
      if (
        j > i &&
        (used[j] ||
          !numish(text, rj) ||
          rj.start !== runs[j].start ||
          !isSpaceOnly(text, runs[j - 1].end, rj.start))
      )
        break;
      digits += digitsOf(text, rj.start, rj.end).length;
      if (digits > 19) break;
      const end = rj.end;
      const d = digitsOf(text, first.start, end);
      const raw = text.slice(first.start, end);
      if (d.length >= 13 && (/^[0-9 -]+$/.test(raw) || DOTTED_GROUPS.test(raw)) && luhn(d))
        best = { span: { kind: 'credit_card', start: first.start, end }, next: j + 1 };
      else if (d.length >= 10 && d.length <= 15 && phoneLike(raw, d)) {
        if (!best || best.span.kind === 'phone')
          best = { span: { kind: 'phone', start: first.start, end }, next: j + 1 };
      }
      if (rj.end !== runs[j].end) break;
    }
    if (best) {
      out.push(best.span);
      i = best.next;
    } else i++;
  }
}

/** A card written in dotted groups of four (`4111.1111.1111.1111`), not a version number. */
const DOTTED_GROUPS = /^\d{4}(?:\.\d{4}){2,3}(?:\.\d{1,4})?$/;

function isSpaceOnly(text: string, from: number, to: number): boolean {
  if (to - from !== 1) return false;
  return text.charCodeAt(from) === 32;
}

function phoneLike(raw: string, digits: string): boolean {
  if (raw.startsWith('+')) return true;
  // Bare digit strings are IDs and timestamps far more often than phone numbers.
  if (raw === digits) return false;
  return (
    digits.length <= 11 && /^\(?[0-9]{3}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4}$/.test(raw.replace(/^1[ .-]?/, ''))
  );
}

function luhn(d: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let n = d.charCodeAt(i) - 48;
    if (dbl) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

function iban(
  text: string,
  runs: Run[],
  used: boolean[],
  i: number,
): { span: PiiSpan; next: number } | undefined {
  const first = core(text, runs[i]);
  let compact = text.slice(first.start, first.end);
  if (!/^[A-Z0-9]+$/.test(compact)) return undefined;
  let end = first.end;
  let next = i + 1;
  let best: { span: PiiSpan; next: number } | undefined;
  const consider = () => {
    if (compact.length >= 15 && compact.length <= 34 && mod97(compact))
      best = { span: { kind: 'iban', start: first.start, end }, next };
  };
  consider();
  if (compact.length === 4) {
    for (let j = i + 1; j < runs.length && compact.length < 34; j++) {
      const rj = core(text, runs[j]);
      const g = text.slice(rj.start, rj.end);
      if (
        used[j] ||
        rj.start !== runs[j].start ||
        !isSpaceOnly(text, runs[j - 1].end, rj.start) ||
        !/^[A-Z0-9]{1,4}$/.test(g)
      )
        break;
      compact += g;
      end = rj.end;
      next = j + 1;
      consider();
      if (g.length < 4 || rj.end !== runs[j].end) break;
    }
  }
  return best;
}

function mod97(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = isDigit(c) ? c - 48 : c - 55;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

function normalize(spans: PiiSpan[]): PiiSpan[] {
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: PiiSpan[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) continue;
    out.push(s);
  }
  return out;
}

/**
 * Where the text could still be the beginning of a match that later stream chunks complete: the
 * start of an unterminated private key block, or of the trailing token (and the digit or IBAN groups
 * before it, which may continue). Returns text.length when nothing needs holding.
 */
export function holdFrom(text: string): number {
  const begin = text.lastIndexOf('-----BEGIN ');
  if (begin >= 0 && text.indexOf('-----END ', begin) < 0) return begin;
  const n = text.length;
  const capped = (hold: number) => (n - hold > MAX_HOLD ? n : hold);
  let hold = n;
  let k: number;
  if (n > 0 && !isWs(text.charCodeAt(n - 1))) {
    let s = n;
    while (s > 0 && !isWs(text.charCodeAt(s - 1))) s--;
    hold = s;
    const last = text.slice(s, n).replace(TRAILING_PUNCT, '');
    if (!GROUP.test(last) || s === 0 || text.charCodeAt(s - 1) !== 32) return capped(hold);
    k = s - 1;
  } else if (n > 0 && text.charCodeAt(n - 1) === 32) {
    k = n - 1;
  } else return n;
  // Walk back over single-space-separated groups that could belong to a card, phone or IBAN.
  for (let groups = 0; k > 0 && groups < 8; groups++) {
    let s = k;
    while (s > 0 && !isWs(text.charCodeAt(s - 1))) s--;
    if (!GROUP.test(text.slice(s, k)) || n - s > 48) break;
    hold = s;
    if (s === 0 || text.charCodeAt(s - 1) !== 32) break;
    k = s - 1;
  }
  return capped(hold);
}

const TRAILING_PUNCT = /[,.;:!?"')\]]+$/;

/** A group of a card, phone or IBAN written with spaces. */
const GROUP = /^[+(]?[0-9A-Z().-]{1,19}$/;
