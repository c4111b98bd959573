/* Native bitwise builtins on integers (bits.*); shifts beyond int64 stay exact via big integers. */
#include "opa.h"

static bool ints(opa_value *a, opa_value *b, int64_t *x, int64_t *y) {
  return opa_is(a, OPA_NUMBER) && opa_is(b, OPA_NUMBER) && number_as_int(a, x) && number_as_int(b, y);
}

OPA_NATIVE("bits.and") opa_value *opa_bits_and(opa_value *a, opa_value *b) {
  int64_t x, y;
  return ints(a, b, &x, &y) ? opa_number_int(x & y) : NULL;
}

OPA_NATIVE("bits.or") opa_value *opa_bits_or(opa_value *a, opa_value *b) {
  int64_t x, y;
  return ints(a, b, &x, &y) ? opa_number_int(x | y) : NULL;
}

OPA_NATIVE("bits.xor") opa_value *opa_bits_xor(opa_value *a, opa_value *b) {
  int64_t x, y;
  return ints(a, b, &x, &y) ? opa_number_int(x ^ y) : NULL;
}

OPA_NATIVE("bits.negate") opa_value *opa_bits_negate(opa_value *a) {
  int64_t x;
  if (!opa_is(a, OPA_NUMBER) || !number_as_int(a, &x)) return NULL;
  return opa_number_int(~x);
}

#define MAX_SHIFT 2048 /* keeps big results within the exact-integer range */

OPA_NATIVE("bits.lsh") opa_value *opa_bits_shiftleft(opa_value *a, opa_value *b) {
  int64_t x, s;
  if (!ints(a, b, &x, &s) || s < 0 || s > MAX_SHIFT) return NULL;
  if (x == 0) return opa_number_int(0);
  if (s < 63) {
    int64_t limit = INT64_MAX >> s;
    if (x <= limit && x >= -limit) return opa_number_int(x * ((int64_t)1 << s));
  }
  opa_value *r = a;
  for (int64_t left = s; left > 0; left -= 32) {
    int64_t step = left < 32 ? left : 32;
    r = number_mul(r, opa_number_int((int64_t)1 << step));
    if (r == NULL) return NULL;
  }
  return r;
}

/* Arithmetic shift: negative numbers round toward negative infinity, as Go's big.Int.Rsh. */
OPA_NATIVE("bits.rsh") opa_value *opa_bits_shiftright(opa_value *a, opa_value *b) {
  int64_t x, s;
  if (!ints(a, b, &x, &s) || s < 0) return NULL;
  if (s >= 63) return opa_number_int(x < 0 ? -1 : 0);
  return opa_number_int(x >> s);
}
