/* Native encoding builtins: base64, base64url, hex, urlquery and json.marshal/unmarshal/is_valid. */
#include "opa.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static bool str_arg(opa_value *v, const char **s, uint32_t *n) {
  if (!opa_is(v, OPA_STRING)) return false;
  *s = opa_cast_string(v)->data;
  *n = opa_cast_string(v)->len;
  return true;
}

static opa_value *b64_encode(opa_value *a, const char *alphabet, bool pad) {
  const char *s;
  uint32_t n;
  if (!str_arg(a, &s, &n)) return NULL;
  char *out;
  uint32_t full = n / 3 * 4, rest = n % 3;
  uint32_t len = full + (rest ? (pad ? 4 : rest + 1) : 0);
  opa_value *r = opa_string_alloc(len, &out);
  const uint8_t *p = (const uint8_t *)s;
  uint32_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = alphabet[v & 63];
  }
  if (rest) {
    uint32_t v = (uint32_t)p[i] << 16 | (rest == 2 ? (uint32_t)p[i + 1] << 8 : 0);
    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    if (rest == 2) out[o++] = alphabet[(v >> 6) & 63];
    else if (pad) out[o++] = '=';
    if (pad) out[o++] = '=';
  }
  return r;
}

static int b64_index(const char *alphabet, char c) {
  for (int i = 0; i < 64; i++) {
    if (alphabet[i] == c) return i;
  }
  return -1;
}

/* Go's base64 decoding with padding required: CR and LF are skipped, anything else malformed
 * makes the result undefined. */
static opa_value *b64_decode(const char *s, uint32_t n, const char *alphabet) {
  char *out;
  opa_value *r = opa_string_alloc(n / 4 * 3 + 3, &out);
  uint32_t o = 0, quad = 0, bits = 0, pads = 0;
  for (uint32_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      if (quad < 2) return NULL;
      pads++;
      quad++;
      if (quad == 4) {
        /* the rest may only be line breaks */
        for (uint32_t j = i + 1; j < n; j++) {
          if (s[j] != '\r' && s[j] != '\n') return NULL;
        }
        break;
      }
      continue;
    }
    if (pads) return NULL;
    int v = b64_index(alphabet, c);
    if (v < 0) return NULL;
    bits = bits << 6 | (uint32_t)v;
    if (++quad == 4) {
      out[o++] = (char)(bits >> 16);
      out[o++] = (char)(bits >> 8);
      out[o++] = (char)bits;
      quad = 0;
      bits = 0;
    }
  }
  if (pads) {
    if (quad != 4) return NULL;
    uint32_t have = 4 - pads; /* 2 or 3 characters carry data */
    bits <<= 6 * pads;
    out[o++] = (char)(bits >> 16);
    if (have == 3) out[o++] = (char)(bits >> 8);
  } else if (quad != 0) {
    return NULL;
  }
  opa_cast_string(r)->len = o;
  out[o] = 0;
  return r;
}

OPA_NATIVE("base64.encode") opa_value *opa_base64_encode(opa_value *a) { return b64_encode(a, b64_std, true); }
OPA_NATIVE("base64url.encode") opa_value *opa_base64_url_encode(opa_value *a) { return b64_encode(a, b64_url, true); }
OPA_NATIVE("base64url.encode_no_pad") opa_value *opa_base64_url_encode_no_pad(opa_value *a) {
  return b64_encode(a, b64_url, false);
}

OPA_NATIVE("base64.decode") opa_value *opa_base64_decode(opa_value *a) {
  const char *s;
  uint32_t n;
  return str_arg(a, &s, &n) ? b64_decode(s, n, b64_std) : NULL;
}

OPA_NATIVE("base64.is_valid") opa_value *opa_base64_is_valid(opa_value *a) {
  const char *s;
  uint32_t n;
  if (!str_arg(a, &s, &n)) return NULL;
  return opa_boolean(b64_decode(s, n, b64_std) != NULL);
}

/* Unpadded input is padded first (RFC 7515 appendix C), as OPA does. */
OPA_NATIVE("base64url.decode") opa_value *opa_base64_url_decode(opa_value *a) {
  const char *s;
  uint32_t n;
  if (!str_arg(a, &s, &n)) return NULL;
  if (n > 0 && s[n - 1] == '=') return b64_decode(s, n, b64_url);
  uint32_t extra = n % 4 == 2 ? 2 : n % 4 == 3 ? 1 : 0;
  if (n % 4 == 1) return NULL;
  char *tmp = opa_malloc(n + extra);
  memcpy(tmp, s, n);
  for (uint32_t i = 0; i < extra; i++) tmp[n + i] = '=';
  opa_value *r = b64_decode(tmp, n + extra, b64_url);
  opa_free(tmp);
  return r;
}

OPA_NATIVE("hex.encode") opa_value *opa_hex_encode(opa_value *a) {
  const char *s;
  uint32_t n;
  if (!str_arg(a, &s, &n)) return NULL;
  char *out;
  opa_value *r = opa_string_alloc(n * 2, &out);
  for (uint32_t i = 0; i < n; i++) {
    out[2 * i] = "0123456789abcdef"[(uint8_t)s[i] >> 4];
    out[2 * i + 1] = "0123456789abcdef"[(uint8_t)s[i] & 15];
  }
  return r;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

OPA_NATIVE("hex.decode") opa_value *opa_hex_decode(opa_value *a) {
  const char *s;
  uint32_t n;
  if (!str_arg(a, &s, &n) || n % 2) return NULL;
  char *out;
  opa_value *r = opa_string_alloc(n / 2, &out);
  for (uint32_t i = 0; i < n; i += 2) {
    int hi = hexval(s[i]), lo = hexval(s[i + 1]);
    if (hi < 0 || lo < 0) return NULL;
    out[i / 2] = (char)(hi << 4 | lo);
  }
  return r;
}

/* Go's url.QueryEscape / QueryUnescape. */
OPA_NATIVE("urlquery.encode") opa_value *opa_urlquery_encode(opa_value *a) {
  const char *s;
  uint32_t n;
  if (!str_arg(a, &s, &n)) return NULL;
  opa_buf b;
  buf_init(&b, n + 16);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t c = (uint8_t)s[i];
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '_' || c == '.' || c == '~';
    if (plain) {
      buf_putc(&b, (char)c);
    } else if (c == ' ') {
      buf_putc(&b, '+');
    } else {
      char esc[3] = {'%', "0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 15]};
      buf_put(&b, esc, 3);
    }
  }
  return opa_string(b.buf, b.len);
}

OPA_NATIVE("urlquery.decode") opa_value *opa_urlquery_decode(opa_value *a) {
  const char *s;
  uint32_t n;
  if (!str_arg(a, &s, &n)) return NULL;
  char *out;
  opa_value *r = opa_string_alloc(n, &out);
  uint32_t o = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (s[i] == '+') {
      out[o++] = ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= n) return NULL;
      int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
      if (hi < 0 || lo < 0) return NULL;
      out[o++] = (char)(hi << 4 | lo);
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = 0;
  opa_cast_string(r)->len = o;
  return r;
}

/* Go's json.Marshal escapes <, > and & and the JavaScript line separators; those characters
 * only ever occur inside strings, so escaping them in the dumped text is safe. */
OPA_NATIVE("json.marshal") opa_value *opa_json_marshal(opa_value *v) {
  if (v == NULL) return NULL;
  opa_buf raw, b;
  buf_init(&raw, 64);
  json_dump_to(&raw, v, false);
  buf_init(&b, raw.len + 16);
  for (uint32_t i = 0; i < raw.len; i++) {
    char c = raw.buf[i];
    if (c == '<') buf_put(&b, "\\u003c", 6);
    else if (c == '>') buf_put(&b, "\\u003e", 6);
    else if (c == '&') buf_put(&b, "\\u0026", 6);
    else if ((uint8_t)c == 0xE2 && i + 2 < raw.len && (uint8_t)raw.buf[i + 1] == 0x80 &&
             ((uint8_t)raw.buf[i + 2] == 0xA8 || (uint8_t)raw.buf[i + 2] == 0xA9)) {
      buf_put(&b, (uint8_t)raw.buf[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
      i += 2;
    } else buf_putc(&b, c);
  }
  opa_free(raw.buf);
  return opa_string(b.buf, b.len);
}

OPA_NATIVE("json.unmarshal") opa_value *opa_json_unmarshal(opa_value *a) {
  const char *s;
  uint32_t n;
  if (!str_arg(a, &s, &n)) return NULL;
  return opa_json_parse(s, n);
}

OPA_NATIVE("json.is_valid") opa_value *opa_json_is_valid(opa_value *a) {
  const char *s;
  uint32_t n;
  if (!str_arg(a, &s, &n)) return opa_boolean(0);
  uint32_t mark = opa_heap_ptr_get();
  bool ok = opa_json_parse(s, n) != NULL;
  /* Nothing parsed here is referenced afterwards, so the heap can be rewound. */
  opa_heap_ptr_set(mark);
  return opa_boolean(ok);
}
