/* Native CIDR builtins: net.cidr_contains, net.cidr_intersects (and the deprecated
 * net.cidr_overlap), net.cidr_is_valid. Addresses parse like Go's net.ParseIP/ParseCIDR. */
#include "opa.h"

typedef struct {
  uint8_t ip[16];
  int bits; /* 32 or 128 */
  int prefix;
} cidr_t;

static bool parse_ipv4(const char *s, uint32_t n, uint8_t *out) {
  uint32_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= n || s[i] != '.') return false;
      i++;
    }
    uint32_t v = 0, digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (digits > 0 && v == 0) return false; /* no leading zeros */
      v = v * 10 + (uint32_t)(s[i++] - '0');
      if (++digits > 3 || v > 255) return false;
    }
    if (digits == 0) return false;
    out[part] = (uint8_t)v;
  }
  return i == n;
}

static int hexdig(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool parse_ipv6(const char *s, uint32_t n, uint8_t *out) {
  uint16_t groups[8];
  int count = 0, gap = -1;
  uint32_t i = 0;
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (count == 8) return false;
    /* an embedded IPv4 tail, e.g. ::ffff:1.2.3.4 */
    uint32_t j = i;
    while (j < n && s[j] != ':' && s[j] != '.') j++;
    if (j < n && s[j] == '.') {
      uint8_t v4[4];
      if (count > 6 || !parse_ipv4(s + i, n - i, v4)) return false;
      groups[count++] = (uint16_t)(v4[0] << 8 | v4[1]);
      groups[count++] = (uint16_t)(v4[2] << 8 | v4[3]);
      i = n;
      break;
    }
    uint32_t v = 0, digits = 0;
    while (i < n && hexdig(s[i]) >= 0) {
      v = v * 16 + (uint32_t)hexdig(s[i++]);
      if (++digits > 4) return false;
    }
    if (digits == 0) return false;
    groups[count++] = (uint16_t)v;
    if (i == n) break;
    if (s[i] != ':') return false;
    i++;
    if (i < n && s[i] == ':') {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i == n) {
      return false;
    }
  }
  if (gap < 0 && count != 8) return false;
  if (gap >= 0 && count > 7) return false;
  int zeros = 8 - count;
  int o = 0;
  for (int g = 0; g < count; g++) {
    if (g == gap) o += zeros;
    out[2 * (o)] = (uint8_t)(groups[g] >> 8);
    out[2 * (o) + 1] = (uint8_t)groups[g];
    o++;
  }
  return true;
}

static bool parse_ip(const char *s, uint32_t n, cidr_t *c) {
  memset(c->ip, 0, 16);
  for (uint32_t i = 0; i < n; i++) {
    if (s[i] == ':') {
      c->bits = 128;
      return parse_ipv6(s, n, c->ip);
    }
  }
  c->bits = 32;
  return parse_ipv4(s, n, c->ip);
}

/* A CIDR, or (when allow_ip) a bare address meaning a single-host prefix. */
static bool parse_cidr(opa_value *v, cidr_t *c, bool allow_ip) {
  if (!opa_is(v, OPA_STRING)) return false;
  const char *s = opa_cast_string(v)->data;
  uint32_t n = opa_cast_string(v)->len, slash = n;
  for (uint32_t i = 0; i < n; i++) {
    if (s[i] == '/') slash = i;
  }
  if (slash == n && !allow_ip) return false;
  if (!parse_ip(s, slash, c)) return false;
  c->prefix = c->bits;
  if (slash < n) {
    int p = 0;
    if (slash + 1 == n || n - slash - 1 > 3) return false;
    for (uint32_t i = slash + 1; i < n; i++) {
      if (s[i] < '0' || s[i] > '9') return false;
      p = p * 10 + (s[i] - '0');
    }
    if (p > c->bits) return false;
    c->prefix = p;
  }
  return true;
}

static bool prefix_equal(const cidr_t *a, const cidr_t *b, int bits) {
  for (int i = 0; i < bits; i++) {
    int byte = i / 8, mask = 0x80 >> (i % 8);
    if ((a->ip[byte] & mask) != (b->ip[byte] & mask)) return false;
  }
  return true;
}

OPA_NATIVE("net.cidr_contains") opa_value *opa_cidr_contains(opa_value *cidr, opa_value *other) {
  cidr_t a, b;
  if (!parse_cidr(cidr, &a, false) || !parse_cidr(other, &b, true)) return NULL;
  if (a.bits != b.bits) return opa_boolean(0);
  return opa_boolean(a.prefix <= b.prefix && prefix_equal(&a, &b, a.prefix));
}

OPA_NATIVE("net.cidr_overlap") opa_value *opa_cidr_overlap(opa_value *cidr, opa_value *ip) {
  return opa_cidr_contains(cidr, ip);
}

OPA_NATIVE("net.cidr_intersects") opa_value *opa_cidr_intersects(opa_value *x, opa_value *y) {
  cidr_t a, b;
  if (!parse_cidr(x, &a, false) || !parse_cidr(y, &b, false)) return NULL;
  if (a.bits != b.bits) return opa_boolean(0);
  int p = a.prefix < b.prefix ? a.prefix : b.prefix;
  return opa_boolean(prefix_equal(&a, &b, p));
}

OPA_NATIVE("net.cidr_is_valid") opa_value *opa_cidr_is_valid(opa_value *v) {
  cidr_t c;
  if (!opa_is(v, OPA_STRING)) return opa_boolean(0);
  return opa_boolean(parse_cidr(v, &c, false));
}

/* The CIDR of one element of a net.cidr_contains_matches operand: a string, or an array's first item. */
static opa_value *match_cidr(opa_value *e) {
  if (opa_is(e, OPA_STRING)) return e;
  if (opa_is(e, OPA_ARRAY) && opa_cast_array(e)->len > 0) return opa_cast_array(e)->elems[0];
  return NULL;
}

static void match_add(opa_value *pairs, opa_value *cidr, opa_value *key) {
  opa_value *p = opa_array_with_cap(2);
  opa_array_append(p, cidr);
  opa_array_append(p, key);
  opa_array_append(pairs, p);
}

/*
 * The (cidr, key) pairs of an operand: a string is its own key; arrays give indexes, sets their
 * elements, objects their keys. NULL when an element is neither a string nor a non-empty array.
 */
static opa_value *match_operand(opa_value *v) {
  opa_value *pairs = opa_array();
  if (opa_is(v, OPA_STRING)) {
    match_add(pairs, v, v);
  } else if (opa_is(v, OPA_ARRAY)) {
    opa_array_t *a = opa_cast_array(v);
    for (uint32_t i = 0; i < a->len; i++) {
      opa_value *c = match_cidr(a->elems[i]);
      if (c == NULL) return NULL;
      match_add(pairs, c, opa_number_int(i));
    }
  } else if (opa_is(v, OPA_SET) || opa_is(v, OPA_OBJECT)) {
    opa_table_t *t = opa_cast_table(v);
    table_sort(t);
    for (uint32_t i = 0; i < t->len; i++) {
      opa_value *c = match_cidr(opa_is(v, OPA_SET) ? t->e[i].k : t->e[i].v);
      if (c == NULL) return NULL;
      match_add(pairs, c, t->e[i].k);
    }
  }
  return pairs;
}

/* The set of [key1, key2] where operand 1's CIDR at key1 contains operand 2's CIDR or address at key2. */
OPA_NATIVE("net.cidr_contains_matches") opa_value *opa_cidr_contains_matches(opa_value *a, opa_value *b) {
  opa_value *xs = match_operand(a), *ys = match_operand(b);
  if (xs == NULL || ys == NULL) return NULL;
  opa_array_t *x = opa_cast_array(xs), *y = opa_cast_array(ys);
  opa_value *r = opa_set();
  for (uint32_t i = 0; i < x->len; i++) {
    opa_array_t *p = opa_cast_array(x->elems[i]);
    for (uint32_t j = 0; j < y->len; j++) {
      opa_array_t *q = opa_cast_array(y->elems[j]);
      opa_value *hit = opa_cidr_contains(p->elems[0], q->elems[0]);
      if (hit == NULL) return NULL;
      if (!opa_value_boolean(hit)) continue;
      opa_value *pair = opa_array_with_cap(2);
      opa_array_append(pair, p->elems[1]);
      opa_array_append(pair, q->elems[1]);
      opa_set_add(r, pair);
    }
  }
  return r;
}
