/* glob.match and glob.quote_meta with the gobwas/glob syntax OPA uses (`*`, `**`, `?`, `[a-z]`,
 * `[!a-z]`, `{a,b}`, `\` escapes). A glob is translated to an anchored pattern for regex.c, so
 * matching is linear in the input; a malformed glob makes the call undefined. */
#include "regex.h"

static bool str_arg(opa_value *v, const char **s, uint32_t *n) {
  if (!opa_is(v, OPA_STRING)) return false;
  *s = opa_cast_string(v)->data;
  *n = opa_cast_string(v)->len;
  return true;
}

static void put_rune(opa_buf *b, uint32_t r) {
  char tmp[4];
  buf_put(b, tmp, (uint32_t)utf8_encode(r, tmp));
}

static bool is_meta(uint32_t r) {
  for (const char *m = "\\.+*?()|[]{}^$"; *m; m++)
    if ((uint32_t)*m == r) return true;
  return false;
}

static void put_quoted(opa_buf *b, uint32_t r) {
  if (is_meta(r)) buf_putc(b, '\\');
  put_rune(b, r);
}

static void put_class_char(opa_buf *b, uint32_t r) {
  if (r == '\\' || r == ']' || r == '^' || r == '-') buf_putc(b, '\\');
  put_rune(b, r);
}

/* The runes of s, decoded once. */
static uint32_t *runes_of(const char *s, uint32_t n, uint32_t *count) {
  uint32_t *out = opa_malloc((n + 1) * sizeof(uint32_t));
  uint32_t k = 0;
  for (uint32_t i = 0; i < n;) {
    i += (uint32_t)utf8_decode((const uint8_t *)s + i, n - i, &out[k]);
    k++;
  }
  *count = k;
  return out;
}

/* `[lo-hi]`, `[!lo-hi]`, `[abc]` or `[!abc]` at g[*at] (gobwas reads a class as either one range
 * or a list of runes with `\` escapes; anything else is an error); *at ends on the `]`. */
static bool glob_class(opa_buf *re, const uint32_t *g, uint32_t n, uint32_t *at) {
  uint32_t j = *at + 1;
  bool neg = j < n && g[j] == '!';
  if (neg) j++;
  if (j >= n) return false;
  if (j + 1 < n && g[j + 1] == '-') {
    if (j + 3 >= n || g[j + 3] != ']') return false;
    uint32_t lo = g[j], hi = g[j + 2];
    if (lo > hi) {
      buf_puts(re, neg ? "(?s:.)" : "[^\\x00-\\x{10FFFF}]");
    } else {
      buf_puts(re, neg ? "[^" : "[");
      put_class_char(re, lo);
      buf_putc(re, '-');
      put_class_char(re, hi);
      buf_putc(re, ']');
    }
    *at = j + 3;
    return true;
  }
  opa_buf list;
  buf_init(&list, 16);
  bool escaped = false;
  for (; j < n; j++) {
    if (!escaped && g[j] == '\\') {
      escaped = true;
      continue;
    }
    if (!escaped && g[j] == ']') break;
    escaped = false;
    put_class_char(&list, g[j]);
  }
  if (j >= n || list.len == 0) return false;
  buf_puts(re, neg ? "[^" : "[");
  buf_put(re, list.buf, list.len);
  buf_putc(re, ']');
  *at = j;
  return true;
}

/* The pattern text for one glob; false when the glob is malformed. */
static bool glob_to_regex(opa_buf *re, const uint32_t *g, uint32_t n, const opa_buf *single) {
  int depth = 0;
  buf_putc(re, '^');
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = g[i];
    switch (r) {
      case '*':
        if (i + 1 < n && g[i + 1] == '*') {
          buf_puts(re, "(?s:.*)");
          i++;
        } else {
          buf_put(re, single->buf, single->len);
          buf_putc(re, '*');
        }
        break;
      case '?':
        buf_put(re, single->buf, single->len);
        break;
      case '[':
        if (!glob_class(re, g, n, &i)) return false;
        break;
      case '{':
        depth++;
        buf_puts(re, "(?:");
        break;
      case '}':
        if (depth == 0) {
          put_quoted(re, r);
        } else {
          depth--;
          buf_putc(re, ')');
        }
        break;
      case ',':
        buf_putc(re, depth > 0 ? '|' : ',');
        break;
      case '\\':
        if (++i >= n) return false;
        put_quoted(re, g[i]);
        break;
      default:
        put_quoted(re, r);
    }
  }
  if (depth != 0) return false;
  buf_putc(re, '$');
  return true;
}

OPA_NATIVE("glob.match") opa_value *opa_glob_match(opa_value *pattern, opa_value *delimiters, opa_value *value) {
  const char *p, *s;
  uint32_t pn, sn;
  if (!str_arg(pattern, &p, &pn) || !str_arg(value, &s, &sn)) return NULL;
  opa_buf single;
  buf_init(&single, 16);
  if (opa_is(delimiters, OPA_NULL)) {
    buf_puts(&single, "(?s:.)");
  } else if (opa_is(delimiters, OPA_ARRAY)) {
    opa_array_t *a = opa_cast_array(delimiters);
    buf_puts(&single, "[^");
    if (a->len == 0) buf_putc(&single, '.');
    for (uint32_t i = 0; i < a->len; i++) { /* each delimiter is exactly one rune, as in OPA */
      if (!opa_is(a->elems[i], OPA_STRING)) return NULL;
      uint32_t count;
      uint32_t *rs = runes_of(opa_cast_string(a->elems[i])->data, opa_cast_string(a->elems[i])->len, &count);
      if (count != 1) return NULL;
      put_class_char(&single, rs[0]);
    }
    buf_putc(&single, ']');
  } else {
    return NULL;
  }
  uint32_t count;
  uint32_t *g = runes_of(p, pn, &count);
  opa_buf re;
  buf_init(&re, pn * 2 + 8);
  if (!glob_to_regex(&re, g, count, &single)) return NULL;
  rx_prog *prog = rx_compile_cached(re.buf, re.len);
  return prog ? opa_boolean(rx_search(prog, s, sn, 0, NULL)) : NULL;
}

OPA_NATIVE("glob.quote_meta") opa_value *opa_glob_quote_meta(opa_value *pattern) {
  const char *p;
  uint32_t pn;
  if (!str_arg(pattern, &p, &pn)) return NULL;
  opa_buf b;
  buf_init(&b, pn + 8);
  for (uint32_t i = 0; i < pn; i++) {
    char c = p[i];
    if (c == '*' || c == '?' || c == '\\' || c == '[' || c == ']' || c == '{' || c == '}') buf_putc(&b, '\\');
    buf_putc(&b, c);
  }
  return opa_string(b.buf, b.len);
}
