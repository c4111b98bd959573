/* Native string builtins that map or trim text: lower, upper, trim*, format_int. */
#include "opa.h"

static bool str_arg(opa_value *v, const char **s, uint32_t *n) {
  if (!opa_is(v, OPA_STRING)) return false;
  *s = opa_cast_string(v)->data;
  *n = opa_cast_string(v)->len;
  return true;
}

static opa_value *map_case(opa_value *a, bool upper) {
  const char *s;
  uint32_t sn;
  if (!str_arg(a, &s, &sn)) return NULL;
  opa_buf b;
  buf_init(&b, sn + 8);
  for (uint32_t i = 0; i < sn;) {
    uint8_t c = (uint8_t)s[i];
    if (c < 0x80) {
      buf_putc(&b, (char)(upper ? unicode_upper(c) : unicode_lower(c)));
      i++;
      continue;
    }
    uint32_t cp;
    i += (uint32_t)utf8_decode((const uint8_t *)s + i, sn - i, &cp);
    char tmp[4];
    buf_put(&b, tmp, (uint32_t)utf8_encode(upper ? unicode_upper(cp) : unicode_lower(cp), tmp));
  }
  return opa_string(b.buf, b.len);
}

OPA_NATIVE("lower") opa_value *opa_strings_lower(opa_value *a) { return map_case(a, false); }
OPA_NATIVE("upper") opa_value *opa_strings_upper(opa_value *a) { return map_case(a, true); }

/* Is the code point at s[i] one of the cutset's code points? Returns its byte length or 0. */
static uint32_t in_cutset(const char *s, uint32_t sn, uint32_t i, const char *cut, uint32_t cn) {
  uint32_t cp;
  uint32_t n = (uint32_t)utf8_decode((const uint8_t *)s + i, sn - i, &cp);
  for (uint32_t j = 0; j < cn;) {
    uint32_t c;
    j += (uint32_t)utf8_decode((const uint8_t *)cut + j, cn - j, &c);
    if (c == cp) return n;
  }
  return 0;
}

/* Byte length of the code point that ends at s[end-1]. */
static uint32_t last_rune_len(const char *s, uint32_t end) {
  uint32_t start = end - 1;
  while (start > 0 && end - start < 4 && ((uint8_t)s[start] & 0xC0) == 0x80) start--;
  uint32_t cp;
  uint32_t n = (uint32_t)utf8_decode((const uint8_t *)s + start, end - start, &cp);
  return start + n == end ? n : 1;
}

static opa_value *trim_cutset(opa_value *a, opa_value *cutset, bool left, bool right) {
  const char *s, *cut;
  uint32_t sn, cn;
  if (!str_arg(a, &s, &sn) || !str_arg(cutset, &cut, &cn)) return NULL;
  uint32_t i = 0, j = sn;
  if (left) {
    for (uint32_t n; i < j && (n = in_cutset(s, j, i, cut, cn)) > 0;) i += n;
  }
  if (right) {
    while (j > i) {
      uint32_t n = last_rune_len(s, j);
      if (in_cutset(s, j, j - n, cut, cn) == 0) break;
      j -= n;
    }
  }
  return opa_string(s + i, j - i);
}

OPA_NATIVE("trim") opa_value *opa_strings_trim(opa_value *a, opa_value *c) { return trim_cutset(a, c, true, true); }
OPA_NATIVE("trim_left") opa_value *opa_strings_trim_left(opa_value *a, opa_value *c) { return trim_cutset(a, c, true, false); }
OPA_NATIVE("trim_right") opa_value *opa_strings_trim_right(opa_value *a, opa_value *c) { return trim_cutset(a, c, false, true); }

OPA_NATIVE("trim_prefix") opa_value *opa_strings_trim_prefix(opa_value *a, opa_value *p) {
  const char *s, *t;
  uint32_t sn, tn;
  if (!str_arg(a, &s, &sn) || !str_arg(p, &t, &tn)) return NULL;
  if (tn <= sn && memcmp(s, t, tn) == 0) return opa_string(s + tn, sn - tn);
  return a;
}

OPA_NATIVE("trim_suffix") opa_value *opa_strings_trim_suffix(opa_value *a, opa_value *p) {
  const char *s, *t;
  uint32_t sn, tn;
  if (!str_arg(a, &s, &sn) || !str_arg(p, &t, &tn)) return NULL;
  if (tn <= sn && memcmp(s + sn - tn, t, tn) == 0) return opa_string(s, sn - tn);
  return a;
}

OPA_NATIVE("trim_space") opa_value *opa_strings_trim_space(opa_value *a) {
  const char *s;
  uint32_t sn;
  if (!str_arg(a, &s, &sn)) return NULL;
  uint32_t i = 0, j = sn;
  while (i < j) {
    uint32_t cp;
    uint32_t n = (uint32_t)utf8_decode((const uint8_t *)s + i, j - i, &cp);
    if (!unicode_is_space(cp)) break;
    i += n;
  }
  while (j > i) {
    uint32_t n = last_rune_len(s, j), cp;
    utf8_decode((const uint8_t *)s + j - n, n, &cp);
    if (!unicode_is_space(cp)) break;
    j -= n;
  }
  return opa_string(s + i, j - i);
}

/* The number is truncated toward zero first (Go's big.Float.Int). */
/* format_int beyond int64: the integer part of the exact decimal, converted by repeated division
 * (OPA formats the exact big.Int, and truncates fractions toward zero). */
static opa_value *format_big(opa_value *n, int b) {
  decimal_t *d = opa_malloc(sizeof(decimal_t));
  if (!opa_cast_number(n)->spelled_float) number_to_decimal(n, d);
  else if (!bigfloat_decimal(n, d)) return NULL;
  int nd = d->exp > 0 ? d->exp : 0;
  if (nd > 2000) return NULL;
  char *dig = opa_malloc((size_t)nd + 1);
  for (int i = 0; i < nd; i++) dig[i] = (char)(i < d->nd ? d->d[i] - '0' : 0);
  char *out = opa_malloc((size_t)nd * 4 + 2);
  int k = 0, start = 0;
  while (start < nd && dig[start] == 0) start++;
  while (start < nd) {
    int rem = 0;
    for (int i = start; i < nd; i++) {
      int cur = rem * 10 + dig[i];
      dig[i] = (char)(cur / b);
      rem = cur % b;
    }
    out[k++] = "0123456789abcdef"[rem];
    while (start < nd && dig[start] == 0) start++;
  }
  opa_buf r;
  buf_init(&r, (uint32_t)k + 2);
  if (k == 0) buf_putc(&r, '0');
  else if (d->neg) buf_putc(&r, '-');
  while (k > 0) buf_putc(&r, out[--k]);
  return opa_string(r.buf, r.len);
}

OPA_NATIVE("format_int") opa_value *opa_strings_format_int(opa_value *n, opa_value *base) {
  int64_t b, v;
  if (!opa_is(n, OPA_NUMBER) || !opa_is(base, OPA_NUMBER) || !number_as_int(base, &b)) return NULL;
  if (b != 2 && b != 8 && b != 10 && b != 16) return NULL;
  if (!number_as_int(n, &v)) {
    double x = number_as_double(n);
    if (!(x > -9223372036854775808.0 && x < 9223372036854775808.0) || number_is_integer(n))
      return format_big(n, (int)b);
    v = (int64_t)__builtin_trunc(x);
  }
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  char tmp[70];
  int k = 70;
  do {
    tmp[--k] = "0123456789abcdef"[u % (uint64_t)b];
    u /= (uint64_t)b;
  } while (u);
  if (v < 0) tmp[--k] = '-';
  return opa_string_copy(tmp + k, (uint32_t)(70 - k));
}
