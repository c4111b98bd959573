// Hand-written Rego lexer: turns source text into a token array (so the parser can backtrack by index)
// plus the comments, with 1-based rows and code-point columns.
import type { Comment } from './ast.js';
import { KEYWORDS, T, type Tok, type Token } from './tokens.js';

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
}

enum C {
  Tab = 9,
  LF = 10,
  CR = 13,
  Space = 32,
  Bang = 33,
  Quote = 34,
  Hash = 35,
  Percent = 37,
  Amp = 38,
  LParen = 40,
  RParen = 41,
  Star = 42,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  D0 = 48,
  D9 = 57,
  Colon = 58,
  Semi = 59,
  Lt = 60,
  Eq = 61,
  Gt = 62,
  UA = 65,
  UE = 69,
  UZ = 90,
  LBrack = 91,
  Backslash = 92,
  RBrack = 93,
  Underscore = 95,
  Backtick = 96,
  LA = 97,
  LE = 101,
  LZ = 122,
  LBrace = 123,
  Pipe = 124,
  RBrace = 125,
}

const isDigit = (c: number): boolean => c >= C.D0 && c <= C.D9;
const isLetter = (c: number): boolean =>
  (c >= C.LA && c <= C.LZ) || (c >= C.UA && c <= C.UZ) || c === C.Underscore;
const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** Single-character punctuation tokens. */
const PUNCT: Partial<Record<number, Tok>> = {
  [C.LBrack]: T.LBrack,
  [C.RBrack]: T.RBrack,
  [C.LBrace]: T.LBrace,
  [C.RBrace]: T.RBrace,
  [C.LParen]: T.LParen,
  [C.RParen]: T.RParen,
  [C.Comma]: T.Comma,
  [C.Semi]: T.Semicolon,
  [C.Dot]: T.Dot,
  [C.Plus]: T.Add,
  [C.Minus]: T.Sub,
  [C.Star]: T.Mul,
  [C.Slash]: T.Quo,
  [C.Percent]: T.Rem,
  [C.Amp]: T.And,
  [C.Pipe]: T.Or,
};

/** Lexes a whole source text. Never throws: bad input becomes `Illegal` tokens carrying a reason. */
export function lex(src: string, file: string): LexResult {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const n = src.length;
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  let row = 1;
  // Offset of the current line's first character, and a count of surrogate pairs seen on the line
  // before `i`, so columns count code points without a per-character counter.
  let lineStart = i;
  let lineSurrogates = 0;
  let ws = false;
  let nl = false;
  /** Open template strings: for each, how many `{` of the current expression are still open. */
  const templates: { raw: boolean; depth: number }[] = [];

  const colAt = (off: number): number => off - lineStart - lineSurrogates + 1;
  /** Advances over [from, to) that may contain newlines and astral characters. */
  const advanceText = (from: number, to: number): void => {
    for (let j = from; j < to; j++) {
      const c = src.charCodeAt(j);
      if (c === C.LF) {
        row++;
        lineStart = j + 1;
        lineSurrogates = 0;
      } else if (c >= 0xdc00 && c <= 0xdfff && j > lineStart) {
        const prev = src.charCodeAt(j - 1);
        if (prev >= 0xd800 && prev <= 0xdbff) lineSurrogates++;
      }
    }
  };
  const push = (k: Tok, start: number, end: number, r: number, col: number, err?: string): void => {
    const tok: Token = { k, lit: src.slice(start, end), off: start, end, row: r, col, ws, nl };
    if (err !== undefined) tok.err = err;
    tokens.push(tok);
    ws = false;
    nl = false;
  };

  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === C.Space || c === C.Tab || c === C.CR) {
      ws = true;
      i++;
      continue;
    }
    if (c === C.LF) {
      ws = true;
      nl = true;
      i++;
      row++;
      lineStart = i;
      lineSurrogates = 0;
      continue;
    }
    const start = i;
    const r = row;
    const col = colAt(i);
    if (c === C.Hash) {
      let j = i + 1;
      while (j < n && src.charCodeAt(j) !== C.LF) j++;
      // As OPA, a CRLF file's comments do not keep the `\r`.
      const textEnd = j > i + 1 && src.charCodeAt(j - 1) === C.CR ? j - 1 : j;
      comments.push({
        text: src.slice(i + 1, textEnd),
        loc: { file, row: r, col, offset: start, end: textEnd },
      });
      advanceText(i, j);
      i = j;
      ws = true;
      continue;
    }
    if (isLetter(c)) {
      let j = i + 1;
      while (j < n) {
        const d = src.charCodeAt(j);
        if (!isLetter(d) && !isDigit(d)) break;
        j++;
      }
      const word = src.slice(i, j);
      i = j;
      push(KEYWORDS.get(word) ?? T.Ident, start, j, r, col);
      continue;
    }
    if (isDigit(c)) {
      const err = scanNumber();
      push(err ? T.Illegal : T.Number, start, i, r, col, err);
      continue;
    }
    if (c === C.Quote) {
      const err = scanString();
      advanceText(start, i);
      push(err ? T.Illegal : T.String, start, i, r, col, err);
      continue;
    }
    if (c === C.Backtick) {
      let j = i + 1;
      while (j < n && src.charCodeAt(j) !== C.Backtick) j++;
      const closed = j < n;
      i = closed ? j + 1 : n;
      advanceText(start, i);
      push(closed ? T.String : T.Illegal, start, i, r, col, closed ? undefined : 'non-terminated string');
      continue;
    }
    const next = i + 1 < n ? src.charCodeAt(i + 1) : -1;
    switch (c) {
      case C.Colon:
        if (next === C.Eq) {
          i += 2;
          push(T.Assign, start, i, r, col);
        } else {
          i++;
          push(T.Colon, start, i, r, col);
        }
        continue;
      case C.Eq:
        i += next === C.Eq ? 2 : 1;
        push(next === C.Eq ? T.Equal : T.Unify, start, i, r, col);
        continue;
      case C.Bang:
        if (next === C.Eq) {
          i += 2;
          push(T.Neq, start, i, r, col);
        } else {
          i++;
          push(T.Illegal, start, i, r, col, 'illegal ! character');
        }
        continue;
      case C.Lt:
        i += next === C.Eq ? 2 : 1;
        push(next === C.Eq ? T.Lte : T.Lt, start, i, r, col);
        continue;
      case C.Gt:
        i += next === C.Eq ? 2 : 1;
        push(next === C.Eq ? T.Gte : T.Gt, start, i, r, col);
        continue;
    }
    if (c === 0x24 && (next === C.Quote || next === C.Backtick)) {
      i += 2;
      scanTemplatePart(next === C.Backtick, start, r, col);
      continue;
    }
    const p = PUNCT[c];
    if (p !== undefined) {
      i++;
      const open = templates[templates.length - 1];
      if (open !== undefined && c === C.LBrace) open.depth++;
      else if (open !== undefined && c === C.RBrace) {
        if (open.depth === 0) {
          // The `}` closing a template expression; the string goes on right after it.
          push(p, start, i, r, col);
          templates.pop();
          scanTemplatePart(open.raw, i, row, colAt(i));
          continue;
        }
        open.depth--;
      }
      push(p, start, i, r, col);
      continue;
    }
    // Anything else (non-ASCII outside strings, control characters): one illegal code point, with
    // OPA's reasons.
    const cp = src.codePointAt(i) ?? c;
    i += cp > 0xffff ? 2 : 1;
    advanceText(start, i);
    let reason = 'illegal token';
    if (cp === 0) reason = 'illegal null character';
    else if (cp === 0xfeff) reason = 'illegal byte-order mark';
    else if (cp === 0x24) reason = 'illegal $ character';
    push(T.Illegal, start, i, r, col, reason);
  }
  tokens.push({ k: T.EOF, lit: '', off: n, end: n, row, col: colAt(n), ws, nl });
  return { tokens, comments };

  /**
   * Scans a template-string part from `i` up to `{` (an expression follows: `TemplatePart`, and the
   * string resumes after its `}`) or the closing quote (`TemplateEnd`). `\{` is a literal brace.
   */
  function scanTemplatePart(raw: boolean, start: number, r: number, col: number): void {
    const close = raw ? C.Backtick : C.Quote;
    let text = '';
    let from = i;
    let err: string | undefined;
    let kind: Tok = T.Illegal;
    while (i < n) {
      const ch = src.charCodeAt(i);
      if (!raw && ch === C.LF) break;
      if (ch === close || ch === C.LBrace) {
        text += src.slice(from, i);
        kind = ch === close ? T.TemplateEnd : T.TemplatePart;
        i++;
        break;
      }
      if (ch === C.Backslash && src.charCodeAt(i + 1) === C.LBrace) {
        text += src.slice(from, i);
        from = i + 1;
        i += 2;
        continue;
      }
      i++;
      if (raw || ch !== C.Backslash) continue;
      const esc = src.charCodeAt(i);
      if (esc === C.Backslash || esc === C.Quote || esc === C.Slash) i++;
      else if (esc === 98 || esc === 102 || esc === 110 || esc === 114 || esc === 116) i++;
      else if (esc === 117) i += 5;
      else err ??= 'illegal escape sequence';
    }
    advanceText(start, i);
    if (kind === T.Illegal) err = 'non-terminated string';
    push(err ? T.Illegal : kind, start, i, r, col, err);
    const tok = tokens[tokens.length - 1];
    tok.text = text;
    tok.raw = raw;
    if (kind === T.TemplatePart && !err) templates.push({ raw, depth: 0 });
  }

  /** Scans a number at `i`; returns an error message for malformed numbers. */
  function scanNumber(): string | undefined {
    let err: string | undefined;
    while (i < n && isDigit(src.charCodeAt(i))) i++;
    if (src.charCodeAt(i) === C.Dot) {
      i++;
      const s = i;
      while (i < n && isDigit(src.charCodeAt(i))) i++;
      if (i === s) err = 'expected fraction';
    }
    const e = src.charCodeAt(i);
    if (e === C.LE || e === C.UE) {
      i++;
      const sign = src.charCodeAt(i);
      if (sign === C.Plus || sign === C.Minus) i++;
      const s = i;
      while (i < n && isDigit(src.charCodeAt(i))) i++;
      if (i === s) err ??= 'expected exponent';
    }
    // Swallow trailing letters so `0a2b` is one bad number, not a number and an identifier.
    if (i < n && isLetter(src.charCodeAt(i))) {
      err ??= 'illegal number format';
      while (i < n && (isLetter(src.charCodeAt(i)) || isDigit(src.charCodeAt(i)))) i++;
    }
    return err;
  }

  /** Scans a double-quoted string at `i` (validating escapes, not decoding them). */
  function scanString(): string | undefined {
    let err: string | undefined;
    i++;
    for (;;) {
      if (i >= n) return 'non-terminated string';
      const ch = src.charCodeAt(i);
      if (ch === C.LF) return 'non-terminated string';
      i++;
      if (ch === C.Quote) return err;
      if (ch === C.Backslash) {
        const esc = src.charCodeAt(i);
        if (esc === C.Backslash || esc === C.Quote || esc === C.Slash) i++;
        else if (esc === 98 || esc === 102 || esc === 110 || esc === 114 || esc === 116) i++;
        else if (esc === 117) {
          i++;
          for (let k = 0; k < 4; k++) {
            if (!isHex(src.charCodeAt(i))) {
              err ??= 'illegal escape sequence';
              break;
            }
            i++;
          }
        } else err ??= 'illegal escape sequence';
      }
    }
  }
}

/** Decodes the JSON escapes of a lexed double-quoted string; undefined if it is not valid JSON text. */
export function decodeString(lit: string): string | undefined {
  const inner = lit.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (c < 0x20) return undefined;
    if (c !== C.Backslash) {
      out += inner[i];
      continue;
    }
    const e = inner[++i];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        const hex = inner.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
        const u = Number.parseInt(hex, 16);
        i += 4;
        if (u >= 0xd800 && u <= 0xdbff && inner.startsWith('\\u', i + 1)) {
          const lo = Number.parseInt(inner.slice(i + 3, i + 7), 16);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            out += String.fromCharCode(u, lo);
            i += 6;
            break;
          }
        }
        // Lone surrogates decode to U+FFFD, as Go's encoding/json (and so OPA) does.
        out += u >= 0xd800 && u <= 0xdfff ? '\ufffd' : String.fromCharCode(u);
        break;
      }
      default:
        return undefined;
    }
  }
  return out;
}
