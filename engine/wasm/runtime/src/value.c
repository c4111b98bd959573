/* Value constructors and the generic operations the generated code calls: type, Rego's total
 * order, equality, hashing, get/iter/length, copies, merges and path updates. */
#include "opa.h"

static opa_value null_value = {OPA_NULL};
static opa_boolean_t true_value = {OPA_BOOLEAN, 1};
static opa_boolean_t false_value = {OPA_BOOLEAN, 0};

OPA_EXPORT opa_value *opa_null(void) { return &null_value; }

OPA_EXPORT opa_value *opa_boolean(int32_t v) {
  return v ? (opa_value *)&true_value : (opa_value *)&false_value;
}

OPA_EXPORT int32_t opa_value_boolean(opa_value *v) {
  return opa_is(v, OPA_BOOLEAN) && ((opa_boolean_t *)v)->v ? 1 : 0;
}

OPA_EXPORT opa_value *opa_string(const char *s, uint32_t len) {
  opa_string_t *str = opa_malloc(sizeof(opa_string_t));
  str->type = OPA_STRING;
  str->len = len;
  str->data = s;
  return (opa_value *)str;
}

opa_value *opa_string_alloc(uint32_t len, char **data) {
  opa_string_t *str = opa_malloc(sizeof(opa_string_t) + len + 1);
  char *buf = (char *)(str + 1);
  str->type = OPA_STRING;
  str->len = len;
  str->data = buf;
  buf[len] = 0;
  *data = buf;
  return (opa_value *)str;
}

OPA_EXPORT opa_value *opa_string_copy(const char *s, uint32_t len) {
  char *buf;
  opa_value *v = opa_string_alloc(len, &buf);
  memcpy(buf, s, len);
  return v;
}

OPA_EXPORT opa_value *opa_string_terminated(const char *s) { return opa_string(s, (uint32_t)strlen(s)); }

OPA_EXPORT opa_value *opa_array_with_cap(int32_t cap) {
  opa_array_t *a = opa_malloc(sizeof(opa_array_t));
  memset(a, 0, sizeof(*a));
  a->type = OPA_ARRAY;
  if (cap > 0) {
    a->cap = (uint32_t)cap;
    a->elems = opa_malloc((uint32_t)cap * sizeof(opa_value *));
  }
  return (opa_value *)a;
}

opa_value *opa_array(void) { return opa_array_with_cap(0); }

OPA_EXPORT void opa_array_append(opa_value *arr, opa_value *v) {
  if (!opa_is(arr, OPA_ARRAY) || v == NULL) return;
  opa_array_t *a = opa_cast_array(arr);
  if (a->len == a->cap) {
    uint32_t cap = a->cap ? a->cap * 2 : 4;
    a->elems = opa_realloc(a->elems, cap * sizeof(opa_value *));
    if (a->keys) {
      a->keys = opa_realloc(a->keys, cap * sizeof(opa_value *));
      memset(a->keys + a->cap, 0, (cap - a->cap) * sizeof(opa_value *));
    }
    a->cap = cap;
  }
  a->elems[a->len++] = v;
}

OPA_EXPORT int32_t opa_value_type(opa_value *v) { return v ? v->type : 0; }

static int cmp_bytes(const char *a, uint32_t an, const char *b, uint32_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c) return c < 0 ? -1 : 1;
  return an < bn ? -1 : an > bn;
}

OPA_EXPORT int32_t opa_value_compare(opa_value *a, opa_value *b) {
  if (a == b) return 0;
  if (a == NULL) return -1;
  if (b == NULL) return 1;
  if (a->type != b->type) return a->type < b->type ? -1 : 1;
  switch (a->type) {
    case OPA_NULL:
      return 0;
    case OPA_BOOLEAN: {
      int x = ((opa_boolean_t *)a)->v, y = ((opa_boolean_t *)b)->v;
      return x < y ? -1 : x > y;
    }
    case OPA_NUMBER:
      return number_compare(a, b);
    case OPA_STRING: {
      opa_string_t *x = opa_cast_string(a), *y = opa_cast_string(b);
      return cmp_bytes(x->data, x->len, y->data, y->len);
    }
    case OPA_ARRAY: {
      opa_array_t *x = opa_cast_array(a), *y = opa_cast_array(b);
      uint32_t n = x->len < y->len ? x->len : y->len;
      for (uint32_t i = 0; i < n; i++) {
        int c = opa_value_compare(x->elems[i], y->elems[i]);
        if (c) return c;
      }
      return x->len < y->len ? -1 : x->len > y->len;
    }
    default:
      return table_compare(opa_cast_table(a), opa_cast_table(b));
  }
}

OPA_EXPORT int32_t opa_value_equal(opa_value *a, opa_value *b) {
  if (a == b) return 1;
  if (a == NULL || b == NULL || a->type != b->type) return 0;
  switch (a->type) {
    case OPA_STRING: {
      opa_string_t *x = opa_cast_string(a), *y = opa_cast_string(b);
      return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
    }
    case OPA_ARRAY: {
      opa_array_t *x = opa_cast_array(a), *y = opa_cast_array(b);
      if (x->len != y->len) return 0;
      for (uint32_t i = 0; i < x->len; i++) {
        if (!opa_value_equal(x->elems[i], y->elems[i])) return 0;
      }
      return 1;
    }
    case OPA_OBJECT:
    case OPA_SET:
      return table_equal(opa_cast_table(a), opa_cast_table(b));
    default:
      return opa_value_compare(a, b) == 0;
  }
}

static uint32_t mix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/* Consistent with opa_value_equal: equal numbers share a canonical representation, and tables
 * combine entry hashes with an order-independent sum. */
OPA_EXPORT uint32_t opa_value_hash(opa_value *v) {
  if (v == NULL) return 0;
  switch (v->type) {
    case OPA_NULL:
      return 0x9e3779b9u;
    case OPA_BOOLEAN:
      return ((opa_boolean_t *)v)->v ? 0x7f4a7c15u : 0x2545f491u;
    case OPA_NUMBER:
      return number_hash(v);
    case OPA_STRING: {
      opa_string_t *s = opa_cast_string(v);
      uint32_t h = 2166136261u;
      for (uint32_t i = 0; i < s->len; i++) h = (h ^ (uint8_t)s->data[i]) * 16777619u;
      return h;
    }
    case OPA_ARRAY: {
      opa_array_t *a = opa_cast_array(v);
      uint32_t h = 0x345678u;
      for (uint32_t i = 0; i < a->len; i++) h = (h * 1000003u) ^ opa_value_hash(a->elems[i]);
      return mix32(h ^ a->len);
    }
    case OPA_OBJECT: {
      opa_table_t *t = opa_cast_table(v);
      uint32_t h = 0x27d4eb2fu;
      for (uint32_t i = 0; i < t->len; i++) h += mix32(t->e[i].hash * 31u + opa_value_hash(t->e[i].v));
      return mix32(h);
    }
    default: {
      opa_table_t *t = opa_cast_table(v);
      uint32_t h = 0x165667b1u;
      for (uint32_t i = 0; i < t->len; i++) h += mix32(t->e[i].hash);
      return mix32(h ^ 0x5bd1e995u);
    }
  }
}

OPA_EXPORT opa_value *opa_value_get(opa_value *v, opa_value *key) {
  if (v == NULL || key == NULL) return NULL;
  switch (v->type) {
    case OPA_ARRAY: {
      int64_t i;
      if (!opa_is(key, OPA_NUMBER) || !number_as_int(key, &i)) return NULL;
      opa_array_t *a = opa_cast_array(v);
      return i >= 0 && (uint64_t)i < a->len ? a->elems[i] : NULL;
    }
    case OPA_OBJECT:
    case OPA_SET:
      return table_get(opa_cast_table(v), key);
    default:
      return NULL;
  }
}

static opa_value *array_key(opa_array_t *a, uint32_t i) {
  if (!opa_heap_is_current(a)) return opa_number_int(i);
  if (a->keys == NULL) {
    a->keys = opa_malloc(a->cap * sizeof(opa_value *));
    memset(a->keys, 0, a->cap * sizeof(opa_value *));
  }
  if (a->keys[i] == NULL) a->keys[i] = opa_number_int(i);
  return a->keys[i];
}

/* Keys in Rego order: array indices ascending, object keys and set elements sorted. */
OPA_EXPORT opa_value *opa_value_iter(opa_value *v, opa_value *prev) {
  if (v == NULL) return NULL;
  if (v->type == OPA_ARRAY) {
    opa_array_t *a = opa_cast_array(v);
    int64_t next = 0;
    if (prev != NULL) {
      if (!opa_is(prev, OPA_NUMBER) || !number_as_int(prev, &next)) return NULL;
      next++;
    }
    return next >= 0 && (uint64_t)next < a->len ? array_key(a, (uint32_t)next) : NULL;
  }
  if (v->type != OPA_OBJECT && v->type != OPA_SET) return NULL;
  opa_table_t *t = opa_cast_table(v);
  table_sort(t);
  uint32_t next = 0;
  if (prev != NULL) {
    opa_entry_t *e = table_find(t, prev);
    if (e == NULL) return NULL;
    next = (uint32_t)(e - t->e) + 1;
  }
  return next < t->len ? t->e[next].k : NULL;
}

OPA_EXPORT uint32_t opa_value_length(opa_value *v) {
  if (v == NULL) return 0;
  switch (v->type) {
    case OPA_ARRAY:
      return opa_cast_array(v)->len;
    case OPA_OBJECT:
    case OPA_SET:
      return opa_cast_table(v)->len;
    case OPA_STRING:
      return opa_cast_string(v)->len;
    default:
      return 0;
  }
}

OPA_EXPORT opa_value *opa_value_shallow_copy(opa_value *v) {
  if (v == NULL) return NULL;
  switch (v->type) {
    case OPA_NUMBER: {
      opa_number_t *n = opa_malloc(sizeof(opa_number_t));
      *n = *opa_cast_number(v);
      return (opa_value *)n;
    }
    case OPA_ARRAY: {
      opa_array_t *a = opa_cast_array(v);
      opa_value *r = opa_array_with_cap((int32_t)a->len);
      for (uint32_t i = 0; i < a->len; i++) opa_array_append(r, a->elems[i]);
      return r;
    }
    case OPA_OBJECT:
    case OPA_SET: {
      opa_table_t *t = opa_cast_table(v);
      opa_table_t *r = opa_cast_table(v->type == OPA_OBJECT ? opa_object_with_cap(t->len) : opa_set_with_cap(t->len));
      for (uint32_t i = 0; i < t->len; i++) r->e[i] = t->e[i];
      r->len = t->len;
      r->sorted = t->sorted;
      if (t->index) {
        r->index = opa_malloc((t->index_mask + 1) * 4);
        memcpy(r->index, t->index, (t->index_mask + 1) * 4);
        r->index_mask = t->index_mask;
      }
      return (opa_value *)r;
    }
    default:
      return v;
  }
}

/* Recursive merge of two objects (base and virtual documents); 0 when leaves conflict. */
OPA_EXPORT opa_value *opa_value_merge(opa_value *a, opa_value *b) {
  if (a == NULL) return b;
  if (b == NULL) return a;
  if (!opa_is(a, OPA_OBJECT) || !opa_is(b, OPA_OBJECT)) return NULL;
  opa_table_t *x = opa_cast_table(a), *y = opa_cast_table(b);
  opa_value *r = opa_object_with_cap(x->len + y->len);
  for (uint32_t i = 0; i < x->len; i++) {
    opa_value *other = table_get(y, x->e[i].k);
    opa_value *v = x->e[i].v;
    if (other != NULL) {
      v = opa_value_merge(v, other);
      if (v == NULL) return NULL;
    }
    opa_object_insert(r, x->e[i].k, v);
  }
  for (uint32_t i = 0; i < y->len; i++) {
    if (table_find(x, y->e[i].k) == NULL) opa_object_insert(r, y->e[i].k, y->e[i].v);
  }
  return r;
}

enum { OPA_ERR_OK = 0, OPA_ERR_INVALID_TYPE = 2, OPA_ERR_INVALID_PATH = 3 };

/* Sets the value at path (an array of keys) inside base, creating intermediate objects. */
OPA_EXPORT int32_t opa_value_add_path(opa_value *base, opa_value *path, opa_value *v) {
  if (!opa_is(path, OPA_ARRAY) || !opa_is(base, OPA_OBJECT)) return OPA_ERR_INVALID_TYPE;
  opa_array_t *p = opa_cast_array(path);
  if (p->len == 0) return OPA_ERR_INVALID_PATH;
  opa_value *curr = base;
  for (uint32_t i = 0; i + 1 < p->len; i++) {
    opa_value *next = opa_value_get(curr, p->elems[i]);
    if (next == NULL) {
      next = opa_object();
      opa_object_insert(curr, p->elems[i], next);
    }
    if (!opa_is(next, OPA_OBJECT)) return OPA_ERR_INVALID_PATH;
    curr = next;
  }
  opa_object_insert(curr, p->elems[p->len - 1], v);
  return OPA_ERR_OK;
}

OPA_EXPORT int32_t opa_value_remove_path(opa_value *base, opa_value *path) {
  if (!opa_is(path, OPA_ARRAY) || !opa_is(base, OPA_OBJECT)) return OPA_ERR_INVALID_TYPE;
  opa_array_t *p = opa_cast_array(path);
  if (p->len == 0) return OPA_ERR_INVALID_PATH;
  opa_value *curr = base;
  for (uint32_t i = 0; i + 1 < p->len; i++) {
    curr = opa_value_get(curr, p->elems[i]);
    if (!opa_is(curr, OPA_OBJECT)) return OPA_ERR_OK;
  }
  table_remove(opa_cast_table(curr), p->elems[p->len - 1]);
  return OPA_ERR_OK;
}
