/* Parsers for strict JSON and for Rego value text (JSON plus sets, non-string object keys,
 * raw strings and trailing commas). Any error, including invalid UTF-8 or nesting deeper than
 * MAX_DEPTH, yields 0 rather than a trap. */
#include "opa.h"

#define MAX_DEPTH 1000

typedef struct {
  const uint8_t *p;
  const uint8_t *end;
  int depth;
  bool rego;
} parser;

static opa_value *parse_value(parser *ps);

static void skip_ws(parser *ps) {
  while (ps->p < ps->end) {
    uint8_t c = *ps->p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ps->p++;
    } else if (ps->rego && c == '#') { /* Rego comments, harmless in value text */
      while (ps->p < ps->end && *ps->p != '\n') ps->p++;
    } else {
      break;
    }
  }
}

static bool literal(parser *ps, const char *word) {
  uint32_t n = (uint32_t)strlen(word);
  if ((uint32_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
  ps->p += n;
  return true;
}

static int hex4(const uint8_t *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    uint8_t c = p[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

/* First pass finds the closing quote and validates; the second decodes escapes into a buffer
 * that can never be longer than the raw text. */
static opa_value *parse_string(parser *ps) {
  const uint8_t *start = ++ps->p;
  bool escapes = false;
  while (ps->p < ps->end && *ps->p != '"') {
    uint8_t c = *ps->p;
    if (c < 0x20) return NULL;
    if (c == '\\') {
      escapes = true;
      ps->p += 2;
      continue;
    }
    if (c < 0x80) {
      ps->p++;
      continue;
    }
    uint32_t cp;
    int n = utf8_decode(ps->p, (uint32_t)(ps->end - ps->p), &cp);
    if (n == 1) return NULL;
    ps->p += n;
  }
  if (ps->p >= ps->end) return NULL;
  const uint8_t *stop = ps->p++;
  uint32_t raw = (uint32_t)(stop - start);
  if (!escapes) return opa_string_copy((const char *)start, raw);
  char *out;
  opa_value *v = opa_string_alloc(raw, &out);
  uint32_t len = 0;
  for (const uint8_t *q = start; q < stop;) {
    if (*q != '\\') {
      out[len++] = (char)*q++;
      continue;
    }
    q++;
    uint8_t e = *q++;
    switch (e) {
      case '"': out[len++] = '"'; break;
      case '\\': out[len++] = '\\'; break;
      case '/': out[len++] = '/'; break;
      case 'b': out[len++] = '\b'; break;
      case 'f': out[len++] = '\f'; break;
      case 'n': out[len++] = '\n'; break;
      case 'r': out[len++] = '\r'; break;
      case 't': out[len++] = '\t'; break;
      case 'u': {
        if (stop - q < 4) return NULL;
        int cp = hex4(q);
        if (cp < 0) return NULL;
        q += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && stop - q >= 6 && q[0] == '\\' && q[1] == 'u') {
          int lo = hex4(q + 2);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            q += 6;
          }
        }
        /* A lone surrogate becomes U+FFFD, as in Go's decoder. */
        len += (uint32_t)utf8_encode((uint32_t)cp, out + len);
        break;
      }
      default:
        return NULL;
    }
  }
  out[len] = 0;
  opa_cast_string(v)->len = len;
  return v;
}

/* Rego raw strings: backquoted, no escapes. */
static opa_value *parse_raw_string(parser *ps) {
  const uint8_t *start = ++ps->p;
  while (ps->p < ps->end && *ps->p != '`') ps->p++;
  if (ps->p >= ps->end) return NULL;
  uint32_t n = (uint32_t)(ps->p - start);
  ps->p++;
  if (!utf8_valid(start, n)) return NULL;
  return opa_string_copy((const char *)start, n);
}

static bool digit(parser *ps) { return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'; }

/* OPA's ast.NumberChecked: a number in exponent form must have a binary exponent within ±100000,
 * i.e. 2^-100001 <= |x| < 2^100000 (bounds to 50 digits). */
static bool exponent_in_range(const char *s, uint32_t len) {
  static const char hi[] = "9.9900209301438450794403276433003359098042913905418e30102";
  static const char lo[] = "5.0049945189934708340813235659665312424967375415289e-30104";
  decimal_t d, bound;
  if (!decimal_parse(s, len, &d) || d.nd == 0) return true;
  d.neg = false;
  decimal_parse(hi, sizeof hi - 1, &bound);
  if (decimal_compare(&d, &bound) >= 0) return false;
  decimal_parse(lo, sizeof lo - 1, &bound);
  return decimal_compare(&d, &bound) >= 0;
}

static opa_value *parse_number(parser *ps) {
  const uint8_t *start = ps->p;
  if (*ps->p == '-') ps->p++;
  if (!digit(ps)) return NULL;
  if (*ps->p == '0') {
    ps->p++;
  } else {
    while (digit(ps)) ps->p++;
  }
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (!digit(ps)) return NULL;
    while (digit(ps)) ps->p++;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    if (!digit(ps)) return NULL;
    while (digit(ps)) ps->p++;
    if (!exponent_in_range((const char *)start, (uint32_t)(ps->p - start))) return NULL;
  }
  return number_from_text((const char *)start, (uint32_t)(ps->p - start), true);
}

static opa_value *parse_array(parser *ps) {
  ps->p++;
  opa_value *arr = opa_array();
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    return arr;
  }
  for (;;) {
    opa_value *v = parse_value(ps);
    if (v == NULL) return NULL;
    opa_array_append(arr, v);
    skip_ws(ps);
    if (ps->p >= ps->end) return NULL;
    uint8_t c = *ps->p++;
    if (c == ']') return arr;
    if (c != ',') return NULL;
    skip_ws(ps);
    if (ps->rego && ps->p < ps->end && *ps->p == ']') {
      ps->p++;
      return arr;
    }
  }
}

/* `{` starts an object, or in Rego mode a set when the first element is not followed by `:`. */
static opa_value *parse_object(parser *ps) {
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    return opa_object();
  }
  opa_value *coll = NULL;
  for (;;) {
    skip_ws(ps);
    if (ps->p >= ps->end) return NULL;
    if (!ps->rego && *ps->p != '"') return NULL;
    opa_value *k = parse_value(ps);
    if (k == NULL) return NULL;
    skip_ws(ps);
    if (ps->p >= ps->end) return NULL;
    if (coll == NULL) coll = (ps->rego && *ps->p != ':') ? opa_set() : opa_object();
    if (coll->type == OPA_OBJECT) {
      if (*ps->p++ != ':') return NULL;
      opa_value *v = parse_value(ps);
      if (v == NULL) return NULL;
      opa_object_insert(coll, k, v);
      skip_ws(ps);
    } else {
      opa_set_add(coll, k);
    }
    if (ps->p >= ps->end) return NULL;
    uint8_t c = *ps->p++;
    if (c == '}') return coll;
    if (c != ',') return NULL;
    skip_ws(ps);
    if (ps->rego && ps->p < ps->end && *ps->p == '}') {
      ps->p++;
      return coll;
    }
  }
}

static opa_value *parse_value(parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) return NULL;
  switch (*ps->p) {
    case '"':
      return parse_string(ps);
    case '[':
    case '{': {
      if (++ps->depth > MAX_DEPTH) return NULL;
      opa_value *v = *ps->p == '[' ? parse_array(ps) : parse_object(ps);
      ps->depth--;
      return v;
    }
    case 't':
      return literal(ps, "true") ? opa_boolean(1) : NULL;
    case 'f':
      return literal(ps, "false") ? opa_boolean(0) : NULL;
    case 'n':
      return literal(ps, "null") ? opa_null() : NULL;
    case 's':
      if (ps->rego && literal(ps, "set(")) {
        skip_ws(ps);
        return ps->p < ps->end && *ps->p++ == ')' ? opa_set() : NULL;
      }
      return NULL;
    case '`':
      return ps->rego ? parse_raw_string(ps) : NULL;
    default:
      if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) return parse_number(ps);
      return NULL;
  }
}

static opa_value *parse_document(const char *s, uint32_t len, bool rego) {
  if (s == NULL) return NULL;
  parser ps = {(const uint8_t *)s, (const uint8_t *)s + len, 0, rego};
  opa_value *v = parse_value(&ps);
  if (v == NULL) return NULL;
  skip_ws(&ps);
  return ps.p == ps.end ? v : NULL;
}

/* JSON; text starting with `#` (a comment, never JSON) is Rego value text, so a host builtin's
 * result can carry sets through the SDK, which parses results with this function. */
OPA_EXPORT opa_value *opa_json_parse(const char *s, uint32_t len) {
  return parse_document(s, len, s != NULL && len > 0 && s[0] == '#');
}

OPA_EXPORT opa_value *opa_value_parse(const char *s, uint32_t len) { return parse_document(s, len, true); }
