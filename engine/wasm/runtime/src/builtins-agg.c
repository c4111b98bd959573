/* Native builtins over collections: aggregates (count, sum, max, sort, ...), set algebra
 * (and, or, intersection, union) and the membership helpers behind `in`. */
#include "opa.h"

OPA_NATIVE("count") opa_value *opa_agg_count(opa_value *v) {
  if (v == NULL) return NULL;
  switch (v->type) {
    case OPA_STRING:
      return opa_number_int(utf8_count(opa_cast_string(v)->data, opa_cast_string(v)->len));
    case OPA_ARRAY:
    case OPA_OBJECT:
    case OPA_SET:
      return opa_number_int(opa_value_length(v));
    default:
      return NULL;
  }
}

/* sum adds like plus (exact integers, else OPA's 64-bit big.Float); product multiplies exact
 * integers, else rounds to float64 precision at each step as OPA does (bigfloat.c). */
static opa_value *fold_numbers(opa_value *coll, bool product) {
  if (!is_collection(coll)) return NULL;
  bool ints = true;
  FOR_EACH_ELEM(coll, x, {
    if (!opa_is(x, OPA_NUMBER)) return NULL;
    ints = ints && number_is_integer(x);
  });
  if (product && !ints) return bigfloat_product(coll);
  opa_value *acc = opa_number_int(product ? 1 : 0);
  FOR_EACH_ELEM(coll, x, {
    acc = product ? number_mul(acc, x) : number_add(acc, x);
    if (acc == NULL) return NULL;
  });
  return acc;
}

OPA_NATIVE("sum") opa_value *opa_agg_sum(opa_value *coll) { return fold_numbers(coll, false); }
OPA_NATIVE("product") opa_value *opa_agg_product(opa_value *coll) { return fold_numbers(coll, true); }

static opa_value *extreme(opa_value *coll, int sign) {
  if (!is_collection(coll)) return NULL;
  opa_value *best = NULL;
  FOR_EACH_ELEM(coll, x, {
    if (best == NULL || opa_value_compare(x, best) * sign > 0) best = x;
  });
  return best;
}

OPA_NATIVE("max") opa_value *opa_agg_max(opa_value *coll) { return extreme(coll, 1); }
OPA_NATIVE("min") opa_value *opa_agg_min(opa_value *coll) { return extreme(coll, -1); }

OPA_NATIVE("sort") opa_value *opa_agg_sort(opa_value *coll) {
  if (!is_collection(coll)) return NULL;
  uint32_t n = opa_value_length(coll);
  /* Sets already iterate in order; arrays (which may hold duplicates) get a stable merge sort. */
  opa_value **items = opa_malloc((n ? n : 1) * sizeof(opa_value *));
  uint32_t i = 0;
  FOR_EACH_ELEM(coll, x, { items[i++] = x; });
  if (coll->type == OPA_ARRAY && n > 1) {
    opa_value **tmp = opa_malloc(n * sizeof(opa_value *));
    for (uint32_t width = 1; width < n; width *= 2) {
      for (uint32_t lo = 0; lo < n; lo += 2 * width) {
        uint32_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
        uint32_t a = lo, b = mid, k = lo;
        while (a < mid && b < hi) tmp[k++] = opa_value_compare(items[b], items[a]) < 0 ? items[b++] : items[a++];
        while (a < mid) tmp[k++] = items[a++];
        while (b < hi) tmp[k++] = items[b++];
      }
      opa_value **sw = items;
      items = tmp;
      tmp = sw;
    }
    opa_free(tmp);
  }
  opa_value *r = opa_array_with_cap((int32_t)n);
  for (i = 0; i < n; i++) opa_array_append(r, items[i]);
  opa_free(items);
  return r;
}

OPA_NATIVE("all") opa_value *opa_agg_all(opa_value *coll) {
  if (!is_collection(coll)) return NULL;
  FOR_EACH_ELEM(coll, x, {
    if (!opa_value_boolean(x)) return opa_boolean(0);
  });
  return opa_boolean(1);
}

OPA_NATIVE("any") opa_value *opa_agg_any(opa_value *coll) {
  if (!is_collection(coll)) return NULL;
  FOR_EACH_ELEM(coll, x, {
    if (opa_value_boolean(x)) return opa_boolean(1);
  });
  return opa_boolean(0);
}

static opa_value *intersect2(opa_value *a, opa_value *b) {
  opa_table_t *x = opa_cast_table(a), *y = opa_cast_table(b);
  if (y->len < x->len) {
    opa_table_t *t = x;
    x = y;
    y = t;
  }
  opa_value *r = opa_set_with_cap(x->len);
  for (uint32_t i = 0; i < x->len; i++) {
    if (table_find(y, x->e[i].k) != NULL) opa_set_add(r, x->e[i].k);
  }
  return r;
}

static void union_into(opa_value *r, opa_value *s) {
  opa_table_t *t = opa_cast_table(s);
  for (uint32_t i = 0; i < t->len; i++) opa_set_add(r, t->e[i].k);
}

OPA_NATIVE("and") opa_value *opa_set_intersection(opa_value *a, opa_value *b) {
  if (!opa_is(a, OPA_SET) || !opa_is(b, OPA_SET)) return NULL;
  return intersect2(a, b);
}

OPA_NATIVE("or") opa_value *opa_set_union(opa_value *a, opa_value *b) {
  if (!opa_is(a, OPA_SET) || !opa_is(b, OPA_SET)) return NULL;
  opa_value *r = opa_set_with_cap(opa_value_length(a) + opa_value_length(b));
  union_into(r, a);
  union_into(r, b);
  return r;
}

OPA_NATIVE("intersection") opa_value *opa_sets_intersection(opa_value *sets) {
  if (!opa_is(sets, OPA_SET)) return NULL;
  opa_value *r = NULL;
  opa_table_t *t = opa_cast_table(sets);
  for (uint32_t i = 0; i < t->len; i++) {
    if (!opa_is(t->e[i].k, OPA_SET)) return NULL;
    r = r == NULL ? t->e[i].k : intersect2(r, t->e[i].k);
  }
  return r == NULL ? opa_set() : r;
}

OPA_NATIVE("union") opa_value *opa_sets_union(opa_value *sets) {
  if (!opa_is(sets, OPA_SET)) return NULL;
  opa_value *r = opa_set();
  opa_table_t *t = opa_cast_table(sets);
  for (uint32_t i = 0; i < t->len; i++) {
    if (!opa_is(t->e[i].k, OPA_SET)) return NULL;
    union_into(r, t->e[i].k);
  }
  return r;
}

/* `x in coll`: true when x is an element of a set or a value of an array or object. */
OPA_NATIVE("internal.member_2") opa_value *opa_member_2(opa_value *x, opa_value *coll) {
  if (coll == NULL || x == NULL) return NULL;
  switch (coll->type) {
    case OPA_SET:
      return opa_boolean(table_find(opa_cast_table(coll), x) != NULL);
    case OPA_ARRAY: {
      opa_array_t *a = opa_cast_array(coll);
      for (uint32_t i = 0; i < a->len; i++) {
        if (opa_value_equal(a->elems[i], x)) return opa_boolean(1);
      }
      return opa_boolean(0);
    }
    case OPA_OBJECT: {
      opa_table_t *t = opa_cast_table(coll);
      for (uint32_t i = 0; i < t->len; i++) {
        if (opa_value_equal(t->e[i].v, x)) return opa_boolean(1);
      }
      return opa_boolean(0);
    }
    default:
      return opa_boolean(0);
  }
}

/* `k, v in coll`: coll[k] == v for arrays and objects; for a set, k and v are both the element. */
OPA_NATIVE("internal.member_3") opa_value *opa_member_3(opa_value *k, opa_value *v, opa_value *coll) {
  if (coll == NULL || k == NULL || v == NULL) return NULL;
  if (coll->type != OPA_ARRAY && coll->type != OPA_OBJECT && coll->type != OPA_SET) return opa_boolean(0);
  opa_value *found = opa_value_get(coll, k);
  return opa_boolean(found != NULL && opa_value_equal(found, v));
}
