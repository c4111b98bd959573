/* Native builtins for comparison and arithmetic (equal, lt, plus, minus, round, numbers.range, ...).
 * A type error makes the result undefined (0): the wasm target has no strict mode. */
#include "opa.h"

OPA_NATIVE("equal") opa_value *opa_cmp_eq(opa_value *a, opa_value *b) { return opa_boolean(opa_value_equal(a, b)); }
OPA_NATIVE("neq") opa_value *opa_cmp_neq(opa_value *a, opa_value *b) { return opa_boolean(!opa_value_equal(a, b)); }
OPA_NATIVE("lt") opa_value *opa_cmp_lt(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) < 0); }
OPA_NATIVE("lte") opa_value *opa_cmp_lte(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) <= 0); }
OPA_NATIVE("gt") opa_value *opa_cmp_gt(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) > 0); }
OPA_NATIVE("gte") opa_value *opa_cmp_gte(opa_value *a, opa_value *b) { return opa_boolean(opa_value_compare(a, b) >= 0); }

static bool numbers(opa_value *a, opa_value *b) { return opa_is(a, OPA_NUMBER) && opa_is(b, OPA_NUMBER); }

OPA_NATIVE("plus") opa_value *opa_arith_plus(opa_value *a, opa_value *b) {
  return numbers(a, b) ? number_add(a, b) : NULL;
}

opa_value *set_difference(opa_value *a, opa_value *b) {
  if (!opa_is(a, OPA_SET) || !opa_is(b, OPA_SET)) return NULL;
  opa_table_t *x = opa_cast_table(a), *y = opa_cast_table(b);
  opa_value *r = opa_set_with_cap(x->len);
  for (uint32_t i = 0; i < x->len; i++) {
    if (table_find(y, x->e[i].k) == NULL) opa_set_add(r, x->e[i].k);
  }
  return r;
}

/* `minus` is both numeric subtraction and set difference. */
OPA_NATIVE("minus") opa_value *opa_arith_minus(opa_value *a, opa_value *b) {
  if (numbers(a, b)) return number_sub(a, b);
  return set_difference(a, b);
}

OPA_NATIVE("set_diff") opa_value *opa_set_diff(opa_value *a, opa_value *b) { return set_difference(a, b); }

OPA_NATIVE("mul") opa_value *opa_arith_multiply(opa_value *a, opa_value *b) {
  return numbers(a, b) ? number_mul(a, b) : NULL;
}

OPA_NATIVE("div") opa_value *opa_arith_divide(opa_value *a, opa_value *b) {
  return numbers(a, b) ? number_div(a, b) : NULL;
}

OPA_NATIVE("rem") opa_value *opa_arith_rem(opa_value *a, opa_value *b) {
  return numbers(a, b) ? number_rem(a, b) : NULL;
}

OPA_NATIVE("abs") opa_value *opa_arith_abs(opa_value *a) {
  if (!opa_is(a, OPA_NUMBER)) return NULL;
  return number_compare(a, opa_number_int(0)) < 0 ? number_neg(a) : a;
}

typedef enum { ROUND_NEAREST, ROUND_CEIL, ROUND_FLOOR } round_mode;

static opa_value *round_number(opa_value *a, round_mode mode) {
  if (!opa_is(a, OPA_NUMBER)) return NULL;
  if (number_is_integer(a)) return a;
  double x = number_as_double(a), r;
  /* opa (v1.22) rounds from the truncated value and looks at its sign, zero counting as
     non-negative: floor(-0.5) is 0 and ceil(-0.5) is 1, while floor(-1.5) is -2 and ceil(-1.5) -1. */
  double t = __builtin_trunc(x);
  switch (mode) {
    case ROUND_CEIL:
      r = t < 0 ? t : t + 1;
      break;
    case ROUND_FLOOR:
      r = t < 0 ? t - 1 : t;
      break;
    default: { /* half away from zero, like Go's math.Round */
      double frac = x - t;
      r = t;
      if (frac >= 0.5) r = t + 1;
      else if (frac <= -0.5) r = t - 1;
    }
  }
  if (r == 0) r = 0; /* no negative zero */
  return opa_number_float(r);
}

OPA_NATIVE("round") opa_value *opa_arith_round(opa_value *a) { return round_number(a, ROUND_NEAREST); }
OPA_NATIVE("ceil") opa_value *opa_arith_ceil(opa_value *a) { return round_number(a, ROUND_CEIL); }
OPA_NATIVE("floor") opa_value *opa_arith_floor(opa_value *a) { return round_number(a, ROUND_FLOOR); }

#define RANGE_MAX 100000000 /* refuse ranges that could never fit in memory */

static opa_value *range(opa_value *a, opa_value *b, int64_t step) {
  int64_t from, to;
  if (!opa_is(a, OPA_NUMBER) || !opa_is(b, OPA_NUMBER)) return NULL;
  if (!number_as_int(a, &from) || !number_as_int(b, &to) || step <= 0) return NULL;
  uint64_t span = from <= to ? (uint64_t)to - (uint64_t)from : (uint64_t)from - (uint64_t)to;
  uint64_t count = span / (uint64_t)step + 1;
  if (count > RANGE_MAX) opa_abort("numbers.range: range too large");
  opa_value *r = opa_array_with_cap((int32_t)count);
  int64_t v = from;
  for (uint64_t i = 0; i < count; i++) {
    opa_array_append(r, opa_number_int(v));
    v = (int64_t)(from <= to ? (uint64_t)v + (uint64_t)step : (uint64_t)v - (uint64_t)step);
  }
  return r;
}

OPA_NATIVE("numbers.range") opa_value *opa_numbers_range(opa_value *a, opa_value *b) { return range(a, b, 1); }

OPA_NATIVE("numbers.range_step") opa_value *opa_numbers_range_step(opa_value *a, opa_value *b, opa_value *step) {
  int64_t s;
  if (!opa_is(step, OPA_NUMBER) || !number_is_integer(step)) return NULL;
  /* A step beyond int64 exceeds every span but the widest: it gives the first number only. */
  if (!number_as_int(step, &s)) s = number_compare(step, opa_number_int(0)) > 0 ? INT64_MAX : 0;
  return range(a, b, s);
}
