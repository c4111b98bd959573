/* sprintf with Go's fmt semantics, fed as OPA's topdown feeds it: int64 integers, *big.Int past
 * int64, float64 for other numbers, strings as they are, any other value as its Rego text. Flags
 * (- + # space 0), width and precision (also `*`), verbs v d b o O x X c q U e E f F g G s, and
 * Go's `%!v(...)`, `%!v(MISSING)`, `%!(EXTRA ...)` and `%!(NOVERB)` forms. Native, because OPA's
 * own wasm asks the host for sprintf and the stock SDK answers with sprintf-js, which is not Go. */
#include "regex.h"

enum { ARG_INT, ARG_BIG, ARG_FLOAT, ARG_STRING };

typedef struct {
  int kind;
  int64_t i;
  double f;
  const char *s; /* ARG_STRING text; ARG_BIG decimal digits without sign */
  uint32_t n;
  bool neg; /* ARG_BIG */
} go_arg;

typedef struct {
  bool minus, plus, sharp, space, zero;
  int width, prec; /* -1: absent */
} spec_t;

/* ---- Go's strconv.Quote and Rego text ---- */

static bool is_print(uint32_t c) {
  if (c < 0x80) return c >= 0x20 && c < 0x7f;
  return unicode_class_has("L", c) || unicode_class_has("M", c) || unicode_class_has("N", c) ||
         unicode_class_has("P", c) || unicode_class_has("S", c);
}

static void put_hex(opa_buf *b, uint32_t v, int digits) {
  for (int i = digits - 1; i >= 0; i--) buf_putc(b, "0123456789abcdef"[(v >> (4 * i)) & 15]);
}

static void quote_rune(opa_buf *b, uint32_t c, char q, bool ascii) {
  const char *esc = NULL;
  switch (c) {
    case 7: esc = "\\a"; break;
    case 8: esc = "\\b"; break;
    case 12: esc = "\\f"; break;
    case 10: esc = "\\n"; break;
    case 13: esc = "\\r"; break;
    case 9: esc = "\\t"; break;
    case 11: esc = "\\v"; break;
    case '\\': esc = "\\\\"; break;
  }
  if (esc) {
    buf_puts(b, esc);
  } else if (c == (uint32_t)q) {
    buf_putc(b, '\\');
    buf_putc(b, q);
  } else if (is_print(c) && !(ascii && c >= 0x80)) {
    char tmp[4];
    buf_put(b, tmp, (uint32_t)utf8_encode(c, tmp));
  } else if (c < 0x80) {
    buf_puts(b, "\\x");
    put_hex(b, c, 2);
  } else if (c < 0x10000) {
    buf_puts(b, "\\u");
    put_hex(b, c, 4);
  } else {
    buf_puts(b, "\\U");
    put_hex(b, c, 8);
  }
}

static void go_quote_ascii(opa_buf *b, const char *s, uint32_t n, bool ascii) {
  buf_putc(b, '"');
  for (uint32_t i = 0; i < n;) {
    uint32_t c;
    int w = utf8_decode((const uint8_t *)s + i, n - i, &c);
    if (c == 0xFFFD && w == 1) {
      buf_puts(b, "\\x");
      put_hex(b, (uint8_t)s[i], 2);
    } else {
      quote_rune(b, c, '"', ascii);
    }
    i += (uint32_t)w;
  }
  buf_putc(b, '"');
}

static void go_quote(opa_buf *b, const char *s, uint32_t n) { go_quote_ascii(b, s, n, false); }

/* strconv.CanBackquote: one line of valid, printable UTF-8 (tabs allowed) without a backquote. */
static bool can_backquote(const char *s, uint32_t n) {
  for (uint32_t i = 0; i < n;) {
    uint32_t c;
    int w = utf8_decode((const uint8_t *)s + i, n - i, &c);
    if ((c == 0xFFFD && w == 1) || c == '`' || c == 0xFEFF || (c < 0x20 && c != '\t') || c == 0x7f) return false;
    i += (uint32_t)w;
  }
  return true;
}

/* ast.Term's String(): `["a", 1]`, `{"k": true}`, `{1, 2}`, `set()`. */
static void rego_text(opa_buf *b, opa_value *v) {
  switch (v->type) {
    case OPA_STRING:
      go_quote(b, opa_cast_string(v)->data, opa_cast_string(v)->len);
      return;
    case OPA_ARRAY: {
      opa_array_t *a = opa_cast_array(v);
      buf_putc(b, '[');
      for (uint32_t i = 0; i < a->len; i++) {
        if (i) buf_puts(b, ", ");
        rego_text(b, a->elems[i]);
      }
      buf_putc(b, ']');
      return;
    }
    case OPA_OBJECT:
    case OPA_SET: {
      opa_table_t *t = opa_cast_table(v);
      table_sort(t);
      if (v->type == OPA_SET && t->len == 0) {
        buf_puts(b, "set()");
        return;
      }
      buf_putc(b, '{');
      for (uint32_t i = 0; i < t->len; i++) {
        if (i) buf_puts(b, ", ");
        rego_text(b, t->e[i].k);
        if (v->type == OPA_OBJECT) {
          buf_puts(b, ": ");
          rego_text(b, t->e[i].v);
        }
      }
      buf_putc(b, '}');
      return;
    }
    default:
      json_dump_to(b, v, true);
  }
}

static go_arg to_arg(opa_value *v) {
  go_arg a = {ARG_STRING, 0, 0, NULL, 0, false};
  if (v->type == OPA_STRING) {
    a.s = opa_cast_string(v)->data;
    a.n = opa_cast_string(v)->len;
  } else if (v->type == OPA_NUMBER && opa_cast_number(v)->spelled_float) {
    a.kind = ARG_FLOAT; /* `1e6`, `2.0`: OPA keeps the text, so fmt sees a float64 */
    a.f = number_as_double(v);
  } else if (v->type == OPA_NUMBER && number_as_int(v, &a.i)) {
    a.kind = ARG_INT;
  } else if (v->type == OPA_NUMBER && number_is_integer(v)) {
    decimal_t *d = opa_malloc(sizeof(decimal_t));
    number_to_decimal(v, d);
    char *digits = opa_malloc((uint32_t)d->exp + 1);
    for (int k = 0; k < d->exp; k++) digits[k] = k < d->nd ? d->d[k] : '0';
    a.kind = ARG_BIG;
    a.neg = d->neg;
    a.s = digits;
    a.n = (uint32_t)d->exp;
  } else if (v->type == OPA_NUMBER) {
    a.kind = ARG_FLOAT;
    a.f = number_as_double(v);
  } else {
    opa_buf b;
    buf_init(&b, 32);
    rego_text(&b, v);
    a.s = b.buf;
    a.n = b.len;
  }
  if (a.kind == ARG_FLOAT && a.f - a.f != 0) {
    /* Go's ParseFloat fails past float64's range and OPA passes the number's text instead
     * (as written in the policy; ours is canonical, so `2e308`, not `2e+308`). */
    opa_buf b;
    buf_init(&b, 32);
    rego_text(&b, v);
    uint32_t k = 0;
    for (uint32_t i = 0; i < b.len; i++)
      if (!(b.buf[i] == '+' && i > 0 && b.buf[i - 1] == 'e')) b.buf[k++] = b.buf[i];
    a.kind = ARG_STRING;
    a.s = b.buf;
    a.n = k;
  }
  return a;
}

/* ---- padding ---- */

static void pad(opa_buf *out, const char *s, uint32_t n, const spec_t *sp, bool zero_ok) {
  int len = (int)utf8_count(s, n);
  int fill = sp->width > len ? sp->width - len : 0;
  if (sp->minus) {
    buf_put(out, s, n);
    while (fill--) buf_putc(out, ' ');
    return;
  }
  if (sp->zero && zero_ok && fill > 0) {
    uint32_t lead = n > 0 && (s[0] == '+' || s[0] == '-' || s[0] == ' ');
    if (sp->sharp && n >= lead + 2 && s[lead] == '0' && (s[lead + 1] == 'x' || s[lead + 1] == 'X' || s[lead + 1] == 'b'))
      lead += 2;
    buf_put(out, s, lead);
    while (fill--) buf_putc(out, '0');
    buf_put(out, s + lead, n - lead);
    return;
  }
  while (fill--) buf_putc(out, ' ');
  buf_put(out, s, n);
}

static void sign_into(opa_buf *b, bool neg, const spec_t *sp) {
  if (neg) buf_putc(b, '-');
  else if (sp->plus) buf_putc(b, '+');
  else if (sp->space) buf_putc(b, ' ');
}

/* ---- integers ---- */

/* Digits of a non-negative decimal digit string in base 2, 8 or 16 (lowercase). */
static void decimal_to_base(opa_buf *out, const char *dec, uint32_t n, int base) {
  char *work = opa_malloc(n + 1), *rev = opa_malloc(n * 4 + 2);
  for (uint32_t i = 0; i < n; i++) work[i] = (char)(dec[i] - '0');
  uint32_t start = 0, len = 0;
  while (start < n && work[start] == 0) start++;
  while (start < n) {
    int rem = 0;
    for (uint32_t i = start; i < n; i++) {
      int cur = rem * 10 + work[i];
      work[i] = (char)(cur / base);
      rem = cur % base;
    }
    rev[len++] = "0123456789abcdef"[rem];
    while (start < n && work[start] == 0) start++;
  }
  if (len == 0) rev[len++] = '0';
  while (len) buf_putc(out, rev[--len]);
}

static bool format_int(opa_buf *out, const go_arg *a, char verb, const spec_t *sp) {
  bool neg = a->kind == ARG_BIG ? a->neg : a->i < 0;
  uint64_t mag = a->i < 0 ? (uint64_t)0 - (uint64_t)a->i : (uint64_t)a->i;
  char dec[24];
  const char *digits = a->s;
  uint32_t nd = a->n;
  if (a->kind == ARG_INT) {
    nd = (uint32_t)fmt_u64(dec, mag);
    digits = dec;
  }
  opa_buf body;
  buf_init(&body, 32);
  int base = 10;
  switch (verb) {
    case 'v': case 'd': break;
    case 's':
      if (a->kind != ARG_BIG) return false; /* *big.Int formats %s like %d */
      break;
    case 'b': base = 2; break;
    case 'o': case 'O': base = 8; break;
    case 'x': case 'X': base = 16; break;
    case 'c': case 'q': case 'U': {
      if (a->kind != ARG_INT) return false;
      uint32_t c = mag > 0x10FFFF || (mag >= 0xD800 && mag <= 0xDFFF) || neg ? 0xFFFD : (uint32_t)mag;
      if (verb == 'c') {
        char tmp[4];
        buf_put(&body, tmp, (uint32_t)utf8_encode(c, tmp));
      } else if (verb == 'q') {
        buf_putc(&body, '\'');
        quote_rune(&body, c, '\'', sp->plus);
        buf_putc(&body, '\'');
      } else {
        uint64_t u = (uint64_t)a->i; /* Go prints the two's complement of negatives */
        buf_puts(&body, "U+");
        int w = 4;
        while (w < 16 && (u >> (4 * w))) w++;
        for (int i = w - 1; i >= 0; i--) buf_putc(&body, "0123456789ABCDEF"[(u >> (4 * i)) & 15]);
        if (sp->sharp && u <= 0x10FFFF && is_print((uint32_t)u)) { /* %#U: U+0041 'A' */
          char tmp[4];
          buf_puts(&body, " '");
          buf_put(&body, tmp, (uint32_t)utf8_encode((uint32_t)u, tmp));
          buf_putc(&body, '\'');
        }
      }
      pad(out, body.buf, body.len, sp, verb != 'U'); /* Go zero-pads %c and %q, not %U */
      return true;
    }
    default:
      return false;
  }
  opa_buf num;
  buf_init(&num, nd * 4 + 4);
  if (base == 10) buf_put(&num, digits, nd);
  else decimal_to_base(&num, digits, nd, base);
  if (verb == 'X')
    for (uint32_t i = 0; i < num.len; i++)
      if (num.buf[i] >= 'a') num.buf[i] = (char)(num.buf[i] - 32);
  bool zero = num.len == 1 && num.buf[0] == '0';
  if (sp->prec >= 0) {
    if (sp->prec == 0 && zero) num.len = 0;
    opa_buf padded;
    buf_init(&padded, (uint32_t)sp->prec + num.len + 1);
    for (int i = (int)num.len; i < sp->prec; i++) buf_putc(&padded, '0');
    buf_put(&padded, num.buf, num.len);
    num = padded;
  }
  sign_into(&body, neg, sp);
  if (verb == 'O') buf_puts(&body, "0o");
  else if (sp->sharp && verb == 'o' && !(num.len > 0 && num.buf[0] == '0')) buf_putc(&body, '0');
  else if (sp->sharp && verb == 'x') buf_puts(&body, "0x");
  else if (sp->sharp && verb == 'b') buf_puts(&body, "0b");
  else if (sp->sharp && verb == 'X') buf_puts(&body, "0X");
  buf_put(&body, num.buf, num.len);
  spec_t s2 = *sp;
  if (sp->prec >= 0) s2.zero = false; /* Go ignores 0 when a precision is given */
  pad(out, body.buf, body.len, &s2, true);
  return true;
}

/* ---- floats ---- */

/* Rounds digits (0.d * 10^dp) half to even to keep digits; returns the new count. */
static int round_digits(char *d, int nd, int *dp, int keep) {
  if (keep >= nd) return nd;
  if (keep < 0) return 0;
  bool up = d[keep] > '5' || (d[keep] == '5' && (keep + 1 < nd || (keep > 0 && ((d[keep - 1] - '0') & 1))));
  if (!up) return keep;
  int i = keep - 1;
  while (i >= 0 && d[i] == '9') i--;
  if (i < 0) {
    d[0] = '1';
    (*dp)++;
    return 1;
  }
  d[i]++;
  return i + 1;
}

static char dig(const char *d, int nd, int i) { return i >= 0 && i < nd ? d[i] : '0'; }

static void put_exp(opa_buf *b, char e, int x) {
  buf_putc(b, e);
  buf_putc(b, x < 0 ? '-' : '+');
  if (x < 0) x = -x;
  if (x < 10) buf_putc(b, '0');
  buf_put_i64(b, x);
}

static void fmt_e(opa_buf *b, const char *d, int nd, int dp, int prec, char e) {
  buf_putc(b, nd ? d[0] : '0');
  if (prec > 0) {
    buf_putc(b, '.');
    for (int i = 1; i <= prec; i++) buf_putc(b, dig(d, nd, i));
  }
  put_exp(b, e, nd ? dp - 1 : 0);
}

static void fmt_f(opa_buf *b, const char *d, int nd, int dp, int prec) {
  if (dp > 0) {
    for (int i = 0; i < dp; i++) buf_putc(b, dig(d, nd, i));
  } else {
    buf_putc(b, '0');
  }
  if (prec > 0) {
    buf_putc(b, '.');
    for (int i = 0; i < prec; i++) buf_putc(b, dig(d, nd, dp + i));
  }
}

/* Go's `#` on floats: always a decimal point, and for %g/%v trailing zeros up to `digits`
 * significant digits. body starts with an optional sign. */
static void sharp_float(opa_buf *body, int digits, bool hex) {
  uint32_t e = body->len;
  bool point = false, nonzero = false;
  for (uint32_t i = 0; i < body->len; i++) {
    char c = body->buf[i];
    if (i == 0 && (c == '+' || c == '-' || c == ' ')) continue;
    if (c == 'p' || c == 'P' || (!hex && (c == 'e' || c == 'E'))) {
      e = i;
      break;
    }
    if (c == '.') {
      point = true;
      continue;
    }
    if (c != '0') nonzero = true;
    if (nonzero) digits--;
  }
  opa_buf tail;
  buf_init(&tail, body->len - e + 1);
  buf_put(&tail, body->buf + e, body->len - e);
  body->len = e;
  if (!point) {
    uint32_t start = body->len > 0 && (body->buf[0] == '+' || body->buf[0] == '-' || body->buf[0] == ' ');
    if (body->len - start == 1 && body->buf[start] == '0') digits--;
    buf_putc(body, '.');
  }
  while (digits-- > 0) buf_putc(body, '0');
  buf_put(body, tail.buf, tail.len);
}

/* strconv's 'x' format: 0x1.8p+01, the fraction in hex, shortest or rounded to prec digits. */
static void hex_float(opa_buf *b, double x, int prec, bool upper) {
  const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  uint64_t bits;
  memcpy(&bits, &x, 8);
  int be = (int)((bits >> 52) & 0x7ff);
  uint64_t m = bits & ((1ull << 52) - 1);
  int e = be - 1023;
  if (x == 0) {
    m = 0;
    e = 0;
  } else if (be == 0) { /* subnormal: normalize */
    e = -1022;
    while (!(m & (1ull << 52))) {
      m <<= 1;
      e--;
    }
    m &= (1ull << 52) - 1;
  }
  uint64_t full = (x == 0 ? 0 : 1ull << 52) | m; /* 1.fraction, 52 fraction bits */
  if (prec >= 0 && prec < 13) {
    int drop = 52 - 4 * prec;
    uint64_t half = 1ull << (drop - 1), rest = full & ((1ull << drop) - 1);
    full >>= drop;
    if (rest > half || (rest == half && (full & 1))) full++;
    if (full >> (4 * prec + 1)) { /* carried into 2.0 */
      full >>= 1;
      e++;
    }
    full <<= drop;
  }
  buf_putc(b, '0');
  buf_putc(b, upper ? 'X' : 'x');
  buf_putc(b, (char)('0' + (full >> 52)));
  uint64_t frac = full & ((1ull << 52) - 1);
  int ndig = 13;
  if (prec < 0) {
    while (ndig > 0 && ((frac >> (4 * (13 - ndig))) & 15) == 0) ndig--;
  } else {
    ndig = prec;
  }
  if (ndig > 0) buf_putc(b, '.');
  for (int i = 0; i < ndig; i++) buf_putc(b, i < 13 ? hex[(frac >> (48 - 4 * i)) & 15] : '0');
  buf_putc(b, upper ? 'P' : 'p');
  buf_putc(b, e < 0 ? '-' : '+');
  int ae = e < 0 ? -e : e;
  if (ae < 10) buf_putc(b, '0');
  buf_put_i64(b, ae);
}

static bool format_float(opa_buf *out, double x, char verb, const spec_t *sp) {
  bool neg = x < 0 || (x == 0 && 1 / x < 0);
  double ax = neg ? -x : x;
  char *d = NULL;
  int nd = 0, dp = 0;
  char sd[20];
  opa_buf body;
  buf_init(&body, 40);
  sign_into(&body, neg, sp);
  bool shortest = sp->prec < 0 && (verb == 'v' || verb == 'g' || verb == 'G');
  if (ax != 0 && shortest) {
    nd = dtoa_shortest(ax, sd, &dp);
    d = sd;
  } else if (ax != 0) {
    nd = double_exact_digits(ax, &d, &dp);
  }
  switch (verb) {
    case 'x': case 'X':
      hex_float(&body, ax, sp->prec, verb == 'X');
      break;
    case 'b': { /* decimal mantissa, binary exponent: 4503599627370496p-51 */
      uint64_t bits;
      memcpy(&bits, &ax, 8);
      int be = (int)((bits >> 52) & 0x7ff);
      uint64_t m = bits & ((1ull << 52) - 1);
      if (be) m |= 1ull << 52;
      buf_put_i64(&body, (int64_t)m);
      buf_putc(&body, 'p');
      int e = be ? be - 1075 : -1074;
      buf_putc(&body, e < 0 ? '-' : '+');
      buf_put_i64(&body, e < 0 ? -e : e);
      break;
    }
    case 'e': case 'E': {
      int prec = sp->prec < 0 ? 6 : sp->prec;
      nd = round_digits(d, nd, &dp, prec + 1);
      fmt_e(&body, d, nd, dp, prec, verb);
      break;
    }
    case 'f': case 'F': {
      int prec = sp->prec < 0 ? 6 : sp->prec;
      nd = round_digits(d, nd, &dp, dp + prec);
      if (nd == 0) dp = 0;
      fmt_f(&body, d, nd, dp, prec);
      break;
    }
    case 'v': case 'g': case 'G': {
      int prec = sp->prec;
      if (!shortest) {
        if (prec == 0) prec = 1;
        nd = round_digits(d, nd, &dp, prec);
      } else {
        prec = nd;
      }
      while (nd > 0 && d[nd - 1] == '0') nd--;
      if (nd == 0) { /* zero */
        buf_putc(&body, '0');
        break;
      }
      int eprec = prec;
      if (eprec > nd && nd >= dp) eprec = nd;
      if (shortest) eprec = 6;
      int exp = dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        fmt_e(&body, d, nd, dp, prec - 1, verb == 'G' ? 'E' : 'e');
      } else {
        if (prec > dp) prec = nd;
        fmt_f(&body, d, nd, dp, prec - dp > 0 ? prec - dp : 0);
      }
      break;
    }
    default:
      return false;
  }
  if (sp->sharp && verb != 'b') {
    bool digits = verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x'; /* not 'X', as in Go */
    sharp_float(&body, digits ? (sp->prec < 0 ? 6 : sp->prec) : 0, verb == 'x' || verb == 'X');
  }
  pad(out, body.buf, body.len, sp, true);
  return true;
}

/* ---- strings ---- */

static bool format_string(opa_buf *out, const char *s, uint32_t n, char verb, const spec_t *sp) {
  if (sp->prec >= 0 && (verb == 'x' || verb == 'X')) { /* precision cuts bytes for %x */
    if ((uint32_t)sp->prec < n) n = (uint32_t)sp->prec;
  } else if (sp->prec >= 0) { /* precision cuts runes */
    uint32_t i = 0;
    for (int k = 0; k < sp->prec && i < n; k++) {
      uint32_t c;
      i += (uint32_t)utf8_decode((const uint8_t *)s + i, n - i, &c);
    }
    n = i;
  }
  opa_buf body;
  buf_init(&body, n + 8);
  switch (verb) {
    case 'v': case 's':
      buf_put(&body, s, n);
      break;
    case 'q':
      if (sp->sharp && can_backquote(s, n)) {
        buf_putc(&body, '`');
        buf_put(&body, s, n);
        buf_putc(&body, '`');
      } else {
        go_quote_ascii(&body, s, n, sp->plus);
      }
      break;
    case 'x': case 'X':
      for (uint32_t i = 0; i < n; i++) { /* `% x` spaces the bytes, `#` prefixes 0x (each, with space) */
        uint8_t c = (uint8_t)s[i];
        const char *hex = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
        if (sp->space && i > 0) buf_putc(&body, ' ');
        if (sp->sharp && (sp->space || i == 0)) buf_puts(&body, verb == 'x' ? "0x" : "0X");
        buf_putc(&body, hex[c >> 4]);
        buf_putc(&body, hex[c & 15]);
      }
      break;
    default:
      return false;
  }
  pad(out, body.buf, body.len, sp, true);
  return true;
}

static const char *type_name(const go_arg *a) {
  switch (a->kind) {
    case ARG_INT: return "int64";
    case ARG_BIG: return "big.Int";
    case ARG_FLOAT: return "float64";
    default: return "string";
  }
}

static bool format_arg(opa_buf *out, const go_arg *a, char verb, const spec_t *sp) {
  switch (a->kind) {
    case ARG_INT: case ARG_BIG: return format_int(out, a, verb, sp);
    case ARG_FLOAT: return format_float(out, a->f, verb, sp);
    default: return format_string(out, a->s, a->n, verb, sp);
  }
}

static const spec_t PLAIN = {false, false, false, false, false, -1, -1};

static void bad_verb(opa_buf *out, const go_arg *a, uint32_t verb, const spec_t *sp) {
  buf_puts(out, "%!");
  char tmp[4];
  buf_put(out, tmp, (uint32_t)utf8_encode(verb, tmp));
  buf_putc(out, '(');
  buf_puts(out, type_name(a));
  buf_putc(out, '=');
  format_arg(out, a, 'v', a->kind == ARG_BIG ? &PLAIN : sp);
  buf_putc(out, ')');
}

static int read_num(const char *f, uint32_t n, uint32_t *i, go_arg *args, uint32_t nargs, uint32_t *argi) {
  if (*i < n && f[*i] == '*') {
    (*i)++;
    if (*argi < nargs && args[*argi].kind == ARG_INT) return (int)args[(*argi)++].i;
    (*argi)++;
    return -1;
  }
  int v = -1;
  while (*i < n && f[*i] >= '0' && f[*i] <= '9') {
    v = (v < 0 ? 0 : v) * 10 + (f[*i] - '0');
    if (v > 1000000) return -1;
    (*i)++;
  }
  return v;
}

OPA_NATIVE("sprintf") opa_value *opa_sprintf(opa_value *format, opa_value *values) {
  if (!opa_is(format, OPA_STRING) || !opa_is(values, OPA_ARRAY)) return NULL;
  const char *f = opa_cast_string(format)->data;
  uint32_t n = opa_cast_string(format)->len;
  opa_array_t *vals = opa_cast_array(values);
  go_arg *args = opa_malloc((vals->len + 1) * sizeof(go_arg));
  for (uint32_t k = 0; k < vals->len; k++) args[k] = to_arg(vals->elems[k]);
  uint32_t argi = 0;
  opa_buf out;
  buf_init(&out, n + 16);
  for (uint32_t i = 0; i < n;) {
    if (f[i] != '%') {
      buf_putc(&out, f[i++]);
      continue;
    }
    i++;
    spec_t sp = PLAIN;
    for (; i < n; i++) {
      char c = f[i];
      if (c == '-') {
        sp.minus = true;
        sp.zero = false;
      } else if (c == '+') sp.plus = true;
      else if (c == '#') sp.sharp = true;
      else if (c == ' ') sp.space = true;
      else if (c == '0') sp.zero = !sp.minus;
      else break;
    }
    sp.width = read_num(f, n, &i, args, vals->len, &argi);
    if (i < n && f[i] == '.') {
      i++;
      sp.prec = read_num(f, n, &i, args, vals->len, &argi);
      if (sp.prec < 0) sp.prec = 0;
    }
    if (i >= n) {
      buf_puts(&out, "%!(NOVERB)");
      break;
    }
    uint32_t verb;
    i += (uint32_t)utf8_decode((const uint8_t *)f + i, n - i, &verb);
    if (verb == '%') {
      buf_putc(&out, '%');
      continue;
    }
    if (argi >= vals->len) {
      buf_puts(&out, "%!");
      char tmp[4];
      buf_put(&out, tmp, (uint32_t)utf8_encode(verb, tmp));
      buf_puts(&out, "(MISSING)");
      continue;
    }
    go_arg *a = &args[argi++];
    spec_t vs = sp;
    if (verb == 'v' && a->kind != ARG_BIG) { /* %+v and %#v are Go's plusV/sharpV, not + and # */
      vs.plus = false;
      vs.sharp = false;
      if (sp.sharp && a->kind == ARG_STRING) {
        opa_buf q;
        buf_init(&q, a->n + 8);
        go_quote(&q, a->s, a->n);
        pad(&out, q.buf, q.len, &vs, true);
        continue;
      }
    }
    if (verb > 0x7f || !format_arg(&out, a, (char)verb, &vs)) bad_verb(&out, a, verb, &sp);
  }
  if (argi < vals->len) {
    buf_puts(&out, "%!(EXTRA ");
    for (uint32_t k = argi; k < vals->len; k++) {
      if (k > argi) buf_puts(&out, ", ");
      buf_puts(&out, type_name(&args[k]));
      buf_putc(&out, '=');
      format_arg(&out, &args[k], 'v', &PLAIN);
    }
    buf_putc(&out, ')');
  }
  return opa_string(out.buf, out.len);
}
