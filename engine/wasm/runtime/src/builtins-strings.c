/* Native string builtins that search, slice and rewrite: concat, contains, indexof, substring,
 * split, replace, strings.replace_n, strings.reverse, strings.count, any_prefix/suffix_match.
 * Positions and lengths count code points, as in OPA. */
#include "opa.h"

static bool str_arg(opa_value *v, const char **s, uint32_t *n) {
  if (!opa_is(v, OPA_STRING)) return false;
  *s = opa_cast_string(v)->data;
  *n = opa_cast_string(v)->len;
  return true;
}

static int64_t find_bytes(const char *h, uint32_t hn, const char *nd, uint32_t nn, uint32_t from) {
  if (nn == 0) return from <= hn ? from : -1;
  if (nn > hn) return -1;
  for (uint32_t i = from; i + nn <= hn; i++) {
    if (h[i] == nd[0] && memcmp(h + i, nd, nn) == 0) return i;
  }
  return -1;
}

static uint32_t rune_len(const char *s, uint32_t n, uint32_t at) {
  uint32_t cp;
  return (uint32_t)utf8_decode((const uint8_t *)s + at, n - at, &cp);
}

OPA_NATIVE("concat") opa_value *opa_strings_concat(opa_value *delim, opa_value *coll) {
  const char *d;
  uint32_t dn;
  if (!str_arg(delim, &d, &dn) || !is_collection(coll)) return NULL;
  opa_buf b;
  buf_init(&b, 64);
  bool first = true;
  FOR_EACH_ELEM(coll, x, {
    if (!opa_is(x, OPA_STRING)) return NULL;
    if (!first) buf_put(&b, d, dn);
    first = false;
    buf_put(&b, opa_cast_string(x)->data, opa_cast_string(x)->len);
  });
  return opa_string(b.buf, b.len);
}

OPA_NATIVE("contains") opa_value *opa_strings_contains(opa_value *a, opa_value *b) {
  const char *s, *t;
  uint32_t sn, tn;
  if (!str_arg(a, &s, &sn) || !str_arg(b, &t, &tn)) return NULL;
  return opa_boolean(find_bytes(s, sn, t, tn, 0) >= 0);
}

OPA_NATIVE("startswith") opa_value *opa_strings_startswith(opa_value *a, opa_value *b) {
  const char *s, *t;
  uint32_t sn, tn;
  if (!str_arg(a, &s, &sn) || !str_arg(b, &t, &tn)) return NULL;
  return opa_boolean(tn <= sn && memcmp(s, t, tn) == 0);
}

OPA_NATIVE("endswith") opa_value *opa_strings_endswith(opa_value *a, opa_value *b) {
  const char *s, *t;
  uint32_t sn, tn;
  if (!str_arg(a, &s, &sn) || !str_arg(b, &t, &tn)) return NULL;
  return opa_boolean(tn <= sn && memcmp(s + sn - tn, t, tn) == 0);
}

OPA_NATIVE("indexof") opa_value *opa_strings_indexof(opa_value *a, opa_value *b) {
  const char *s, *t;
  uint32_t sn, tn;
  if (!str_arg(a, &s, &sn) || !str_arg(b, &t, &tn) || tn == 0) return NULL;
  int64_t at = find_bytes(s, sn, t, tn, 0);
  return opa_number_int(at < 0 ? -1 : (int64_t)utf8_count(s, (uint32_t)at));
}

/* Every (possibly overlapping) match position, in code points. */
OPA_NATIVE("indexof_n") opa_value *opa_strings_indexof_n(opa_value *a, opa_value *b) {
  const char *s, *t;
  uint32_t sn, tn;
  if (!str_arg(a, &s, &sn) || !str_arg(b, &t, &tn) || tn == 0) return NULL;
  opa_value *r = opa_array();
  uint32_t runes = 0;
  for (uint32_t i = 0; i < sn; i += rune_len(s, sn, i), runes++) {
    if (i + tn <= sn && memcmp(s + i, t, tn) == 0) opa_array_append(r, opa_number_int(runes));
  }
  return r;
}

OPA_NATIVE("substring") opa_value *opa_strings_substring(opa_value *a, opa_value *start, opa_value *length) {
  const char *s;
  uint32_t sn;
  int64_t from, len;
  if (!str_arg(a, &s, &sn) || !opa_is(start, OPA_NUMBER) || !opa_is(length, OPA_NUMBER)) return NULL;
  if (!number_as_int(start, &from) || !number_as_int(length, &len) || from < 0) return NULL;
  uint32_t i = 0;
  for (int64_t r = 0; r < from && i < sn; r++) i += rune_len(s, sn, i);
  if (i >= sn) return opa_string("", 0);
  uint32_t j = i;
  if (len < 0) {
    j = sn;
  } else {
    for (int64_t r = 0; r < len && j < sn; r++) j += rune_len(s, sn, j);
  }
  return opa_string(s + i, j - i);
}

OPA_NATIVE("split") opa_value *opa_strings_split(opa_value *a, opa_value *b) {
  const char *s, *d;
  uint32_t sn, dn;
  if (!str_arg(a, &s, &sn) || !str_arg(b, &d, &dn)) return NULL;
  opa_value *r = opa_array();
  if (dn == 0) {
    for (uint32_t i = 0; i < sn;) {
      uint32_t n = rune_len(s, sn, i);
      opa_array_append(r, opa_string(s + i, n));
      i += n;
    }
    return r;
  }
  uint32_t from = 0;
  for (;;) {
    int64_t at = find_bytes(s, sn, d, dn, from);
    if (at < 0) break;
    opa_array_append(r, opa_string(s + from, (uint32_t)at - from));
    from = (uint32_t)at + dn;
  }
  opa_array_append(r, opa_string(s + from, sn - from));
  return r;
}

/* Go's strings.ReplaceAll, including the empty-pattern case (insert around every rune). */
OPA_NATIVE("replace") opa_value *opa_strings_replace(opa_value *a, opa_value *old, opa_value *repl) {
  const char *s, *o, *n;
  uint32_t sn, on, nn;
  if (!str_arg(a, &s, &sn) || !str_arg(old, &o, &on) || !str_arg(repl, &n, &nn)) return NULL;
  opa_buf b;
  buf_init(&b, sn + 16);
  if (on == 0) {
    buf_put(&b, n, nn);
    for (uint32_t i = 0; i < sn;) {
      uint32_t l = rune_len(s, sn, i);
      buf_put(&b, s + i, l);
      buf_put(&b, n, nn);
      i += l;
    }
    return opa_string(b.buf, b.len);
  }
  uint32_t from = 0;
  for (;;) {
    int64_t at = find_bytes(s, sn, o, on, from);
    if (at < 0) break;
    buf_put(&b, s + from, (uint32_t)at - from);
    buf_put(&b, n, nn);
    from = (uint32_t)at + on;
  }
  buf_put(&b, s + from, sn - from);
  return opa_string(b.buf, b.len);
}

/* Go's strings.NewReplacer over the pattern object's pairs in key order: at each byte position
 * the first matching pattern wins, matches never overlap, and an empty pattern matches once at
 * every position (but not twice in a row). */
OPA_NATIVE("strings.replace_n") opa_value *opa_strings_replace_n(opa_value *patterns, opa_value *a) {
  const char *s;
  uint32_t sn;
  if (!opa_is(patterns, OPA_OBJECT) || !str_arg(a, &s, &sn)) return NULL;
  opa_table_t *t = opa_cast_table(patterns);
  table_sort(t);
  for (uint32_t p = 0; p < t->len; p++) {
    if (!opa_is(t->e[p].k, OPA_STRING) || !opa_is(t->e[p].v, OPA_STRING)) return NULL;
  }
  opa_buf b;
  buf_init(&b, sn + 16);
  bool prev_empty = false;
  for (uint32_t i = 0; i <= sn;) {
    opa_string_t *hit = NULL, *with = NULL;
    for (uint32_t p = 0; p < t->len && hit == NULL; p++) {
      opa_string_t *k = opa_cast_string(t->e[p].k);
      if (k->len == 0 && prev_empty) continue;
      if (k->len <= sn - i && memcmp(s + i, k->data, k->len) == 0) {
        hit = k;
        with = opa_cast_string(t->e[p].v);
      }
    }
    prev_empty = hit != NULL && hit->len == 0;
    if (hit != NULL) {
      buf_put(&b, with->data, with->len);
      i += hit->len;
      continue;
    }
    if (i < sn) buf_putc(&b, s[i]);
    i++;
  }
  return opa_string(b.buf, b.len);
}

OPA_NATIVE("strings.reverse") opa_value *opa_strings_reverse(opa_value *a) {
  const char *s;
  uint32_t sn;
  if (!str_arg(a, &s, &sn)) return NULL;
  uint32_t n = utf8_count(s, sn);
  uint32_t *cps = opa_malloc((n ? n : 1) * 4);
  uint32_t k = 0, out_len = 0;
  for (uint32_t i = 0; i < sn; k++) {
    i += (uint32_t)utf8_decode((const uint8_t *)s + i, sn - i, &cps[k]);
    char tmp[4];
    out_len += (uint32_t)utf8_encode(cps[k], tmp);
  }
  char *out;
  opa_value *r = opa_string_alloc(out_len, &out);
  uint32_t o = 0;
  while (k > 0) o += (uint32_t)utf8_encode(cps[--k], out + o);
  opa_free(cps);
  return r;
}

OPA_NATIVE("strings.count") opa_value *opa_strings_count(opa_value *a, opa_value *b) {
  const char *s, *t;
  uint32_t sn, tn;
  if (!str_arg(a, &s, &sn) || !str_arg(b, &t, &tn)) return NULL;
  if (tn == 0) return opa_number_int(utf8_count(s, sn) + 1);
  int64_t n = 0;
  for (int64_t at = find_bytes(s, sn, t, tn, 0); at >= 0; at = find_bytes(s, sn, t, tn, (uint32_t)at + tn)) n++;
  return opa_number_int(n);
}

/* Strings of a string-or-collection operand; false when an element is not a string. */
static bool string_items(opa_value *v, opa_value ***items, uint32_t *n) {
  if (opa_is(v, OPA_STRING)) {
    *items = opa_malloc(sizeof(opa_value *));
    (*items)[0] = v;
    *n = 1;
    return true;
  }
  if (!is_collection(v)) return false;
  *n = opa_value_length(v);
  *items = opa_malloc((*n ? *n : 1) * sizeof(opa_value *));
  uint32_t i = 0;
  FOR_EACH_ELEM(v, x, {
    if (!opa_is(x, OPA_STRING)) return false;
    (*items)[i++] = x;
  });
  return true;
}

static opa_value *any_match(opa_value *search, opa_value *base, bool suffix) {
  opa_value **ss, **bs;
  uint32_t sn, bn;
  if (!string_items(search, &ss, &sn) || !string_items(base, &bs, &bn)) return NULL;
  for (uint32_t i = 0; i < sn; i++) {
    opa_string_t *s = opa_cast_string(ss[i]);
    for (uint32_t j = 0; j < bn; j++) {
      opa_string_t *p = opa_cast_string(bs[j]);
      if (p->len > s->len) continue;
      const char *at = suffix ? s->data + s->len - p->len : s->data;
      if (memcmp(at, p->data, p->len) == 0) return opa_boolean(1);
    }
  }
  return opa_boolean(0);
}

OPA_NATIVE("strings.any_prefix_match") opa_value *opa_strings_any_prefix_match(opa_value *s, opa_value *p) {
  return any_match(s, p, false);
}

OPA_NATIVE("strings.any_suffix_match") opa_value *opa_strings_any_suffix_match(opa_value *s, opa_value *p) {
  return any_match(s, p, true);
}
