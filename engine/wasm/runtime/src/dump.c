/* Serialisers: JSON (sets as sorted arrays, non-string keys as their JSON text) and Rego value
 * text (sets as {..} / set(), keys as values). Objects always print in sorted key order. */
#include "opa.h"

static const char hexdigits[] = "0123456789abcdef";

/* Escapes like JavaScript's JSON.stringify; bytes that are not valid UTF-8 become U+FFFD so the
 * output is always valid UTF-8 JSON. */
void json_write_string(opa_buf *b, const char *s, uint32_t len) {
  buf_reserve(b, len + 2);
  buf_putc(b, '"');
  uint32_t i = 0;
  while (i < len) {
    uint8_t c = (uint8_t)s[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      uint32_t j = i + 1;
      while (j < len && (uint8_t)s[j] >= 0x20 && s[j] != '"' && s[j] != '\\' && (uint8_t)s[j] < 0x80) j++;
      buf_put(b, s + i, j - i);
      i = j;
      continue;
    }
    if (c >= 0x80) {
      uint32_t cp;
      int n = utf8_decode((const uint8_t *)s + i, len - i, &cp);
      if (n == 1) buf_put(b, "\xEF\xBF\xBD", 3);
      else buf_put(b, s + i, (uint32_t)n);
      i += (uint32_t)n;
      continue;
    }
    i++;
    switch (c) {
      case '"': buf_put(b, "\\\"", 2); break;
      case '\\': buf_put(b, "\\\\", 2); break;
      case '\b': buf_put(b, "\\b", 2); break;
      case '\f': buf_put(b, "\\f", 2); break;
      case '\n': buf_put(b, "\\n", 2); break;
      case '\r': buf_put(b, "\\r", 2); break;
      case '\t': buf_put(b, "\\t", 2); break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', hexdigits[c >> 4], hexdigits[c & 15]};
        buf_put(b, esc, 6);
      }
    }
  }
  buf_putc(b, '"');
}

/* Kept out of line so the recursive dumper needs no shadow-stack frame of its own. */
__attribute__((noinline)) static void dump_key_as_string(opa_buf *b, opa_value *k) {
  opa_buf kb;
  buf_init(&kb, 32);
  json_dump_to(&kb, k, false);
  json_write_string(b, kb.buf, kb.len);
  opa_free(kb.buf);
}

void json_dump_to(opa_buf *b, opa_value *v, bool rego) {
  if (v == NULL) {
    buf_puts(b, "null");
    return;
  }
  switch (v->type) {
    case OPA_NULL:
      buf_puts(b, "null");
      return;
    case OPA_BOOLEAN:
      buf_puts(b, opa_value_boolean(v) ? "true" : "false");
      return;
    case OPA_NUMBER:
      number_dump(b, v);
      return;
    case OPA_STRING:
      json_write_string(b, opa_cast_string(v)->data, opa_cast_string(v)->len);
      return;
    case OPA_ARRAY: {
      opa_array_t *a = opa_cast_array(v);
      buf_putc(b, '[');
      for (uint32_t i = 0; i < a->len; i++) {
        if (i) buf_putc(b, ',');
        json_dump_to(b, a->elems[i], rego);
      }
      buf_putc(b, ']');
      return;
    }
    case OPA_OBJECT: {
      opa_table_t *t = opa_cast_table(v);
      table_sort(t);
      buf_putc(b, '{');
      for (uint32_t i = 0; i < t->len; i++) {
        if (i) buf_putc(b, ',');
        opa_value *k = t->e[i].k;
        if (rego || k->type == OPA_STRING) {
          json_dump_to(b, k, rego);
        } else {
          dump_key_as_string(b, k);
        }
        buf_putc(b, ':');
        json_dump_to(b, t->e[i].v, rego);
      }
      buf_putc(b, '}');
      return;
    }
    default: {
      opa_table_t *t = opa_cast_table(v);
      table_sort(t);
      if (rego && t->len == 0) {
        buf_puts(b, "set()");
        return;
      }
      buf_putc(b, rego ? '{' : '[');
      for (uint32_t i = 0; i < t->len; i++) {
        if (i) buf_putc(b, ',');
        json_dump_to(b, t->e[i].k, rego);
      }
      buf_putc(b, rego ? '}' : ']');
    }
  }
}

OPA_EXPORT char *opa_json_dump(opa_value *v) {
  opa_buf b;
  buf_init(&b, 64);
  json_dump_to(&b, v, false);
  return buf_cstr(&b);
}

OPA_EXPORT char *opa_value_dump(opa_value *v) {
  opa_buf b;
  buf_init(&b, 64);
  json_dump_to(&b, v, true);
  return buf_cstr(&b);
}
