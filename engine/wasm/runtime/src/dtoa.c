/* Exact decimal <-> double conversion with a small bignum: shortest round-trip formatting
 * (Burger & Dybvig free-format digits, printed like JavaScript's Number#toString) and correctly
 * rounded parsing (Clinger's fast path, else a bignum-checked correction of an estimate). */
#include "opa.h"

#define BN_WORDS 150

typedef struct {
  int n;
  uint32_t w[BN_WORDS];
} bn_t;

static const double pow10_tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
static const uint32_t pow10_u32[10] = {1,      10,      100,      1000,      10000,
                                       100000, 1000000, 10000000, 100000000, 1000000000};

static void bn_set(bn_t *a, uint64_t v) {
  a->n = 0;
  while (v) {
    a->w[a->n++] = (uint32_t)v;
    v >>= 32;
  }
}

static void bn_grow(bn_t *a, uint32_t w) {
  if (a->n >= BN_WORDS) opa_abort("dtoa: bignum overflow");
  a->w[a->n++] = w;
}

static void bn_mul_small(bn_t *a, uint32_t m) {
  if (m == 0) {
    a->n = 0;
    return;
  }
  uint64_t carry = 0;
  for (int i = 0; i < a->n; i++) {
    uint64_t t = (uint64_t)a->w[i] * m + carry;
    a->w[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry) bn_grow(a, (uint32_t)carry);
}

static void bn_add_small(bn_t *a, uint32_t v) {
  uint64_t carry = v;
  for (int i = 0; i < a->n && carry; i++) {
    uint64_t t = (uint64_t)a->w[i] + carry;
    a->w[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry) bn_grow(a, (uint32_t)carry);
}

static void bn_mul_pow10(bn_t *a, int e) {
  for (; e >= 9; e -= 9) bn_mul_small(a, 1000000000u);
  if (e > 0) bn_mul_small(a, pow10_u32[e]);
}

static void bn_shl(bn_t *a, int bits) {
  if (a->n == 0 || bits <= 0) return;
  int words = bits / 32, rem = bits % 32;
  if (a->n + words + 1 > BN_WORDS) opa_abort("dtoa: bignum overflow");
  if (rem) {
    uint32_t carry = 0;
    for (int i = 0; i < a->n; i++) {
      uint32_t w = a->w[i];
      a->w[i] = (w << rem) | carry;
      carry = w >> (32 - rem);
    }
    if (carry) a->w[a->n++] = carry;
  }
  if (words) {
    for (int i = a->n - 1; i >= 0; i--) a->w[i + words] = a->w[i];
    for (int i = 0; i < words; i++) a->w[i] = 0;
    a->n += words;
  }
}

static int bn_cmp(const bn_t *a, const bn_t *b) {
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  for (int i = a->n - 1; i >= 0; i--) {
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  }
  return 0;
}

/* a -= b, requires a >= b */
static void bn_sub(bn_t *a, const bn_t *b) {
  int64_t borrow = 0;
  for (int i = 0; i < a->n; i++) {
    int64_t t = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
    borrow = t < 0;
    a->w[i] = (uint32_t)(t + (borrow << 32));
  }
  while (a->n > 0 && a->w[a->n - 1] == 0) a->n--;
}

/* r = a + b (r may alias a) */
static void bn_add(bn_t *r, const bn_t *a, const bn_t *b) {
  int n = a->n > b->n ? a->n : b->n;
  uint64_t carry = 0;
  for (int i = 0; i < n; i++) {
    uint64_t t = carry + (i < a->n ? a->w[i] : 0) + (i < b->n ? b->w[i] : 0);
    r->w[i] = (uint32_t)t;
    carry = t >> 32;
  }
  r->n = n;
  if (carry) bn_grow(r, (uint32_t)carry);
}

static void bn_mul_u64(bn_t *r, const bn_t *a, uint64_t m) {
  bn_t hi = *a;
  *r = *a;
  bn_mul_small(r, (uint32_t)m);
  if (m >> 32) {
    bn_mul_small(&hi, (uint32_t)(m >> 32));
    bn_shl(&hi, 32);
    bn_add(r, r, &hi);
  }
}

static void decompose(double x, uint64_t *m, int *k) {
  uint64_t bits;
  memcpy(&bits, &x, 8);
  int be = (int)((bits >> 52) & 0x7ff);
  *m = bits & ((1ull << 52) - 1);
  if (be == 0) {
    *k = -1074;
  } else {
    *m |= 1ull << 52;
    *k = be - 1075;
  }
}

int dtoa_shortest(double x, char *digits, int *exp10) {
  uint64_t m;
  int k;
  decompose(x, &m, &k);
  bool even = (m & 1) == 0;
  bool lower_closer = m == (1ull << 52) && k > -1074;
  bn_t r, s, mp, mm, t;
  bn_set(&r, m);
  if (k >= 0) {
    bn_set(&s, lower_closer ? 4 : 2);
    bn_set(&mp, 1);
    bn_shl(&mp, lower_closer ? k + 1 : k);
    bn_set(&mm, 1);
    bn_shl(&mm, k);
    bn_shl(&r, lower_closer ? k + 2 : k + 1);
  } else {
    bn_set(&s, 1);
    bn_shl(&s, lower_closer ? 2 - k : 1 - k);
    bn_set(&mp, lower_closer ? 2 : 1);
    bn_set(&mm, 1);
    bn_shl(&r, lower_closer ? 2 : 1);
  }
  int bl = 64 - __builtin_clzll(m);
  int k10 = (int)__builtin_ceil((double)(k + bl - 1) * 0.30102999566398114 - 1e-10);
  if (k10 >= 0) {
    bn_mul_pow10(&s, k10);
  } else {
    bn_mul_pow10(&r, -k10);
    bn_mul_pow10(&mp, -k10);
    bn_mul_pow10(&mm, -k10);
  }
  bn_add(&t, &r, &mp);
  if (even ? bn_cmp(&t, &s) >= 0 : bn_cmp(&t, &s) > 0) {
    bn_mul_small(&s, 10);
    k10++;
  }
  int nd = 0;
  for (;;) {
    bn_mul_small(&r, 10);
    bn_mul_small(&mp, 10);
    bn_mul_small(&mm, 10);
    int d = 0;
    while (bn_cmp(&r, &s) >= 0) {
      bn_sub(&r, &s);
      d++;
    }
    bool tc1 = even ? bn_cmp(&r, &mm) <= 0 : bn_cmp(&r, &mm) < 0;
    bn_add(&t, &r, &mp);
    bool tc2 = even ? bn_cmp(&t, &s) >= 0 : bn_cmp(&t, &s) > 0;
    if (!tc1 && !tc2) {
      digits[nd++] = (char)('0' + d);
      if (nd >= 17) break; /* cannot happen for doubles; guards a bug */
      continue;
    }
    if (tc1 && tc2) {
      bn_add(&t, &r, &r);
      int c = bn_cmp(&t, &s);
      if (c > 0 || (c == 0 && (d & 1))) d++;
    } else if (tc2) {
      d++;
    }
    digits[nd++] = (char)('0' + d);
    break;
  }
  *exp10 = k10;
  return nd;
}

/* Prints digits (value = 0.d1d2.. * 10^n) the way ECMAScript Number::toString does. */
void format_decimal_js(opa_buf *b, bool neg, const char *d, int k, int n) {
  if (neg) buf_putc(b, '-');
  if (k <= n && n <= 21) {
    buf_put(b, d, (uint32_t)k);
    for (int i = 0; i < n - k; i++) buf_putc(b, '0');
  } else if (0 < n && n <= 21) {
    buf_put(b, d, (uint32_t)n);
    buf_putc(b, '.');
    buf_put(b, d + n, (uint32_t)(k - n));
  } else if (-6 < n && n <= 0) {
    buf_put(b, "0.", 2);
    for (int i = 0; i < -n; i++) buf_putc(b, '0');
    buf_put(b, d, (uint32_t)k);
  } else {
    buf_putc(b, d[0]);
    if (k > 1) {
      buf_putc(b, '.');
      buf_put(b, d + 1, (uint32_t)(k - 1));
    }
    buf_putc(b, 'e');
    buf_putc(b, n - 1 >= 0 ? '+' : '-');
    buf_put_i64(b, n - 1 >= 0 ? n - 1 : 1 - n);
  }
}

void dtoa_format(opa_buf *b, double x) {
  if (x != x || x - x != 0) { /* NaN or infinity have no JSON form */
    buf_puts(b, "null");
    return;
  }
  if (x == 0) {
    buf_putc(b, '0');
    return;
  }
  char digits[20];
  int exp10;
  int nd = dtoa_shortest(x < 0 ? -x : x, digits, &exp10);
  format_decimal_js(b, x < 0, digits, nd, exp10);
}

static double scale_pow10(double x, int e10) {
  if (e10 > 0) {
    for (; e10 > 22 && x < 1.7e308; e10 -= 22) x *= 1e22;
    return e10 > 22 ? x : x * pow10_tab[e10];
  }
  for (; e10 < -22 && x > 0; e10 += 22) x /= 1e22;
  return e10 < -22 ? x : x / pow10_tab[-e10];
}

static double from_bits(uint64_t bits) {
  double x;
  memcpy(&x, &bits, 8);
  return x;
}

static uint64_t to_bits(double x) {
  uint64_t bits;
  memcpy(&bits, &x, 8);
  return bits;
}

/* Correctly rounded magnitude of D * 10^E, starting from the estimate x and stepping one ulp at a
 * time (AlgorithmR): each step compares the exact decimal with x and its rounding interval. */
static double refine(const bn_t *D, int E, double x) {
  bn_t base = *D, pow = {0}, lhs, rhs, u, diff;
  if (E > 0) bn_mul_pow10(&base, E);
  bn_set(&pow, 1);
  if (E < 0) bn_mul_pow10(&pow, -E);
  if (x == 0) x = from_bits(1);
  if (x - x != 0) x = from_bits(0x7fefffffffffffffull);
  for (int iter = 0; iter < 400; iter++) {
    uint64_t m;
    int k;
    decompose(x, &m, &k);
    lhs = base;
    if (k < 0) bn_shl(&lhs, -k);
    bn_mul_u64(&rhs, &pow, m);
    if (k > 0) bn_shl(&rhs, k);
    u = pow;
    if (k > 0) bn_shl(&u, k);
    int sign = bn_cmp(&lhs, &rhs);
    if (sign == 0) return x;
    if (sign > 0) {
      diff = lhs;
      bn_sub(&diff, &rhs);
    } else {
      diff = rhs;
      bn_sub(&diff, &lhs);
    }
    uint64_t bits = to_bits(x);
    bn_shl(&diff, 1);
    if (sign < 0 && m == (1ull << 52) && k > -1074) {
      bn_shl(&diff, 1); /* the gap below is half as wide */
      int c = bn_cmp(&diff, &u);
      if (c <= 0) return x;
      x = from_bits(bits - 1);
      continue;
    }
    int c = bn_cmp(&diff, &u);
    if (c < 0) return x;
    if (c == 0) {
      if ((m & 1) == 0) return x;
      return from_bits(sign > 0 ? bits + 1 : bits - 1);
    }
    if (sign > 0) {
      if (bits == 0x7fefffffffffffffull) return from_bits(0x7ff0000000000000ull);
      x = from_bits(bits + 1);
    } else {
      if (bits == 1) return 0.0;
      x = from_bits(bits - 1);
    }
  }
  return x;
}

double decimal_to_double(const decimal_t *d) {
  double sign = d->neg ? -1.0 : 1.0;
  if (d->nd == 0) return sign * 0.0;
  if (d->exp > 310) return sign * from_bits(0x7ff0000000000000ull);
  if (d->exp < -330) return sign * 0.0;
  int nd = d->nd;
  int E = d->exp - nd;
  if (!d->truncated && nd <= 15 && E >= -22 && E <= 22) {
    uint64_t v = 0;
    for (int i = 0; i < nd; i++) v = v * 10 + (uint64_t)(d->d[i] - '0');
    double x = (double)v;
    x = E >= 0 ? x * pow10_tab[E] : x / pow10_tab[-E];
    return sign * x;
  }
  bn_t D;
  bn_set(&D, 0);
  int i = 0;
  while (i < nd) {
    int chunk = nd - i < 9 ? nd - i : 9;
    uint32_t v = 0;
    for (int j = 0; j < chunk; j++) v = v * 10 + (uint32_t)(d->d[i + j] - '0');
    bn_mul_small(&D, pow10_u32[chunk]);
    bn_add_small(&D, v);
    i += chunk;
  }
  if (d->truncated) { /* a sticky digit keeps inexact tails off the rounding midpoints */
    bn_mul_small(&D, 10);
    bn_add_small(&D, 1);
    E -= 1;
  }
  uint64_t top = 0;
  int nt = nd < 19 ? nd : 19;
  for (int j = 0; j < nt; j++) top = top * 10 + (uint64_t)(d->d[j] - '0');
  double guess = scale_pow10((double)top, d->exp - nt);
  return sign * refine(&D, E, guess);
}
