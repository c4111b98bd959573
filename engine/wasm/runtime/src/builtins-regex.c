/* Native regex and glob builtins on the engine of regex.c, with the semantics of Go's regexp
 * (FindAll's empty-match rules, Split, ReplaceAllString's $-expansion) that OPA's topdown uses.
 * An invalid pattern makes the call undefined (the wasm target has no strict mode). */
#include "regex.h"

static bool str_arg(opa_value *v, const char **s, uint32_t *n) {
  if (!opa_is(v, OPA_STRING)) return false;
  *s = opa_cast_string(v)->data;
  *n = opa_cast_string(v)->len;
  return true;
}

static rx_prog *compile_arg(opa_value *pattern) {
  const char *p;
  uint32_t n;
  if (!str_arg(pattern, &p, &n)) return NULL;
  return rx_compile_cached(p, n);
}

static bool int_arg(opa_value *v, int64_t *out) { return opa_is(v, OPA_NUMBER) && number_as_int(v, out); }

static int32_t *new_caps(const rx_prog *p) {
  return opa_malloc((uint32_t)(rx_groups(p) + 1) * 2 * sizeof(int32_t));
}

/* Go's allMatches: up to n matches (n < 0: all) left to right; after an empty match the search
 * moves one rune on, and an empty match right after the previous match is skipped. */
typedef void (*on_match)(void *ctx, const int32_t *caps);

static void all_matches(const rx_prog *p, const char *s, uint32_t len, int64_t n, on_match cb, void *ctx) {
  int32_t *caps = new_caps(p);
  int64_t prev_end = -1;
  for (uint32_t pos = 0, found = 0; (n < 0 || found < n) && pos <= len;) {
    if (!rx_search(p, s, len, pos, caps)) break;
    bool accept = true;
    if ((uint32_t)caps[1] == pos) {
      if (caps[0] == prev_end) accept = false;
      uint32_t cp;
      pos += pos < len ? (uint32_t)utf8_decode((const uint8_t *)s + pos, len - pos, &cp) : 1;
    } else {
      pos = (uint32_t)caps[1];
    }
    prev_end = caps[1];
    if (accept) {
      cb(ctx, caps);
      found++;
    }
  }
}

static opa_value *slice(const char *s, int32_t from, int32_t to) {
  if (from < 0) return opa_string("", 0);
  return opa_string_copy(s + from, (uint32_t)(to - from));
}

static bool match(opa_value *pattern, opa_value *value, bool *ok) {
  const char *s;
  uint32_t n;
  rx_prog *p = compile_arg(pattern);
  *ok = p && str_arg(value, &s, &n);
  return *ok && rx_search(p, s, n, 0, NULL);
}

OPA_NATIVE("regex.match") opa_value *opa_regex_match(opa_value *pattern, opa_value *value) {
  bool ok;
  bool m = match(pattern, value, &ok);
  return ok ? opa_boolean(m) : NULL;
}

OPA_NATIVE("re_match") opa_value *opa_re_match(opa_value *pattern, opa_value *value) {
  return opa_regex_match(pattern, value);
}

OPA_NATIVE("regex.is_valid") opa_value *opa_regex_is_valid(opa_value *pattern) {
  return opa_boolean(compile_arg(pattern) != NULL);
}

typedef struct {
  const char *s;
  opa_value *out;
  int groups;
} collect_ctx;

static void collect_whole(void *ctx, const int32_t *caps) {
  collect_ctx *c = ctx;
  opa_array_append(c->out, slice(c->s, caps[0], caps[1]));
}

static void collect_groups(void *ctx, const int32_t *caps) {
  collect_ctx *c = ctx;
  opa_value *row = opa_array_with_cap(c->groups + 1);
  for (int g = 0; g <= c->groups; g++) opa_array_append(row, slice(c->s, caps[2 * g], caps[2 * g + 1]));
  opa_array_append(c->out, row);
}

static opa_value *find_all(opa_value *pattern, opa_value *value, opa_value *number, on_match cb) {
  const char *s;
  uint32_t len;
  int64_t n;
  rx_prog *p = compile_arg(pattern);
  if (!p || !str_arg(value, &s, &len) || !int_arg(number, &n)) return NULL;
  collect_ctx c = {s, opa_array(), rx_groups(p)};
  all_matches(p, s, len, n, cb, &c);
  return c.out;
}

OPA_NATIVE("regex.find_n") opa_value *opa_regex_find_n(opa_value *pattern, opa_value *value, opa_value *n) {
  return find_all(pattern, value, n, collect_whole);
}

OPA_NATIVE("regex.find_all_string_submatch_n") opa_value *opa_regex_find_all_string_submatch(
    opa_value *pattern, opa_value *value, opa_value *n) {
  return find_all(pattern, value, n, collect_groups);
}

typedef struct {
  const char *s;
  uint32_t len;
  opa_value *out;
  uint32_t beg, end;
} split_ctx;

static void split_at(void *ctx, const int32_t *caps) {
  split_ctx *c = ctx;
  c->end = (uint32_t)caps[0];
  if (caps[1] != 0) opa_array_append(c->out, opa_string_copy(c->s + c->beg, c->end - c->beg));
  c->beg = (uint32_t)caps[1];
}

OPA_NATIVE("regex.split") opa_value *opa_regex_split(opa_value *pattern, opa_value *value) {
  const char *s;
  uint32_t len;
  rx_prog *p = compile_arg(pattern);
  if (!p || !str_arg(value, &s, &len)) return NULL;
  split_ctx c = {s, len, opa_array(), 0, 0};
  if (opa_cast_string(pattern)->len > 0 && len == 0) {
    opa_array_append(c.out, opa_string("", 0));
    return c.out;
  }
  all_matches(p, s, len, -1, split_at, &c);
  if (c.end != len) opa_array_append(c.out, opa_string_copy(s + c.beg, len - c.beg));
  return c.out;
}

/* Go's Regexp.expand: `$n`, `$name`, `${name}`, `$$`; a malformed reference stays a literal `$`. */
static void expand(opa_buf *b, const rx_prog *p, const char *tpl, uint32_t tn, const char *s, const int32_t *caps) {
  for (uint32_t i = 0; i < tn;) {
    if (tpl[i] != '$') {
      buf_putc(b, tpl[i++]);
      continue;
    }
    i++;
    if (i < tn && tpl[i] == '$') {
      buf_putc(b, '$');
      i++;
      continue;
    }
    bool brace = i < tn && tpl[i] == '{';
    uint32_t j = i + brace, start = j;
    while (j < tn) {
      uint8_t c = (uint8_t)tpl[j];
      bool word = c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!word) break;
      j++;
    }
    uint32_t name_len = j - start;
    if (name_len == 0 || (brace && (j >= tn || tpl[j] != '}'))) {
      buf_putc(b, '$');
      continue;
    }
    i = j + brace;
    const char *name = tpl + start;
    int64_t num = 0;
    bool numeric = true;
    for (uint32_t k = 0; k < name_len; k++) {
      if (name[k] < '0' || name[k] > '9' || num > 100000000) numeric = false;
      else num = num * 10 + (name[k] - '0');
    }
    int group = -1;
    if (numeric) {
      if (num <= rx_groups(p)) group = (int)num;
    } else {
      for (int g = 1; g <= rx_groups(p); g++) {
        uint32_t gl;
        const char *gn = rx_group_name(p, g, &gl);
        if (gn && gl == name_len && memcmp(gn, name, gl) == 0) {
          group = g;
          break;
        }
      }
    }
    if (group >= 0 && caps[2 * group] >= 0)
      buf_put(b, s + caps[2 * group], (uint32_t)(caps[2 * group + 1] - caps[2 * group]));
  }
}

OPA_NATIVE("regex.replace") opa_value *opa_regex_replace(opa_value *base, opa_value *pattern, opa_value *repl) {
  const char *s, *t;
  uint32_t len, tn;
  rx_prog *p = compile_arg(pattern);
  if (!p || !str_arg(base, &s, &len) || !str_arg(repl, &t, &tn)) return NULL;
  int32_t *caps = new_caps(p);
  opa_buf b;
  buf_init(&b, len + 16);
  uint32_t last_end = 0, pos = 0;
  while (pos <= len) {
    if (!rx_search(p, s, len, pos, caps)) break;
    buf_put(&b, s + last_end, (uint32_t)caps[0] - last_end);
    if ((uint32_t)caps[1] > last_end || caps[0] == 0) expand(&b, p, t, tn, s, caps);
    last_end = (uint32_t)caps[1];
    uint32_t cp, width = pos < len ? (uint32_t)utf8_decode((const uint8_t *)s + pos, len - pos, &cp) : 1;
    if (pos + width > (uint32_t)caps[1]) pos += width;
    else if (pos + 1 > (uint32_t)caps[1]) pos++;
    else pos = (uint32_t)caps[1];
  }
  buf_put(&b, s + last_end, len - last_end);
  return opa_string(b.buf, b.len);
}

/* Go's regexp.QuoteMeta. */
static void quote_meta(opa_buf *b, const char *s, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    char c = s[i];
    for (const char *m = "\\.+*?()|[]{}^$"; *m; m++)
      if (*m == c) {
        buf_putc(b, '\\');
        break;
      }
    buf_putc(b, c);
  }
}

/* OPA's regex.template_match: `{pattern}` parts between single-byte delimiters are regexes, the
 * rest is literal, and the whole value must match. Unbalanced delimiters are an error. */
OPA_NATIVE("regex.template_match") opa_value *opa_regex_template_match(opa_value *tpl, opa_value *value,
                                                                       opa_value *open, opa_value *close) {
  const char *t, *s, *o, *c;
  uint32_t tn, sn, on, cn;
  if (!str_arg(tpl, &t, &tn) || !str_arg(value, &s, &sn) || !str_arg(open, &o, &on) || !str_arg(close, &c, &cn))
    return NULL;
  if (on != 1 || cn != 1) return NULL;
  opa_buf re;
  buf_init(&re, tn + 8);
  buf_putc(&re, '^');
  int level = 0;
  uint32_t idx = 0, end = 0;
  for (uint32_t i = 0; i < tn; i++) {
    if (t[i] == o[0]) {
      if (++level == 1) idx = i;
    } else if (t[i] == c[0]) {
      if (--level == 0) {
        quote_meta(&re, t + end, idx - end);
        const char *part = t + idx + 1;
        uint32_t part_len = i - idx - 1;
        opa_buf one;
        buf_init(&one, part_len + 2);
        buf_putc(&one, '^');
        buf_put(&one, part, part_len);
        buf_putc(&one, '$');
        if (!rx_compile(one.buf, one.len)) return NULL;
        buf_putc(&re, '(');
        buf_put(&re, part, part_len);
        buf_putc(&re, ')');
        end = i + 1;
      } else if (level < 0) {
        return NULL;
      }
    }
  }
  if (level != 0) return NULL;
  quote_meta(&re, t + end, tn - end);
  buf_putc(&re, '$');
  rx_prog *p = rx_compile(re.buf, re.len);
  return p ? opa_boolean(rx_search(p, s, sn, 0, NULL)) : NULL;
}
