/* Parser of Go's regexp syntax (RE2 with Go's Perl flags) into the node tree regex.c compiles.
 * It rejects what regexp.Compile rejects: unbalanced groups and brackets, missing or nested
 * repetition arguments, counts above 1000, unknown escapes (so no backreferences), look-around,
 * bad capture names, unknown character class names and invalid UTF-8. */
#include "regex.h"
#include "regex-classes.h"

enum { F_FOLD = 1, F_MULTI = 2, F_DOTNL = 4, F_UNGREEDY = 8 };
#define MAX_DEPTH 1000
#define MAX_REPEAT 1000

typedef struct {
  const uint8_t *s;
  uint32_t n, pos;
  int flags;
  int depth;
  bool err;
  int ngroups;
  const char **names;
  uint32_t *name_lens;
  uint32_t names_cap;
} parser;

static rx_node *node(int kind) {
  rx_node *x = opa_malloc(sizeof *x);
  memset(x, 0, sizeof *x);
  x->kind = (uint8_t)kind;
  return x;
}

static void add_kid(rx_node *p, rx_node *k) {
  if (p->nkids == p->kcap) {
    p->kcap = p->kcap ? p->kcap * 2 : 4;
    p->kids = opa_realloc(p->kids, p->kcap * sizeof(rx_node *));
  }
  p->kids[p->nkids++] = k;
}

static void add_range(rx_node *c, uint32_t lo, uint32_t hi) {
  if (c->nranges == c->rcap) {
    c->rcap = c->rcap ? c->rcap * 2 : 8;
    c->ranges = opa_realloc(c->ranges, c->rcap * sizeof(rx_range));
  }
  c->ranges[c->nranges].lo = lo;
  c->ranges[c->nranges].hi = hi;
  c->nranges++;
}

/* Adds the ranges of a sorted, disjoint table, or its complement. */
static void add_table(rx_node *c, const rx_range *t, uint32_t n, bool neg) {
  if (!neg) {
    for (uint32_t i = 0; i < n; i++) add_range(c, t[i].lo, t[i].hi);
    return;
  }
  uint32_t next = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (t[i].lo > next) add_range(c, next, t[i].lo - 1);
    next = t[i].hi + 1;
  }
  if (next <= 0x10FFFF) add_range(c, next, 0x10FFFF);
}

/* The table's ranges, unpacking the LEB128 form of the Unicode tables. */
static const rx_range *table_ranges(const class_table *t) {
  if (t->ranges) return t->ranges;
  rx_range *out = opa_malloc(t->n * sizeof(rx_range));
  const uint8_t *b = t->packed;
  uint32_t end = 0;
  for (uint32_t i = 0; i < t->n; i++) {
    uint32_t v[2];
    for (int k = 0; k < 2; k++) {
      uint32_t x = 0;
      int shift = 0;
      for (;;) {
        uint8_t c = *b++;
        x |= (uint32_t)(c & 0x7f) << shift;
        shift += 7;
        if (!(c & 0x80)) break;
      }
      v[k] = x;
    }
    out[i].lo = end + v[0];
    out[i].hi = out[i].lo + v[1];
    end = out[i].hi + 1;
  }
  return out;
}

static bool more(parser *p) { return p->pos < p->n; }
static int peek(parser *p) { return more(p) ? p->s[p->pos] : -1; }
static int peek_at(parser *p, uint32_t k) { return p->pos + k < p->n ? p->s[p->pos + k] : -1; }
static bool fail(parser *p) {
  p->err = true;
  return false;
}

/* Next rune of the pattern; invalid UTF-8 is a syntax error, as in Go. */
static bool next_rune(parser *p, uint32_t *r) {
  uint32_t cp;
  int w = utf8_decode(p->s + p->pos, p->n - p->pos, &cp);
  if (cp == 0xFFFD && w != 3) return fail(p);
  p->pos += (uint32_t)w;
  *r = cp;
  return true;
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alnum(int c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int hex_val(int c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* `{n}`, `{n,}` or `{n,m}` at pos. Returns false (consuming nothing) when the text is not a
 * repetition, in which case `{` is a literal; counts above 1000 set the error flag. */
static bool parse_repeat(parser *p, int32_t *min, int32_t *max, uint32_t *end) {
  uint32_t i = p->pos + 1;
  int64_t a = 0, b = -1;
  if (i >= p->n || !is_digit(p->s[i])) return false;
  while (i < p->n && is_digit(p->s[i])) {
    if (a <= MAX_REPEAT) a = a * 10 + (p->s[i] - '0');
    i++;
  }
  if (i < p->n && p->s[i] == ',') {
    i++;
    if (i < p->n && is_digit(p->s[i])) {
      b = 0;
      while (i < p->n && is_digit(p->s[i])) {
        if (b <= MAX_REPEAT) b = b * 10 + (p->s[i] - '0');
        i++;
      }
    } else {
      b = -2; /* unbounded */
    }
  } else {
    b = a;
  }
  if (i >= p->n || p->s[i] != '}') return false;
  if (a > MAX_REPEAT || b > MAX_REPEAT || (b >= 0 && b < a)) p->err = true;
  *min = (int32_t)a;
  *max = b == -2 ? -1 : (int32_t)b;
  *end = i + 1;
  return true;
}

static const class_table *find_class(const class_table *t, const char *name, uint32_t len) {
  for (; t->name; t++)
    if (strlen(t->name) == len && memcmp(t->name, name, len) == 0) return t;
  return NULL;
}

/* A Unicode class by name: a general category (or Any), else a script. */
static const class_table *find_unicode_class(const char *name, uint32_t len) {
  const class_table *t = find_class(unicode_categories, name, len);
  return t ? t : find_class(unicode_scripts, name, len);
}

bool unicode_class_has(const char *name, uint32_t cp) {
  const class_table *t = find_unicode_class(name, (uint32_t)strlen(name));
  const uint8_t *b = t->packed;
  uint32_t end = 0;
  for (uint32_t i = 0; i < t->n; i++) {
    uint32_t v[2];
    for (int k = 0; k < 2; k++) {
      uint32_t x = 0;
      int shift = 0;
      for (;;) {
        uint8_t c = *b++;
        x |= (uint32_t)(c & 0x7f) << shift;
        shift += 7;
        if (!(c & 0x80)) break;
      }
      v[k] = x;
    }
    uint32_t lo = end + v[0], hi = lo + v[1];
    if (cp < lo) return false;
    if (cp <= hi) return true;
    end = hi + 1;
  }
  return false;
}

/* `\pL`, `\p{Name}`, `\p{^Name}`, `\PL` after the backslash and the p/P. */
static bool parse_unicode_class(parser *p, rx_node *cls, bool neg) {
  const char *name;
  uint32_t len;
  if (peek(p) == '{') {
    uint32_t start = p->pos + 1, i = start;
    while (i < p->n && p->s[i] != '}') i++;
    if (i >= p->n) return fail(p);
    name = (const char *)p->s + start;
    len = i - start;
    p->pos = i + 1;
    if (len > 0 && name[0] == '^') {
      neg = !neg;
      name++;
      len--;
    }
  } else {
    uint32_t r;
    if (!more(p)) return fail(p);
    uint32_t start = p->pos;
    if (!next_rune(p, &r)) return false;
    name = (const char *)p->s + start;
    len = p->pos - start;
  }
  const class_table *t = find_unicode_class(name, len);
  if (!t) return fail(p);
  add_table(cls, table_ranges(t), t->n, neg);
  return true;
}

enum { ESC_ERR, ESC_RUNE, ESC_CLASS };

/* An escape after the backslash, valid both inside and outside brackets. Perl and Unicode classes
 * are added to cls; a single character is returned in *r. */
static int parse_escape(parser *p, rx_node *cls, uint32_t *r) {
  if (!more(p)) return fail(p), ESC_ERR;
  int c = p->s[p->pos];
  if (c >= '1' && c <= '7' && !(peek_at(p, 1) >= '0' && peek_at(p, 1) <= '7')) return fail(p), ESC_ERR;
  if (c >= '0' && c <= '7') {
    uint32_t v = 0;
    for (int k = 0; k < 3 && more(p) && peek(p) >= '0' && peek(p) <= '7'; k++) v = v * 8 + (uint32_t)(p->s[p->pos++] - '0');
    *r = v;
    return ESC_RUNE;
  }
  p->pos++;
  switch (c) {
    case 'x': {
      uint32_t v = 0;
      if (peek(p) == '{') {
        p->pos++;
        int digits = 0;
        while (more(p) && hex_val(peek(p)) >= 0) {
          v = v * 16 + (uint32_t)hex_val(p->s[p->pos++]);
          if (v > 0x10FFFF) return fail(p), ESC_ERR;
          digits++;
        }
        if (digits == 0 || peek(p) != '}') return fail(p), ESC_ERR;
        p->pos++;
      } else {
        int h1 = hex_val(peek(p)), h2 = hex_val(peek_at(p, 1));
        if (h1 < 0 || h2 < 0) return fail(p), ESC_ERR;
        v = (uint32_t)(h1 * 16 + h2);
        p->pos += 2;
      }
      *r = v;
      return ESC_RUNE;
    }
    case 'a': *r = 7; return ESC_RUNE;
    case 'f': *r = 12; return ESC_RUNE;
    case 't': *r = 9; return ESC_RUNE;
    case 'n': *r = 10; return ESC_RUNE;
    case 'r': *r = 13; return ESC_RUNE;
    case 'v': *r = 11; return ESC_RUNE;
    case 'd': case 'D': case 's': case 'S': case 'w': case 'W': {
      int lower = c | 0x20;
      const class_table *t = find_class(perl_classes, lower == 'd' ? "d" : lower == 's' ? "s" : "w", 1);
      add_table(cls, t->ranges, t->n, c != lower);
      return ESC_CLASS;
    }
    case 'p': case 'P':
      return parse_unicode_class(p, cls, c == 'P') ? ESC_CLASS : ESC_ERR;
    default:
      if (c < 0x80 && !is_alnum(c)) {
        *r = (uint32_t)c;
        return ESC_RUNE;
      }
      return fail(p), ESC_ERR;
  }
}

static rx_node *parse_alt(parser *p);

static rx_node *parse_class(parser *p) {
  rx_node *cls = node(RX_CLASS);
  cls->fold = (p->flags & F_FOLD) != 0;
  p->pos++; /* [ */
  if (peek(p) == '^') {
    cls->neg = true;
    p->pos++;
  }
  bool first = true;
  for (;;) {
    if (!more(p)) return fail(p), NULL;
    int c = peek(p);
    if (c == ']' && !first) {
      p->pos++;
      return cls;
    }
    first = false;
    if (c == '[' && peek_at(p, 1) == ':') {
      uint32_t i = p->pos + 2;
      while (i + 1 < p->n && !(p->s[i] == ':' && p->s[i + 1] == ']')) i++;
      if (i + 1 < p->n) {
        const char *name = (const char *)p->s + p->pos + 2;
        uint32_t len = i - (p->pos + 2);
        bool neg = len > 0 && name[0] == '^';
        const class_table *t = find_class(posix_classes, name + neg, len - neg);
        if (!t) return fail(p), NULL;
        add_table(cls, t->ranges, t->n, neg);
        p->pos = i + 2;
        continue;
      }
    }
    uint32_t lo, hi;
    if (c == '\\') {
      p->pos++;
      int kind = parse_escape(p, cls, &lo);
      if (kind == ESC_ERR) return NULL;
      if (kind == ESC_CLASS) continue;
    } else if (!next_rune(p, &lo)) {
      return NULL;
    }
    hi = lo;
    if (peek(p) == '-' && peek_at(p, 1) != ']' && peek_at(p, 1) != -1) {
      p->pos++;
      if (peek(p) == '\\') {
        p->pos++;
        if (parse_escape(p, cls, &hi) != ESC_RUNE) return fail(p), NULL;
      } else if (!next_rune(p, &hi)) {
        return NULL;
      }
      if (hi < lo) return fail(p), NULL;
    }
    add_range(cls, lo, hi);
  }
}

static void set_name(parser *p, int idx, const char *name, uint32_t len) {
  if ((uint32_t)idx >= p->names_cap) {
    uint32_t cap = p->names_cap ? p->names_cap * 2 : 8;
    while (cap <= (uint32_t)idx) cap *= 2;
    p->names = opa_realloc(p->names, cap * sizeof(char *));
    p->name_lens = opa_realloc(p->name_lens, cap * sizeof(uint32_t));
    for (uint32_t i = p->names_cap; i < cap; i++) {
      p->names[i] = NULL;
      p->name_lens[i] = 0;
    }
    p->names_cap = cap;
  }
  p->names[idx] = name;
  p->name_lens[idx] = len;
}

/* After `(`. Returns the group, or NULL with *flags_only set for `(?flags)`. */
static rx_node *parse_group(parser *p, bool *flags_only) {
  if (++p->depth > MAX_DEPTH) return fail(p), NULL;
  int saved = p->flags;
  rx_node *g;
  if (peek(p) == '?') {
    bool named = (peek_at(p, 1) == 'P' && peek_at(p, 2) == '<') || peek_at(p, 1) == '<';
    if (named) {
      p->pos += peek_at(p, 1) == 'P' ? 3 : 2;
      uint32_t start = p->pos;
      while (more(p) && peek(p) != '>') p->pos++;
      if (!more(p) || p->pos == start) return fail(p), NULL;
      for (uint32_t i = start; i < p->pos; i++)
        if (!is_alnum(p->s[i]) && p->s[i] != '_') return fail(p), NULL;
      p->pos++;
      g = node(RX_CAP);
      g->cap = ++p->ngroups;
      set_name(p, g->cap, (const char *)p->s + start, p->pos - 1 - start);
    } else {
      p->pos++;
      int flags = p->flags, sign = 1;
      bool saw = false;
      for (;;) {
        if (!more(p)) return fail(p), NULL;
        int c = p->s[p->pos++];
        int bit = c == 'i' ? F_FOLD : c == 'm' ? F_MULTI : c == 's' ? F_DOTNL : c == 'U' ? F_UNGREEDY : 0;
        if (bit) {
          flags = sign > 0 ? flags | bit : flags & ~bit;
          saw = true;
        } else if (c == '-') {
          if (sign < 0) return fail(p), NULL;
          sign = -1;
          saw = false;
        } else if (c == ':' || c == ')') {
          if (sign < 0 && !saw) return fail(p), NULL;
          if (c == ')') {
            p->flags = flags;
            p->depth--;
            *flags_only = true;
            return NULL;
          }
          p->flags = flags;
          break;
        } else {
          return fail(p), NULL;
        }
      }
      g = node(RX_CAT);
    }
  } else {
    g = node(RX_CAP);
    g->cap = ++p->ngroups;
  }
  rx_node *body = parse_alt(p);
  if (p->err) return NULL;
  if (peek(p) != ')') return fail(p), NULL;
  p->pos++;
  p->flags = saved;
  p->depth--;
  add_kid(g, body);
  return g;
}

static rx_node *literal(parser *p, uint32_t r) {
  rx_node *x = node(RX_LIT);
  x->rune = r;
  x->fold = (p->flags & F_FOLD) != 0;
  return x;
}

static rx_node *assertion(uint32_t kind) {
  rx_node *x = node(RX_ASSERT);
  x->rune = kind;
  return x;
}

/* One atom; NULL with *none set when the text produced no atom (`(?i)`, an empty `\Q\E`). */
static rx_node *parse_atom(parser *p, rx_node *cat, bool *none) {
  int c = peek(p);
  uint32_t r;
  switch (c) {
    case '(':
      p->pos++;
      return parse_group(p, none);
    case '[':
      return parse_class(p);
    case '.':
      p->pos++;
      return node(p->flags & F_DOTNL ? RX_ANY : RX_ANYNL);
    case '^':
      p->pos++;
      return assertion(p->flags & F_MULTI ? RX_BOL : RX_BOT);
    case '$':
      p->pos++;
      return assertion(p->flags & F_MULTI ? RX_EOL : RX_EOT);
    case '\\': {
      int e = peek_at(p, 1);
      if (e == 'A' || e == 'z' || e == 'b' || e == 'B') {
        p->pos += 2;
        return assertion(e == 'A' ? RX_BOT : e == 'z' ? RX_EOT : e == 'b' ? RX_WORDB : RX_NWORDB);
      }
      if (e == 'Q') {
        p->pos += 2;
        rx_node *last = NULL;
        while (more(p)) {
          if (peek(p) == '\\' && peek_at(p, 1) == 'E') {
            p->pos += 2;
            break;
          }
          if (!next_rune(p, &r)) return NULL;
          if (last) add_kid(cat, last);
          last = literal(p, r);
        }
        if (!last) *none = true;
        return last; /* the last rune alone takes a following repetition, as in Go */
      }
      p->pos++;
      rx_node *cls = node(RX_CLASS);
      int kind = parse_escape(p, cls, &r);
      if (kind == ESC_ERR) return NULL;
      if (kind == ESC_CLASS) return cls;
      return literal(p, r);
    }
    default:
      if (!next_rune(p, &r)) return NULL;
      return literal(p, r);
  }
}

static rx_node *parse_concat(parser *p) {
  rx_node *cat = node(RX_CAT);
  while (more(p) && peek(p) != '|' && peek(p) != ')') {
    rx_node *atom = NULL;
    bool none = false;
    int c = peek(p);
    int32_t min, max;
    uint32_t end;
    bool is_rep = c == '*' || c == '+' || c == '?' || (c == '{' && parse_repeat(p, &min, &max, &end));
    if (is_rep) return fail(p), NULL; /* missing argument to repetition operator */
    if (c == '{') {
      p->pos++;
      atom = literal(p, '{');
    } else {
      atom = parse_atom(p, cat, &none);
      if (p->err) return NULL;
      if (none) continue;
    }
    bool repeated = false;
    for (;;) {
      c = peek(p);
      if (c == '*' || c == '+' || c == '?') {
        min = c == '+' ? 1 : 0;
        max = c == '?' ? 1 : -1;
        end = p->pos + 1;
      } else if (!(c == '{' && parse_repeat(p, &min, &max, &end))) {
        break;
      }
      if (p->err || repeated) return fail(p), NULL;
      p->pos = end;
      rx_node *rep = node(RX_REP);
      rep->min = min;
      rep->max = max;
      rep->greedy = true;
      if (peek(p) == '?') {
        p->pos++;
        rep->greedy = false;
      }
      if (p->flags & F_UNGREEDY) rep->greedy = !rep->greedy;
      add_kid(rep, atom);
      atom = rep;
      repeated = true;
    }
    add_kid(cat, atom);
  }
  return cat;
}

static rx_node *parse_alt(parser *p) {
  rx_node *first = parse_concat(p);
  if (p->err || peek(p) != '|') return first;
  rx_node *alt = node(RX_ALT);
  add_kid(alt, first);
  while (!p->err && peek(p) == '|') {
    p->pos++;
    add_kid(alt, parse_concat(p));
  }
  return alt;
}

bool rx_parse(const char *pat, uint32_t len, rx_ast *out) {
  parser p;
  memset(&p, 0, sizeof p);
  p.s = (const uint8_t *)pat;
  p.n = len;
  rx_node *root = parse_alt(&p);
  if (p.err || more(&p)) return false; /* a stray `)` stops the top level */
  out->root = root;
  out->ngroups = p.ngroups;
  set_name(&p, p.ngroups, p.ngroups < (int)p.names_cap ? p.names[p.ngroups] : NULL,
           p.ngroups < (int)p.names_cap ? p.name_lens[p.ngroups] : 0);
  out->names = p.names;
  out->name_lens = p.name_lens;
  return true;
}
