// Shared machinery of the Rego parsers: the token cursor, backtracking marks, locations and OPA-style
// `rego_parse_error` diagnostics.
import type { Comment, Location } from './ast.js';
import { type Diagnostic, MAX_DIAGNOSTICS } from './diagnostics.js';
import { lex } from './lexer.js';
import { isKeywordToken, T, TOKEN_NAMES, type Tok, type Token } from './tokens.js';

/** Parser position and diagnostic count, for backtracking. */
export interface Mark {
  i: number;
  d: number;
  lastEnd: number;
}

export class ParserBase {
  protected readonly toks: Token[];
  protected readonly comments: Comment[];
  protected i = 0;
  protected tok: Token;
  /** End offset of the last consumed token, for spans of composite nodes. */
  protected lastEnd = 0;
  readonly diags: Diagnostic[] = [];

  constructor(
    protected readonly src: string,
    protected readonly file: string,
  ) {
    const { tokens, comments } = lex(src, file);
    this.toks = tokens;
    this.comments = comments;
    this.tok = tokens[0];
  }

  // ------------------------------------------------------------------------------------------
  // Token handling, locations, diagnostics

  /** The current token's kind (a call, so TypeScript does not narrow it across `next()`). */
  protected kind(): Tok {
    return this.tok.k;
  }

  protected next(): void {
    this.lastEnd = this.tok.end;
    if (this.i < this.toks.length - 1) this.i++;
    this.tok = this.toks[this.i];
  }

  protected mark(): Mark {
    return { i: this.i, d: this.diags.length, lastEnd: this.lastEnd };
  }

  /** Moves to a position reached before (keeping the diagnostics collected since). */
  protected jump(m: Mark): void {
    this.i = m.i;
    this.tok = this.toks[m.i];
    this.lastEnd = m.lastEnd;
  }

  protected reset(m: Mark): void {
    this.i = m.i;
    this.tok = this.toks[m.i];
    this.lastEnd = m.lastEnd;
    this.diags.length = m.d;
  }

  protected loc(t: Token = this.tok): Location {
    return { file: this.file, row: t.row, col: t.col, offset: t.off, end: t.end };
  }

  /** A location from `start` to the end of the last consumed token. */
  protected span(start: Location): Location {
    return { ...start, end: Math.max(start.end, this.lastEnd) };
  }

  protected error(loc: { row: number; col: number }, message: string): void {
    if (this.diags.length >= MAX_DIAGNOSTICS) return;
    this.diags.push({
      code: 'rego_parse_error',
      message,
      location: { file: this.file, row: loc.row, col: loc.col },
    });
  }

  /** `unexpected <tok> token[: note]`, or the lexer's reason for an illegal token. */
  protected illegal(note = ''): void {
    const t = this.tok;
    if (t.k === T.Illegal) {
      this.error(t, t.err ?? 'illegal token');
      return;
    }
    const kind = isKeywordToken(t.k) ? 'keyword' : 'token';
    this.error(t, `unexpected ${TOKEN_NAMES[t.k]} ${kind}${note ? `: ${note}` : ''}`);
  }

  /**
   * OPA lets a keyword start a reference (`if.foo`, `true.x`, `not[0]`) where a statement, literal or
   * rule head begins: a keyword followed directly (no whitespace) by `.` or `[` is an identifier.
   * Re-tags the current token and says whether it did.
   */
  protected keywordRef(): boolean {
    const t = this.tok;
    if (t.k === T.Ident || !isKeywordToken(t.k)) return false;
    const n = this.toks[this.i + 1];
    if (n === undefined || n.ws || (n.k !== T.Dot && n.k !== T.LBrack)) return false;
    t.k = T.Ident;
    return true;
  }

  protected get full(): boolean {
    return this.diags.length >= MAX_DIAGNOSTICS;
  }
}
