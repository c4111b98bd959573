/* Native builtins on arrays and objects (array.*, object.*) and walk. */
#include "opa.h"

OPA_NATIVE("array.concat") opa_value *opa_array_concat(opa_value *a, opa_value *b) {
  if (!opa_is(a, OPA_ARRAY) || !opa_is(b, OPA_ARRAY)) return NULL;
  opa_array_t *x = opa_cast_array(a), *y = opa_cast_array(b);
  opa_value *r = opa_array_with_cap((int32_t)(x->len + y->len));
  for (uint32_t i = 0; i < x->len; i++) opa_array_append(r, x->elems[i]);
  for (uint32_t i = 0; i < y->len; i++) opa_array_append(r, y->elems[i]);
  return r;
}

OPA_NATIVE("array.slice") opa_value *opa_array_slice(opa_value *a, opa_value *start, opa_value *stop) {
  int64_t from, to;
  if (!opa_is(a, OPA_ARRAY) || !opa_is(start, OPA_NUMBER) || !opa_is(stop, OPA_NUMBER)) return NULL;
  if (!number_as_int(start, &from) || !number_as_int(stop, &to)) return NULL;
  opa_array_t *x = opa_cast_array(a);
  if (from < 0) from = 0;
  if (to > (int64_t)x->len) to = x->len;
  if (from >= to) return opa_array();
  opa_value *r = opa_array_with_cap((int32_t)(to - from));
  for (int64_t i = from; i < to; i++) opa_array_append(r, x->elems[i]);
  return r;
}

OPA_NATIVE("array.reverse") opa_value *opa_array_reverse(opa_value *a) {
  if (!opa_is(a, OPA_ARRAY)) return NULL;
  opa_array_t *x = opa_cast_array(a);
  opa_value *r = opa_array_with_cap((int32_t)x->len);
  for (uint32_t i = x->len; i > 0; i--) opa_array_append(r, x->elems[i - 1]);
  return r;
}

/* Unpacks one level: elements that are arrays contribute their elements, others themselves. */
OPA_NATIVE("array.flatten") opa_value *opa_array_flatten(opa_value *a) {
  if (!opa_is(a, OPA_ARRAY)) return NULL;
  opa_array_t *x = opa_cast_array(a);
  opa_value *r = opa_array_with_cap((int32_t)x->len);
  for (uint32_t i = 0; i < x->len; i++) {
    opa_value *e = x->elems[i];
    if (!opa_is(e, OPA_ARRAY)) {
      opa_array_append(r, e);
      continue;
    }
    opa_array_t *inner = opa_cast_array(e);
    for (uint32_t j = 0; j < inner->len; j++) opa_array_append(r, inner->elems[j]);
  }
  return r;
}

/* A key given as an array is a path walked through objects, arrays and sets. */
OPA_NATIVE("object.get") opa_value *opa_object_get(opa_value *obj, opa_value *key, opa_value *dflt) {
  if (!opa_is(obj, OPA_OBJECT) || key == NULL || dflt == NULL) return NULL;
  if (!opa_is(key, OPA_ARRAY)) {
    opa_value *v = opa_value_get(obj, key);
    return v ? v : dflt;
  }
  opa_array_t *path = opa_cast_array(key);
  opa_value *curr = obj;
  for (uint32_t i = 0; i < path->len; i++) {
    curr = opa_value_get(curr, path->elems[i]);
    if (curr == NULL) return dflt;
  }
  return curr;
}

OPA_NATIVE("object.keys") opa_value *opa_object_keys(opa_value *obj) {
  if (!opa_is(obj, OPA_OBJECT)) return NULL;
  opa_table_t *t = opa_cast_table(obj);
  opa_value *r = opa_set_with_cap(t->len);
  for (uint32_t i = 0; i < t->len; i++) opa_set_add(r, t->e[i].k);
  return r;
}

/* Keys named by an array, set or object (its keys) operand, as a set; 0 for other types. */
static opa_value *key_set(opa_value *keys) {
  if (keys == NULL) return NULL;
  if (keys->type == OPA_OBJECT) return opa_object_keys(keys);
  if (keys->type == OPA_SET) return keys;
  if (keys->type != OPA_ARRAY) return NULL;
  opa_value *r = opa_set();
  opa_array_t *a = opa_cast_array(keys);
  for (uint32_t i = 0; i < a->len; i++) opa_set_add(r, a->elems[i]);
  return r;
}

static opa_value *select_keys(opa_value *obj, opa_value *keys, bool keep) {
  if (!opa_is(obj, OPA_OBJECT)) return NULL;
  opa_value *ks = key_set(keys);
  if (ks == NULL) return NULL;
  opa_table_t *t = opa_cast_table(obj), *k = opa_cast_table(ks);
  opa_value *r = opa_object();
  for (uint32_t i = 0; i < t->len; i++) {
    if ((table_find(k, t->e[i].k) != NULL) == keep) opa_object_insert(r, t->e[i].k, t->e[i].v);
  }
  return r;
}

OPA_NATIVE("object.remove") opa_value *opa_object_remove(opa_value *obj, opa_value *keys) {
  return select_keys(obj, keys, false);
}

OPA_NATIVE("object.filter") opa_value *opa_object_filter(opa_value *obj, opa_value *keys) {
  return select_keys(obj, keys, true);
}

/* Recursive merge where b wins unless both sides hold objects. */
static opa_value *union_objects(opa_value *a, opa_value *b) {
  opa_table_t *x = opa_cast_table(a), *y = opa_cast_table(b);
  opa_value *r = opa_object_with_cap(x->len + y->len);
  for (uint32_t i = 0; i < x->len; i++) {
    opa_value *other = table_get(y, x->e[i].k), *v = x->e[i].v;
    if (other != NULL) v = opa_is(v, OPA_OBJECT) && opa_is(other, OPA_OBJECT) ? union_objects(v, other) : other;
    opa_object_insert(r, x->e[i].k, v);
  }
  for (uint32_t i = 0; i < y->len; i++) {
    if (table_find(x, y->e[i].k) == NULL) opa_object_insert(r, y->e[i].k, y->e[i].v);
  }
  return r;
}

OPA_NATIVE("object.union") opa_value *opa_object_union(opa_value *a, opa_value *b) {
  if (!opa_is(a, OPA_OBJECT) || !opa_is(b, OPA_OBJECT)) return NULL;
  return union_objects(a, b);
}

OPA_NATIVE("object.union_n") opa_value *opa_object_union_n(opa_value *objs) {
  if (!opa_is(objs, OPA_ARRAY)) return NULL;
  opa_value *r = opa_object();
  opa_array_t *a = opa_cast_array(objs);
  for (uint32_t i = 0; i < a->len; i++) {
    if (!opa_is(a->elems[i], OPA_OBJECT)) return NULL;
    r = union_objects(r, a->elems[i]);
  }
  return r;
}

static bool is_subset(opa_value *super, opa_value *sub);

static bool array_contains_run(opa_array_t *super, opa_array_t *sub) {
  if (sub->len == 0) return true;
  for (uint32_t i = 0; i + sub->len <= super->len; i++) {
    uint32_t j = 0;
    while (j < sub->len && opa_value_equal(super->elems[i + j], sub->elems[j])) j++;
    if (j == sub->len) return true;
  }
  return false;
}

/* OPA's object.subset: objects recurse, sets test membership, arrays test for a contiguous run,
 * an array super with a set sub tests membership; anything else must be equal. */
static bool is_subset(opa_value *super, opa_value *sub) {
  if (opa_is(super, OPA_OBJECT) && opa_is(sub, OPA_OBJECT)) {
    opa_table_t *t = opa_cast_table(sub);
    for (uint32_t i = 0; i < t->len; i++) {
      opa_value *v = opa_value_get(super, t->e[i].k);
      if (v == NULL || !is_subset(v, t->e[i].v)) return false;
    }
    return true;
  }
  if (opa_is(super, OPA_SET) && opa_is(sub, OPA_SET)) {
    opa_table_t *t = opa_cast_table(sub);
    for (uint32_t i = 0; i < t->len; i++) {
      if (table_find(opa_cast_table(super), t->e[i].k) == NULL) return false;
    }
    return true;
  }
  if (opa_is(super, OPA_ARRAY) && opa_is(sub, OPA_ARRAY)) return array_contains_run(opa_cast_array(super), opa_cast_array(sub));
  if (opa_is(super, OPA_ARRAY) && opa_is(sub, OPA_SET)) {
    opa_table_t *t = opa_cast_table(sub);
    opa_array_t *a = opa_cast_array(super);
    for (uint32_t i = 0; i < t->len; i++) {
      bool found = false;
      for (uint32_t j = 0; j < a->len && !found; j++) found = opa_value_equal(a->elems[j], t->e[i].k);
      if (!found) return false;
    }
    return true;
  }
  return opa_value_equal(super, sub);
}

OPA_NATIVE("object.subset") opa_value *opa_object_subset(opa_value *super, opa_value *sub) {
  if (super == NULL || sub == NULL) return NULL;
  bool ok = (opa_is(super, OPA_OBJECT) && opa_is(sub, OPA_OBJECT)) || (opa_is(super, OPA_SET) && opa_is(sub, OPA_SET)) ||
            (opa_is(super, OPA_ARRAY) && (opa_is(sub, OPA_ARRAY) || opa_is(sub, OPA_SET)));
  if (!ok) return NULL;
  return opa_boolean(is_subset(super, sub));
}

static void walk_into(opa_value *out, opa_value *path, opa_value *v) {
  opa_value *pair = opa_array_with_cap(2);
  opa_array_append(pair, path);
  opa_array_append(pair, v);
  opa_array_append(out, pair);
  uint32_t n = opa_value_length(v);
  if (v->type != OPA_ARRAY && v->type != OPA_OBJECT && v->type != OPA_SET) return;
  opa_array_t *p = opa_cast_array(path);
  for (opa_value *k = opa_value_iter(v, NULL); k != NULL && n > 0; k = opa_value_iter(v, k)) {
    opa_value *child = opa_array_with_cap((int32_t)p->len + 1);
    for (uint32_t i = 0; i < p->len; i++) opa_array_append(child, p->elems[i]);
    opa_array_append(child, k);
    walk_into(out, child, opa_value_get(v, k));
  }
}

/* walk is a relation; natively it returns every [path, value] pair (pre-order, children in
 * key order) as one array that the generated code scans. */
OPA_NATIVE("walk") opa_value *opa_value_walk(opa_value *v) {
  if (v == NULL) return NULL;
  opa_value *out = opa_array();
  walk_into(out, opa_array(), v);
  return out;
}
