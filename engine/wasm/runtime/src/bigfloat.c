/* OPA's arithmetic on numbers that are not both integers, as `opa eval` does it: Go's math/big
 * Float with a 64-bit mantissa, rounding half to even, so `0.1 + 0.2` is 0.3 and `1 / 3` is
 * 0.33333333333333333334. A result is the shortest decimal that reads back to the same 64-bit
 * value (so `1e100 / 3` is 33333333333333333333 followed by zeros, as in OPA). Exponents
 * beyond about 10^±2000 are left to the caller's double fallback. */
#include "opa.h"

#define MAX_E10 2000

/* Little-endian 32-bit words; n == 0 is zero. */
typedef struct {
  uint32_t *w;
  int n, cap;
} nat;

static void nat_init(nat *a, int cap) {
  a->cap = cap < 4 ? 4 : cap;
  a->w = opa_malloc((uint32_t)a->cap * 4);
  a->n = 0;
}

static void nat_reserve(nat *a, int cap) {
  if (cap <= a->cap) return;
  a->w = opa_realloc(a->w, (uint32_t)cap * 4);
  a->cap = cap;
}

static void nat_trim(nat *a) {
  while (a->n > 0 && a->w[a->n - 1] == 0) a->n--;
}

static void nat_set_u64(nat *a, uint64_t v) {
  nat_reserve(a, 2);
  a->w[0] = (uint32_t)v;
  a->w[1] = (uint32_t)(v >> 32);
  a->n = 2;
  nat_trim(a);
}

static void nat_mul_add_small(nat *a, uint32_t m, uint32_t add) {
  uint64_t carry = add;
  for (int i = 0; i < a->n; i++) {
    uint64_t t = (uint64_t)a->w[i] * m + carry;
    a->w[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry) {
    nat_reserve(a, a->n + 1);
    a->w[a->n++] = (uint32_t)carry;
  }
}

static int nat_bitlen(const nat *a) {
  if (a->n == 0) return 0;
  uint32_t top = a->w[a->n - 1];
  int bits = 0;
  while (top) {
    bits++;
    top >>= 1;
  }
  return (a->n - 1) * 32 + bits;
}

static bool nat_bit(const nat *a, int i) { return i >= 0 && i / 32 < a->n && ((a->w[i / 32] >> (i % 32)) & 1); }

static bool nat_any_below(const nat *a, int bits) { /* any of bits [0, bits) set */
  for (int i = 0; i < bits / 32 && i < a->n; i++)
    if (a->w[i]) return true;
  int rem = bits % 32;
  return rem && bits / 32 < a->n && (a->w[bits / 32] & ((1u << rem) - 1));
}

static void nat_shl(nat *r, const nat *a, int bits) {
  int words = bits / 32, rem = bits % 32;
  nat_reserve(r, a->n + words + 1);
  uint32_t *out = r->w;
  int n = a->n;
  for (int i = n; i >= 0; i--) {
    uint32_t hi = i < n ? a->w[i] : 0, lo = i > 0 ? a->w[i - 1] : 0;
    out[i + words] = rem ? (hi << rem) | (lo >> (32 - rem)) : hi;
  }
  for (int i = 0; i < words; i++) out[i] = 0;
  r->n = n + words + 1;
  nat_trim(r);
}

static uint64_t nat_shr_u64(const nat *a, int bits) { /* (a >> bits) mod 2^64 */
  uint64_t r = 0;
  for (int i = 0; i < 64; i++)
    if (nat_bit(a, bits + i)) r |= (uint64_t)1 << i;
  return r;
}

static int nat_cmp(const nat *a, const nat *b) {
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  for (int i = a->n - 1; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

static void nat_add(nat *r, const nat *a, const nat *b) { /* r may alias a */
  int n = a->n > b->n ? a->n : b->n;
  nat_reserve(r, n + 1);
  uint64_t carry = 0;
  for (int i = 0; i < n; i++) {
    uint64_t t = carry + (i < a->n ? a->w[i] : 0) + (i < b->n ? b->w[i] : 0);
    r->w[i] = (uint32_t)t;
    carry = t >> 32;
  }
  r->w[n] = (uint32_t)carry;
  r->n = n + 1;
  nat_trim(r);
}

static void nat_sub(nat *a, const nat *b) { /* a -= b, a >= b */
  int64_t borrow = 0;
  for (int i = 0; i < a->n; i++) {
    int64_t t = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
    borrow = t < 0;
    a->w[i] = (uint32_t)(t + (borrow << 32));
  }
  nat_trim(a);
}

static void nat_mul(nat *r, const nat *a, const nat *b) {
  nat_reserve(r, a->n + b->n + 1);
  for (int i = 0; i < a->n + b->n + 1; i++) r->w[i] = 0;
  for (int i = 0; i < a->n; i++) {
    uint64_t carry = 0;
    for (int j = 0; j < b->n; j++) {
      uint64_t t = (uint64_t)a->w[i] * b->w[j] + r->w[i + j] + carry;
      r->w[i + j] = (uint32_t)t;
      carry = t >> 32;
    }
    r->w[i + b->n] += (uint32_t)carry;
  }
  r->n = a->n + b->n + 1;
  nat_trim(r);
}

/* q = a / b (a few dozen quotient bits), a becomes the remainder. */
static void nat_divmod(nat *q, nat *a, const nat *b) {
  int shift = nat_bitlen(a) - nat_bitlen(b);
  q->n = 0;
  if (shift < 0) return;
  nat_reserve(q, shift / 32 + 2);
  for (int i = 0; i < shift / 32 + 2; i++) q->w[i] = 0;
  q->n = shift / 32 + 1;
  nat t;
  nat_init(&t, b->n + shift / 32 + 2);
  for (int i = shift; i >= 0; i--) {
    nat_shl(&t, b, i);
    if (nat_cmp(a, &t) >= 0) {
      nat_sub(a, &t);
      q->w[i / 32] |= 1u << (i % 32);
    }
  }
  nat_trim(q);
}

static void nat_pow10(nat *r, int e) {
  nat_set_u64(r, 1);
  for (; e >= 9; e -= 9) nat_mul_add_small(r, 1000000000u, 0);
  while (e-- > 0) nat_mul_add_small(r, 10, 0);
}

/* Decimal digits of a, most significant first, NUL-terminated; returns the count. */
static int nat_digits(const nat *a, char **out) {
  nat t;
  nat_init(&t, a->n);
  for (int i = 0; i < a->n; i++) t.w[i] = a->w[i];
  t.n = a->n;
  int cap = a->n * 10 + 2, len = 0;
  char *rev = opa_malloc((uint32_t)cap);
  while (t.n > 0) {
    uint64_t rem = 0;
    for (int i = t.n - 1; i >= 0; i--) {
      uint64_t cur = (rem << 32) | t.w[i];
      t.w[i] = (uint32_t)(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    nat_trim(&t);
    for (int k = 0; k < 9 && (t.n > 0 || rem > 0); k++) {
      rev[len++] = (char)('0' + rem % 10);
      rem /= 10;
    }
  }
  char *d = opa_malloc((uint32_t)len + 1);
  for (int i = 0; i < len; i++) d[i] = rev[len - 1 - i];
  d[len] = 0;
  *out = d;
  return len;
}

/* value = (neg ? -1 : 1) * m * 2^e, m < 2^64; m == 0 is zero */
typedef struct {
  bool neg;
  uint64_t m;
  int e;
  int prec; /* mantissa bits: 64, or 53 for product's float64-made accumulator */
} bf64;

/* Rounds n * 2^e to prec bits, half to even. */
static bf64 round_prec(bool neg, const nat *n, int e, int prec) {
  bf64 r = {neg, 0, 0, prec};
  int len = nat_bitlen(n);
  if (len == 0) return r;
  if (len <= prec) { /* normalized: the ulp is that of a prec-bit mantissa */
    r.m = nat_shr_u64(n, 0) << (prec - len);
    r.e = e - (prec - len);
    return r;
  }
  int shift = len - prec;
  r.m = nat_shr_u64(n, shift);
  r.e = e + shift;
  bool half = nat_bit(n, shift - 1), sticky = nat_any_below(n, shift - 1);
  if (half && (sticky || (r.m & 1))) {
    r.m++;
    if (r.m == (prec == 64 ? 0 : (uint64_t)1 << prec)) {
      r.m = (uint64_t)1 << (prec - 1);
      r.e++;
    }
  }
  return r;
}

static bf64 round_nat(bool neg, const nat *n, int e) { return round_prec(neg, n, e, 64); }

static bool to_bf(opa_value *v, bf64 *out) {
  decimal_t *d = opa_malloc(sizeof(decimal_t));
  number_to_decimal(v, d);
  out->neg = d->neg;
  out->m = 0;
  out->e = 0;
  out->prec = 64;
  if (d->nd == 0) return true;
  int e10 = d->exp - d->nd;
  if (e10 > MAX_E10 || e10 < -MAX_E10) return false;
  nat n;
  nat_init(&n, d->nd / 9 + 4);
  for (int i = 0; i < d->nd; i++) nat_mul_add_small(&n, 10, (uint32_t)(d->d[i] - '0'));
  if (e10 >= 0) {
    nat p, r;
    nat_init(&p, 4);
    nat_init(&r, 4);
    nat_pow10(&p, e10);
    nat_mul(&r, &n, &p);
    *out = round_nat(d->neg, &r, 0);
    return true;
  }
  nat p, q, s;
  nat_init(&p, 4);
  nat_init(&q, 4);
  nat_init(&s, 4);
  nat_pow10(&p, -e10);
  int shift = 66 + nat_bitlen(&p) - nat_bitlen(&n);
  if (shift < 0) shift = 0;
  nat_shl(&s, &n, shift);
  nat_divmod(&q, &s, &p);
  if (s.n > 0) { /* a sticky bit below the quotient */
    nat_shl(&q, &q, 1);
    q.w[0] |= 1;
    shift++;
  }
  *out = round_nat(d->neg, &q, -shift);
  return true;
}

static void nat_from_bf(nat *n, const bf64 *x) {
  nat_init(n, 4);
  nat_set_u64(n, x->m);
}

static bf64 bf_add(bf64 a, bf64 b) {
  if (a.m == 0) return b;
  if (b.m == 0) return a;
  int e = a.e < b.e ? a.e : b.e;
  if (a.e - e > 200) return a; /* b is below half an ulp of a */
  if (b.e - e > 200) return b;
  nat x, y, t;
  nat_from_bf(&t, &a);
  nat_init(&x, 4);
  nat_shl(&x, &t, a.e - e);
  nat_from_bf(&t, &b);
  nat_init(&y, 4);
  nat_shl(&y, &t, b.e - e);
  if (a.neg == b.neg) {
    nat_add(&x, &x, &y);
    return round_nat(a.neg, &x, e);
  }
  int c = nat_cmp(&x, &y);
  if (c == 0) return (bf64){false, 0, 0, 64};
  if (c > 0) {
    nat_sub(&x, &y);
    return round_nat(a.neg, &x, e);
  }
  nat_sub(&y, &x);
  return round_nat(b.neg, &y, e);
}

static bf64 bf_mul(bf64 a, bf64 b, int prec) {
  nat x, y, r;
  nat_from_bf(&x, &a);
  nat_from_bf(&y, &b);
  nat_init(&r, 6);
  nat_mul(&r, &x, &y);
  return round_prec(a.neg != b.neg, &r, a.e + b.e, prec);
}

static bf64 bf_div(bf64 a, bf64 b) {
  nat x, y, s, q;
  nat_from_bf(&x, &a);
  nat_from_bf(&y, &b);
  nat_init(&s, 8);
  nat_init(&q, 8);
  nat_shl(&s, &x, 130);
  nat_divmod(&q, &s, &y);
  int e = a.e - b.e - 130;
  if (s.n > 0) {
    nat_shl(&q, &q, 1);
    q.w[0] |= 1;
    e--;
  }
  return round_nat(a.neg != b.neg, &q, e);
}

/* Exact decimal of n * 2^e as digits without trailing zeros and the point position dp
 * (value = 0.digits * 10^dp). */
static int exact_decimal(const nat *n, int e, char **digits, int *dp) {
  nat t;
  nat_init(&t, n->n + 2);
  int k = 0;
  if (e >= 0) {
    nat_shl(&t, n, e);
  } else {
    for (int i = 0; i < n->n; i++) t.w[i] = n->w[i];
    t.n = n->n;
    for (k = 0; k < -e; k++) nat_mul_add_small(&t, 5, 0);
  }
  int len = nat_digits(&t, digits);
  *dp = len - k;
  while (len > 0 && (*digits)[len - 1] == '0') len--;
  return len;
}

static char at(const char *d, int n, int i) { return i < n ? d[i] : '0'; }

/* Go's roundShortest for a 64-bit mantissa, then %g formatting with the shortest digits. */
static opa_value *bf_to_number(bf64 x) {
  if (x.m == 0) return opa_number_int(0);
  nat n;
  nat_from_bf(&n, &x);
  bool integral = x.e >= 0 || !nat_any_below(&n, -x.e);
  char *d, *lo, *hi;
  int dp, ldp, udp; /* bounds' point positions: unused, as in math/big */
  int nd = exact_decimal(&n, x.e, &d, &dp);
  nat m2, t;
  nat_init(&m2, 4);
  nat_init(&t, 4);
  nat_shl(&m2, &n, 1);
  nat one;
  nat_init(&one, 1);
  nat_set_u64(&one, 1);
  for (int i = 0; i < m2.n; i++) t.w[i] = m2.w[i];
  t.n = m2.n;
  nat_sub(&t, &one);
  int nl = exact_decimal(&t, x.e - 1, &lo, &ldp);
  nat_add(&t, &m2, &one);
  int nu = exact_decimal(&t, x.e - 1, &hi, &udp);
  bool inclusive = (x.m & 1) == 0; /* m has exactly x.prec bits, so 2m +- 1 are the half-ulp bounds */
  /* As math/big does, the digit strings are compared position by position. */
  int keep = nd;
  int mode = 0; /* 0 round, 1 down, 2 up */
  for (int i = 0; i < nd; i++) {
    char m = d[i], l = at(lo, nl, i), u = at(hi, nu, i);
    bool okdown = l != m || (inclusive && i + 1 == nl);
    bool okup = m != u && (inclusive || m + 1 < u || i + 1 < nu);
    if (okdown || okup) {
      keep = i + 1;
      mode = okdown && okup ? 0 : okdown ? 1 : 2;
      break;
    }
  }
  bool up = false;
  if (keep < nd) {
    if (mode == 2) up = true;
    else if (mode == 0)
      up = d[keep] > '5' || (d[keep] == '5' && (keep + 1 < nd || (keep > 0 && ((d[keep - 1] - '0') & 1))));
  }
  nd = keep;
  if (up) {
    int i = nd - 1;
    while (i >= 0 && d[i] == '9') i--;
    if (i < 0) {
      d[0] = '1';
      nd = 1;
      dp++;
    } else {
      d[i]++;
      nd = i + 1;
    }
  }
  while (nd > 1 && d[nd - 1] == '0') nd--;
  opa_buf b;
  buf_init(&b, (uint32_t)nd + 32);
  if (x.neg) buf_putc(&b, '-');
  int exp10 = dp - 1;
  if (!integral && (exp10 < -4 || exp10 >= 6)) { /* %e with two exponent digits at least */
    buf_putc(&b, d[0]);
    if (nd > 1) {
      buf_putc(&b, '.');
      buf_put(&b, d + 1, (uint32_t)nd - 1);
    }
    buf_putc(&b, 'e');
    buf_putc(&b, exp10 < 0 ? '-' : '+');
    int ax = exp10 < 0 ? -exp10 : exp10;
    if (ax < 10) buf_putc(&b, '0');
    buf_put_i64(&b, ax);
  } else if (dp <= 0) {
    buf_puts(&b, "0.");
    for (int i = 0; i < -dp; i++) buf_putc(&b, '0');
    buf_put(&b, d, (uint32_t)nd);
  } else {
    for (int i = 0; i < dp; i++) buf_putc(&b, at(d, nd, i));
    if (nd > dp) {
      buf_putc(&b, '.');
      buf_put(&b, d + dp, (uint32_t)(nd - dp));
    }
  }
  return number_from_text(b.buf, b.len, true);
}

/* op: '+', '-', '*', '/'. NULL when an operand is out of range (the caller falls back). */
opa_value *bigfloat_arith(char op, opa_value *a, opa_value *b) {
  bf64 x, y;
  if (!to_bf(a, &x) || !to_bf(b, &y)) return NULL;
  switch (op) {
    case '+':
      return bf_to_number(bf_add(x, y));
    case '-':
      y.neg = !y.neg;
      return bf_to_number(bf_add(x, y));
    case '*':
      return bf_to_number(bf_mul(x, y, 64));
    default:
      if (y.m == 0) return NULL;
      return bf_to_number(bf_div(x, y));
  }
}

/* OPA's product of numbers that are not all integers: a big.Float made from the float64 1, so
 * every step rounds the exact product to 53 bits (operands keep their 64-bit parse). */
opa_value *bigfloat_product(opa_value *coll) {
  bf64 acc = {false, (uint64_t)1 << 52, -52, 53};
  bool ok = true;
  FOR_EACH_ELEM(coll, x, {
    bf64 y;
    if (ok && !to_bf(x, &y)) ok = false;
    if (ok) acc = y.m == 0 ? (bf64){false, 0, 0, 53} : acc.m == 0 ? acc : bf_mul(acc, y, 53);
  });
  return ok ? bf_to_number(acc) : NULL;
}

/* Every decimal digit of x > 0 (value = 0.digits * 10^dp, no trailing zeros): what Go's %e and
 * %f round from. */
int double_exact_digits(double x, char **digits, int *dp) {
  uint64_t bits;
  memcpy(&bits, &x, 8);
  int be = (int)((bits >> 52) & 0x7ff);
  uint64_t m = bits & ((1ull << 52) - 1);
  int e = be == 0 ? -1074 : be - 1075;
  if (be != 0) m |= 1ull << 52;
  nat n;
  nat_init(&n, 4);
  nat_set_u64(&n, m);
  return exact_decimal(&n, e, digits, dp);
}

/* v as Go's big.Float.SetString reads it (64-bit mantissa), as an exact decimal: format_int of a
 * number written with a fraction or exponent goes through that float in OPA. */
bool bigfloat_decimal(opa_value *v, decimal_t *out) {
  bf64 x;
  if (!to_bf(v, &x)) return false;
  out->neg = x.neg;
  out->truncated = false;
  out->nd = 0;
  out->exp = 0;
  if (x.m == 0) {
    out->neg = false;
    return true;
  }
  nat n;
  nat_from_bf(&n, &x);
  char *digits;
  int dp;
  int len = exact_decimal(&n, x.e, &digits, &dp);
  if (len > (int)sizeof out->d) return false;
  memcpy(out->d, digits, (size_t)len);
  out->nd = len;
  out->exp = dp;
  return true;
}
