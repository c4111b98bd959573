/* Numbers: canonical representation (int64, double, or decimal text), exact comparison and
 * hashing, and arithmetic with exact big-integer add/sub/mul on decimal digit strings. */
#include "opa.h"

#define BIG_DIGITS 820 /* integers with more digits than this fall back to doubles */
#define TWO63 9223372036854775808.0

static opa_number_t *num_alloc(uint8_t repr) {
  opa_number_t *n = opa_malloc(sizeof(opa_number_t));
  memset(n, 0, sizeof(*n));
  n->type = OPA_NUMBER;
  n->repr = repr;
  return n;
}

OPA_EXPORT opa_value *opa_number_int(int64_t i) {
  opa_number_t *n = num_alloc(NUM_INT);
  n->v.i = i;
  return (opa_value *)n;
}

OPA_EXPORT opa_value *opa_number_float(double f) {
  if (f == __builtin_floor(f) && f >= -TWO63 && f < TWO63) return opa_number_int((int64_t)f);
  opa_number_t *n = num_alloc(NUM_FLOAT);
  n->v.f = f;
  return (opa_value *)n;
}

OPA_EXPORT void opa_value_number_set_int(opa_value *v, int64_t i) {
  if (!opa_is(v, OPA_NUMBER)) return;
  opa_number_t *n = opa_cast_number(v);
  n->repr = NUM_INT;
  n->spelled_float = 0;
  n->v.i = i;
  n->ref = NULL;
  n->ref_len = 0;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static void push_digit(decimal_t *d, char c) {
  if (d->nd < (int)sizeof(d->d)) d->d[d->nd++] = c;
  else if (c != '0') d->truncated = true;
}

/* Accepts [+-]digits[.digits][(e|E)[+-]digits] (either digit run may be empty, not both), the
 * union of JSON, Rego and Go's ParseFloat decimal syntax. */
bool decimal_parse(const char *s, uint32_t len, decimal_t *out) {
  uint32_t i = 0;
  out->neg = false;
  out->nd = 0;
  out->exp = 0;
  out->truncated = false;
  if (i < len && (s[i] == '+' || s[i] == '-')) out->neg = s[i++] == '-';
  int dp = 0;
  bool seen_digit = false, seen_nonzero = false;
  for (; i < len && is_digit(s[i]); i++) {
    seen_digit = true;
    if (s[i] == '0' && !seen_nonzero) continue;
    seen_nonzero = true;
    push_digit(out, s[i]);
    dp++;
  }
  if (i < len && s[i] == '.') {
    for (i++; i < len && is_digit(s[i]); i++) {
      seen_digit = true;
      if (s[i] == '0' && !seen_nonzero) {
        dp--;
        continue;
      }
      seen_nonzero = true;
      push_digit(out, s[i]);
    }
  }
  if (!seen_digit) return false;
  int64_t e = 0;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= len || !is_digit(s[i])) return false;
    for (; i < len && is_digit(s[i]); i++) {
      if (e < 100000000) e = e * 10 + (s[i] - '0');
    }
    if (eneg) e = -e;
  }
  if (i != len) return false;
  if (!out->truncated) {
    while (out->nd > 0 && out->d[out->nd - 1] == '0') out->nd--;
  }
  if (out->nd == 0) {
    out->neg = false;
    return true;
  }
  out->exp = (int)(dp + e);
  return true;
}

/* Compares magnitudes of two canonical decimals. */
static int decimal_cmp_mag(const decimal_t *a, const decimal_t *b) {
  if (a->exp != b->exp) return a->exp < b->exp ? -1 : 1;
  int n = a->nd < b->nd ? a->nd : b->nd;
  int c = memcmp(a->d, b->d, (size_t)n);
  if (c) return c < 0 ? -1 : 1;
  bool a_more = a->truncated, b_more = b->truncated;
  for (int i = n; i < a->nd; i++) a_more |= a->d[i] != '0';
  for (int i = n; i < b->nd; i++) b_more |= b->d[i] != '0';
  if (a_more == b_more) return 0;
  return a_more ? 1 : -1;
}

int decimal_compare(const decimal_t *a, const decimal_t *b) {
  int sa = a->nd == 0 ? 0 : (a->neg ? -1 : 1);
  int sb = b->nd == 0 ? 0 : (b->neg ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int c = decimal_cmp_mag(a, b);
  return sa < 0 ? -c : c;
}

static void decimal_from_u64(decimal_t *d, bool neg, uint64_t v) {
  char tmp[24];
  int n = fmt_u64(tmp, v);
  d->neg = neg;
  d->truncated = false;
  d->exp = n;
  while (n > 0 && tmp[n - 1] == '0') n--;
  memcpy(d->d, tmp, (size_t)n);
  d->nd = n;
  if (n == 0) {
    d->exp = 0;
    d->neg = false;
  }
}

void number_to_decimal(opa_value *v, decimal_t *d) {
  opa_number_t *n = opa_cast_number(v);
  if (n->repr == NUM_INT) {
    decimal_from_u64(d, n->v.i < 0, n->v.i < 0 ? (uint64_t)0 - (uint64_t)n->v.i : (uint64_t)n->v.i);
  } else if (n->repr == NUM_FLOAT) {
    double f = n->v.f;
    d->neg = f < 0;
    d->truncated = false;
    d->nd = dtoa_shortest(f < 0 ? -f : f, d->d, &d->exp);
  } else {
    decimal_parse(n->ref, n->ref_len, d);
  }
}

/* Builds the canonical number for a decimal value (see opa.h). */
static opa_value *number_from_decimal(const decimal_t *d) {
  if (d->nd == 0) return opa_number_int(0);
  bool integral = !d->truncated && d->exp >= d->nd;
  if (integral && d->exp <= 19) {
    uint64_t acc = 0;
    bool ok = true;
    for (int i = 0; i < d->exp && ok; i++) {
      uint64_t dig = i < d->nd ? (uint64_t)(d->d[i] - '0') : 0;
      if (acc > (UINT64_MAX - dig) / 10) ok = false;
      else acc = acc * 10 + dig;
    }
    if (ok && !d->neg && acc <= (uint64_t)INT64_MAX) return opa_number_int((int64_t)acc);
    if (ok && d->neg && acc <= (uint64_t)INT64_MAX + 1) return opa_number_int((int64_t)(0 - acc));
  }
  double x = decimal_to_double(d);
  double ax = x < 0 ? -x : x;
  if (!d->truncated && d->nd <= 17 && ax != 0 && ax - ax == 0) {
    if (d->nd <= 15 && ax >= 2.2250738585072014e-308) return opa_number_float(x);
    char sd[20];
    int se;
    int sn = dtoa_shortest(ax, sd, &se);
    if (sn == d->nd && se == d->exp && memcmp(sd, d->d, (size_t)sn) == 0) return opa_number_float(x);
  }
  opa_number_t *n = num_alloc(NUM_REF);
  n->ref_int = integral;
  n->v.f = x;
  opa_buf b;
  buf_init(&b, (uint32_t)d->nd + 16);
  if (integral && d->exp - d->nd <= 21) {
    if (d->neg) buf_putc(&b, '-');
    buf_put(&b, d->d, (uint32_t)d->nd);
    for (int i = d->nd; i < d->exp; i++) buf_putc(&b, '0');
  } else {
    format_decimal_js(&b, d->neg, d->d, d->nd, d->exp);
  }
  n->ref = b.buf;
  n->ref_len = b.len;
  return (opa_value *)n;
}

opa_value *number_from_text(const char *s, uint32_t len, bool copy) {
  (void)copy; /* REF numbers always own a canonical copy of their text */
  decimal_t d;
  if (!decimal_parse(s, len, &d)) return NULL;
  opa_value *v = number_from_decimal(&d);
  for (uint32_t i = 0; i < len; i++)
    if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') opa_cast_number(v)->spelled_float = 1;
  return v;
}

OPA_EXPORT opa_value *opa_number_ref(const char *s, uint32_t len) { return number_from_text(s, len, true); }

static int cmp_int_float(int64_t i, double f) {
  if (f != f) return -1;
  if (f >= TWO63) return -1;
  if (f < -TWO63) return 1;
  double fl = __builtin_floor(f); /* f is not integral here (canonical form) */
  return i <= (int64_t)fl ? -1 : 1;
}

int number_compare(opa_value *a, opa_value *b) {
  opa_number_t *x = opa_cast_number(a), *y = opa_cast_number(b);
  if (x->repr == NUM_INT && y->repr == NUM_INT) return x->v.i < y->v.i ? -1 : x->v.i > y->v.i;
  if (x->repr == NUM_FLOAT && y->repr == NUM_FLOAT) return x->v.f < y->v.f ? -1 : x->v.f > y->v.f;
  if (x->repr == NUM_INT && y->repr == NUM_FLOAT) return cmp_int_float(x->v.i, y->v.f);
  if (x->repr == NUM_FLOAT && y->repr == NUM_INT) return -cmp_int_float(y->v.i, x->v.f);
  decimal_t da, db;
  number_to_decimal(a, &da);
  number_to_decimal(b, &db);
  return decimal_compare(&da, &db);
}

static uint32_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return (uint32_t)h;
}

uint32_t number_hash(opa_value *a) {
  opa_number_t *n = opa_cast_number(a);
  if (n->repr == NUM_INT) return mix64((uint64_t)n->v.i);
  if (n->repr == NUM_FLOAT) {
    uint64_t bits;
    memcpy(&bits, &n->v.f, 8);
    return mix64(bits ^ 0x5bd1e995u);
  }
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n->ref_len; i++) h = (h ^ (uint8_t)n->ref[i]) * 16777619u;
  return h;
}

double number_as_double(opa_value *a) {
  opa_number_t *n = opa_cast_number(a);
  return n->repr == NUM_INT ? (double)n->v.i : n->v.f;
}

bool number_as_int(opa_value *a, int64_t *out) {
  opa_number_t *n = opa_cast_number(a);
  if (n->repr != NUM_INT) return false;
  *out = n->v.i;
  return true;
}

bool number_is_integer(opa_value *a) {
  opa_number_t *n = opa_cast_number(a);
  if (n->repr == NUM_INT) return true;
  if (n->repr == NUM_FLOAT) return n->v.f == __builtin_floor(n->v.f);
  return n->ref_int;
}

void number_dump(opa_buf *b, opa_value *a) {
  opa_number_t *n = opa_cast_number(a);
  if (n->repr == NUM_INT) buf_put_i64(b, n->v.i);
  else if (n->repr == NUM_FLOAT) dtoa_format(b, n->v.f);
  else buf_put(b, n->ref, n->ref_len);
}

/* ---- exact integers beyond int64: magnitudes as decimal digit strings (values 0..9) ---- */

typedef struct {
  bool neg;
  int n;
  char *d; /* most significant first, no leading zeros; n == 0 is zero */
} bigint;

static bool to_bigint(opa_value *v, bigint *out) {
  opa_number_t *n = opa_cast_number(v);
  if ((n->repr == NUM_FLOAT && !number_is_integer(v)) || (n->repr == NUM_REF && !n->ref_int)) return false;
  decimal_t *d = opa_malloc(sizeof(decimal_t));
  number_to_decimal(v, d);
  if (d->exp > BIG_DIGITS) {
    opa_free(d);
    return false;
  }
  out->neg = d->neg;
  out->n = d->nd == 0 ? 0 : d->exp;
  out->d = opa_malloc((size_t)out->n + 1);
  for (int i = 0; i < out->n; i++) out->d[i] = i < d->nd ? (char)(d->d[i] - '0') : 0;
  opa_free(d);
  return true;
}

static int mag_cmp(const bigint *a, const bigint *b) {
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  for (int i = 0; i < a->n; i++) {
    if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
  }
  return 0;
}

static opa_value *from_digits(bool neg, char *d, int n) {
  int lead = 0;
  while (lead < n && d[lead] == 0) lead++;
  if (n - lead > BIG_DIGITS) return NULL;
  decimal_t *dec = opa_malloc(sizeof(decimal_t));
  dec->neg = neg;
  dec->truncated = false;
  dec->exp = n - lead;
  dec->nd = 0;
  for (int i = lead; i < n; i++) dec->d[dec->nd++] = (char)('0' + d[i]);
  while (dec->nd > 0 && dec->d[dec->nd - 1] == '0') dec->nd--;
  if (dec->nd == 0) dec->neg = false;
  opa_value *r = number_from_decimal(dec);
  opa_free(dec);
  return r;
}

static opa_value *big_addsub(const bigint *a, const bigint *b, bool negate_b) {
  bool bneg = negate_b ? !b->neg : b->neg;
  int n = (a->n > b->n ? a->n : b->n) + 1;
  char *out = opa_malloc((size_t)n);
  if (a->neg == bneg) {
    int carry = 0;
    for (int i = 0; i < n; i++) {
      int ai = a->n - 1 - i, bi = b->n - 1 - i;
      int s = carry + (ai >= 0 ? a->d[ai] : 0) + (bi >= 0 ? b->d[bi] : 0);
      out[n - 1 - i] = (char)(s % 10);
      carry = s / 10;
    }
    return from_digits(a->neg, out, n);
  }
  int c = mag_cmp(a, b);
  if (c == 0) return opa_number_int(0);
  const bigint *hi = c > 0 ? a : b, *lo = c > 0 ? b : a;
  bool neg = c > 0 ? a->neg : bneg;
  int borrow = 0;
  for (int i = 0; i < n; i++) {
    int hi_i = hi->n - 1 - i, lo_i = lo->n - 1 - i;
    int s = (hi_i >= 0 ? hi->d[hi_i] : 0) - (lo_i >= 0 ? lo->d[lo_i] : 0) - borrow;
    borrow = s < 0;
    out[n - 1 - i] = (char)(s + (borrow ? 10 : 0));
  }
  return from_digits(neg, out, n);
}

static opa_value *big_mul(const bigint *a, const bigint *b) {
  int n = a->n + b->n;
  if (n == 0 || a->n == 0 || b->n == 0) return opa_number_int(0);
  uint32_t *acc = opa_malloc((size_t)n * 4);
  memset(acc, 0, (size_t)n * 4);
  for (int i = a->n - 1; i >= 0; i--) {
    for (int j = b->n - 1; j >= 0; j--) acc[i + j + 1] += (uint32_t)(a->d[i] * b->d[j]);
    for (int k = n - 1; k > 0; k--) { /* normalise often enough to keep words small */
      acc[k - 1] += acc[k] / 10;
      acc[k] %= 10;
    }
  }
  char *out = opa_malloc((size_t)n);
  for (int k = 0; k < n; k++) out[k] = (char)acc[k];
  return from_digits(a->neg != b->neg, out, n);
}

static opa_value *finite_or_undefined(double r) { return r - r == 0 ? opa_number_float(r) : NULL; }

static opa_value *add_sub(opa_value *a, opa_value *b, bool sub) {
  opa_number_t *x = opa_cast_number(a), *y = opa_cast_number(b);
  if (x->repr == NUM_INT && y->repr == NUM_INT) {
    int64_t r;
    bool ovf = sub ? __builtin_sub_overflow(x->v.i, y->v.i, &r) : __builtin_add_overflow(x->v.i, y->v.i, &r);
    if (!ovf) return opa_number_int(r);
  }
  bigint ba, bb;
  if (to_bigint(a, &ba) && to_bigint(b, &bb)) {
    opa_value *r = big_addsub(&ba, &bb, sub);
    if (r) return r;
  }
  opa_value *r = bigfloat_arith(sub ? '-' : '+', a, b);
  if (r) return r;
  double fa = number_as_double(a), fb = number_as_double(b);
  return finite_or_undefined(sub ? fa - fb : fa + fb);
}

opa_value *number_add(opa_value *a, opa_value *b) { return add_sub(a, b, false); }
opa_value *number_sub(opa_value *a, opa_value *b) { return add_sub(a, b, true); }

/* Overflow-checked int64 product in 32-bit halves: LLVM turns the usual division-based checks
 * into a 128-bit multiply that needs compiler-rt's __multi3, which we do not link. */
static bool mul_overflow(int64_t a, int64_t b, int64_t *r) {
  uint64_t ua = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
  uint64_t ub = b < 0 ? (uint64_t)0 - (uint64_t)b : (uint64_t)b;
  uint64_t ah = ua >> 32, al = ua & 0xffffffffu, bh = ub >> 32, bl = ub & 0xffffffffu;
  if (ah && bh) return true;
  uint64_t cross = ah * bl + bh * al; /* one of the two terms is zero */
  if (cross >> 32) return true;
  uint64_t low = al * bl;
  uint64_t p = low + (cross << 32);
  if (p < low) return true;
  if ((a < 0) != (b < 0)) {
    if (p > (uint64_t)INT64_MAX + 1) return true;
    *r = (int64_t)(0 - p);
  } else {
    if (p > (uint64_t)INT64_MAX) return true;
    *r = (int64_t)p;
  }
  return false;
}

opa_value *number_mul(opa_value *a, opa_value *b) {
  opa_number_t *x = opa_cast_number(a), *y = opa_cast_number(b);
  if (x->repr == NUM_INT && y->repr == NUM_INT) {
    int64_t r;
    if (!mul_overflow(x->v.i, y->v.i, &r)) return opa_number_int(r);
  }
  bigint ba, bb;
  if (to_bigint(a, &ba) && to_bigint(b, &bb)) {
    opa_value *r = big_mul(&ba, &bb);
    if (r) return r;
  }
  opa_value *r = bigfloat_arith('*', a, b);
  if (r) return r;
  return finite_or_undefined(number_as_double(a) * number_as_double(b));
}

static bool is_zero(opa_value *a) {
  opa_number_t *n = opa_cast_number(a);
  return n->repr == NUM_INT && n->v.i == 0; /* zero is always canonical INT */
}

opa_value *number_div(opa_value *a, opa_value *b) {
  if (is_zero(b)) return NULL;
  opa_number_t *x = opa_cast_number(a), *y = opa_cast_number(b);
  if (x->repr == NUM_INT && y->repr == NUM_INT && !(x->v.i == INT64_MIN && y->v.i == -1)) {
    if (x->v.i % y->v.i == 0) return opa_number_int(x->v.i / y->v.i);
  }
  opa_value *r = bigfloat_arith('/', a, b);
  if (r) return r;
  return finite_or_undefined(number_as_double(a) / number_as_double(b));
}

/* Truncated remainder of exact integers (Go's big.Int Rem: the sign of a), schoolbook on digits. */
static opa_value *big_rem(const bigint *a, const bigint *b) {
  if (b->n == 0) return NULL;
  char *r = opa_malloc((size_t)b->n + 1);
  int rn = 0; /* r holds rn digits, most significant first, value < |b| */
  bigint rb = {false, 0, r};
  for (int i = 0; i < a->n; i++) {
    if (rn > 0 || a->d[i] != 0) r[rn++] = a->d[i];
    rb.n = rn;
    while (mag_cmp(&rb, b) >= 0) {
      int borrow = 0;
      for (int k = 0; k < rn; k++) {
        int bi = b->n - 1 - k;
        int s = r[rn - 1 - k] - (bi >= 0 ? b->d[bi] : 0) - borrow;
        borrow = s < 0;
        r[rn - 1 - k] = (char)(s + (borrow ? 10 : 0));
      }
      int lead = 0;
      while (lead < rn && r[lead] == 0) lead++;
      memmove(r, r + lead, (size_t)(rn - lead));
      rn -= lead;
      rb.n = rn;
    }
  }
  return from_digits(a->neg, r, rn);
}

opa_value *number_rem(opa_value *a, opa_value *b) {
  int64_t x, y;
  if (number_as_int(a, &x) && number_as_int(b, &y)) {
    if (y == 0) return NULL;
    if (y == -1) return opa_number_int(0);
    return opa_number_int(x % y);
  }
  bigint ba, bb;
  if (!to_bigint(a, &ba) || !to_bigint(b, &bb)) return NULL;
  return big_rem(&ba, &bb);
}

opa_value *number_neg(opa_value *a) {
  opa_number_t *n = opa_cast_number(a);
  if (n->repr == NUM_INT && n->v.i != INT64_MIN) return opa_number_int(-n->v.i);
  if (n->repr == NUM_FLOAT) return opa_number_float(-n->v.f);
  decimal_t *d = opa_malloc(sizeof(decimal_t));
  number_to_decimal(a, d);
  if (d->nd) d->neg = !d->neg;
  opa_value *r = number_from_decimal(d);
  opa_free(d);
  return r;
}
