// Token kinds of the Rego lexer, their display names (as OPA prints them in errors) and the v1 keywords.

/** Token kinds. A plain object rather than an enum so the module works under isolatedModules. */
export const T = {
  Illegal: 0,
  EOF: 1,
  Ident: 2,
  Package: 3,
  Import: 4,
  As: 5,
  Default: 6,
  Else: 7,
  Not: 8,
  Some: 9,
  With: 10,
  Null: 11,
  True: 12,
  False: 13,
  Number: 14,
  String: 15,
  LBrack: 16,
  RBrack: 17,
  LBrace: 18,
  RBrace: 19,
  LParen: 20,
  RParen: 21,
  Comma: 22,
  Colon: 23,
  Add: 24,
  Sub: 25,
  Mul: 26,
  Quo: 27,
  Rem: 28,
  And: 29,
  Or: 30,
  Unify: 31,
  Equal: 32,
  Assign: 33,
  In: 34,
  Neq: 35,
  Gt: 36,
  Lt: 37,
  Gte: 38,
  Lte: 39,
  Dot: 40,
  Semicolon: 41,
  Every: 42,
  Contains: 43,
  If: 44,
  /** `and` / `or` once `import future.keywords.and|or` (or `rego.v2`) makes them keywords. */
  LogicalAnd: 45,
  LogicalOr: 46,
  /** Template strings `$"a{x}b"` / `` $`a{x}b` ``: a part that ends at `{` (an expression follows), and the last part. */
  TemplatePart: 47,
  TemplateEnd: 48,
} as const;

export type Tok = (typeof T)[keyof typeof T];

/**
 * How OPA names each token in `unexpected <name> token` messages. OPA's older releases (whose
 * messages the conformance suite records, e.g. `expected ident`) call identifiers `ident`.
 */
export const TOKEN_NAMES: readonly string[] = [
  'illegal',
  'eof',
  'ident',
  'package',
  'import',
  'as',
  'default',
  'else',
  'not',
  'some',
  'with',
  'null',
  'true',
  'false',
  'number',
  'string',
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
  ',',
  ':',
  'plus',
  'minus',
  'mul',
  'div',
  'rem',
  'and',
  'or',
  'eq',
  'equal',
  'assign',
  'in',
  'neq',
  'gt',
  'lt',
  'gte',
  'lte',
  '.',
  ';',
  'every',
  'contains',
  'if',
  'and',
  'or',
  'template-string',
  'template-string',
];

/** Keywords of Rego v1 (the v0 set plus the former future keywords `in`, `every`, `contains`, `if`). */
export const KEYWORDS: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  ['package', T.Package],
  ['import', T.Import],
  ['as', T.As],
  ['default', T.Default],
  ['else', T.Else],
  ['not', T.Not],
  ['some', T.Some],
  ['with', T.With],
  ['null', T.Null],
  ['true', T.True],
  ['false', T.False],
  ['in', T.In],
  ['every', T.Every],
  ['contains', T.Contains],
  ['if', T.If],
]);

/** Whether a name is a Rego v1 keyword (cannot name a rule, import alias or variable). */
export function isKeyword(name: string): boolean {
  return KEYWORDS.has(name);
}

/** Whether a token kind is a keyword (OPA says `unexpected if keyword` rather than `token`). */
export function isKeywordToken(k: Tok): boolean {
  return (k >= T.Package && k <= T.False) || k === T.In || (k >= T.Every && k <= T.LogicalOr);
}

/** One lexed token. `ws` means whitespace or a comment separates it from the previous token. */
export interface Token {
  k: Tok;
  /** The source text of the token (for strings, including the quotes). */
  lit: string;
  off: number;
  end: number;
  row: number;
  col: number;
  ws: boolean;
  /** A newline occurs between the previous token and this one. */
  nl: boolean;
  /** For `Illegal` tokens: why the lexer rejected the text. */
  err?: string;
  /** For template-string parts: the text of the part (`\{` unescaped) and whether it is raw (`` ` ``). */
  text?: string;
  raw?: boolean;
}
