/* Growable byte buffer used by the dumpers and string builtins, plus integer formatting. */
#include "opa.h"

void buf_init(opa_buf *b, uint32_t cap) {
  if (cap < 16) cap = 16;
  b->buf = opa_malloc(cap);
  b->len = 0;
  b->cap = cap;
}

void buf_reserve(opa_buf *b, uint32_t extra) {
  uint32_t need = b->len + extra + 1; /* room for a trailing NUL */
  if (need <= b->cap) return;
  uint32_t cap = b->cap * 2;
  if (cap < need) cap = need;
  b->buf = opa_realloc(b->buf, cap);
  b->cap = cap;
}

void buf_putc(opa_buf *b, char c) {
  buf_reserve(b, 1);
  b->buf[b->len++] = c;
}

void buf_put(opa_buf *b, const char *s, uint32_t n) {
  buf_reserve(b, n);
  memcpy(b->buf + b->len, s, n);
  b->len += n;
}

void buf_puts(opa_buf *b, const char *s) { buf_put(b, s, (uint32_t)strlen(s)); }

int fmt_u64(char *out, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  return n;
}

int fmt_i64(char *out, int64_t v) {
  if (v < 0) {
    out[0] = '-';
    return 1 + fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
  }
  return fmt_u64(out, (uint64_t)v);
}

void buf_put_i64(opa_buf *b, int64_t v) {
  char tmp[24];
  buf_put(b, tmp, (uint32_t)fmt_i64(tmp, v));
}

char *buf_cstr(opa_buf *b) {
  buf_reserve(b, 0);
  b->buf[b->len] = 0;
  return b->buf;
}
