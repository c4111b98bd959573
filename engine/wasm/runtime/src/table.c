/* Hash tables backing objects and sets: dense entries sorted on demand (Rego iterates both in
 * key order) and an open-addressing index that is only built once a table outgrows a scan. */
#include "opa.h"

#define LINEAR_MAX 8u

static opa_value *table_new(uint8_t type, uint32_t cap) {
  opa_table_t *t = opa_malloc(sizeof(opa_table_t));
  memset(t, 0, sizeof(*t));
  t->type = type;
  t->sorted = 1;
  t->cap = cap;
  t->e = cap ? opa_malloc(cap * sizeof(opa_entry_t)) : NULL;
  return (opa_value *)t;
}

OPA_EXPORT opa_value *opa_object(void) { return table_new(OPA_OBJECT, 0); }
OPA_EXPORT opa_value *opa_set(void) { return table_new(OPA_SET, 0); }
opa_value *opa_object_with_cap(uint32_t cap) { return table_new(OPA_OBJECT, cap); }
opa_value *opa_set_with_cap(uint32_t cap) { return table_new(OPA_SET, cap); }

/* Refills the index in place: sorting may happen lazily on a data document during an evaluation,
 * and new memory given to it then would be reclaimed by the next heap rewind. */
static void index_fill(opa_table_t *t) {
  memset(t->index, 0, (t->index_mask + 1) * 4);
  for (uint32_t i = 0; i < t->len; i++) {
    uint32_t slot = t->e[i].hash & t->index_mask;
    while (t->index[slot]) slot = (slot + 1) & t->index_mask;
    t->index[slot] = i + 1;
  }
}

static void index_build(opa_table_t *t, uint32_t want) {
  uint32_t size = 16;
  while (size < want * 2) size *= 2;
  opa_free(t->index);
  t->index = opa_malloc(size * 4);
  t->index_mask = size - 1;
  index_fill(t);
}

static opa_entry_t *find_hashed(opa_table_t *t, opa_value *k, uint32_t h) {
  if (t->index == NULL) {
    for (uint32_t i = 0; i < t->len; i++) {
      if (t->e[i].hash == h && opa_value_equal(t->e[i].k, k)) return &t->e[i];
    }
    return NULL;
  }
  uint32_t slot = h & t->index_mask;
  while (t->index[slot]) {
    opa_entry_t *e = &t->e[t->index[slot] - 1];
    if (e->hash == h && opa_value_equal(e->k, k)) return e;
    slot = (slot + 1) & t->index_mask;
  }
  return NULL;
}

opa_entry_t *table_find(opa_table_t *t, opa_value *k) {
  if (t->len == 0 || k == NULL) return NULL;
  return find_hashed(t, k, opa_value_hash(k));
}

opa_value *table_get(opa_table_t *t, opa_value *k) {
  opa_entry_t *e = table_find(t, k);
  if (e == NULL) return NULL;
  return t->type == OPA_SET ? e->k : e->v;
}

static void table_put(opa_table_t *t, opa_value *k, opa_value *v, bool replace) {
  if (k == NULL) return;
  uint32_t h = opa_value_hash(k);
  opa_entry_t *found = t->len ? find_hashed(t, k, h) : NULL;
  if (found) {
    if (replace) found->v = v;
    return;
  }
  if (t->len == t->cap) {
    uint32_t cap = t->cap ? t->cap * 2 : 4;
    t->e = opa_realloc(t->e, cap * sizeof(opa_entry_t));
    t->cap = cap;
  }
  if (t->sorted && t->len > 0 && opa_value_compare(t->e[t->len - 1].k, k) > 0) t->sorted = 0;
  uint32_t pos = t->len++;
  t->e[pos].k = k;
  t->e[pos].v = v;
  t->e[pos].hash = h;
  if (t->index != NULL && t->len * 2 <= t->index_mask + 1) {
    uint32_t slot = h & t->index_mask;
    while (t->index[slot]) slot = (slot + 1) & t->index_mask;
    t->index[slot] = pos + 1;
  } else if (t->len > LINEAR_MAX) {
    index_build(t, t->len * 2);
  }
}

/* An undefined (0) value is ignored, like an undefined key: 0 never becomes a stored value. */
OPA_EXPORT void opa_object_insert(opa_value *obj, opa_value *k, opa_value *v) {
  if (!opa_is(obj, OPA_OBJECT) || v == NULL) return;
  table_put(opa_cast_table(obj), k, v, true);
}

OPA_EXPORT void opa_set_add(opa_value *set, opa_value *v) {
  if (!opa_is(set, OPA_SET)) return;
  table_put(opa_cast_table(set), v, NULL, false);
}

static void merge_runs(opa_entry_t *src, opa_entry_t *dst, uint32_t lo, uint32_t mid, uint32_t hi) {
  uint32_t i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    if (opa_value_compare(src[j].k, src[i].k) < 0) dst[k++] = src[j++];
    else dst[k++] = src[i++];
  }
  while (i < mid) dst[k++] = src[i++];
  while (j < hi) dst[k++] = src[j++];
}

void table_sort(opa_table_t *t) {
  if (t->sorted) return;
  uint32_t n = t->len;
  opa_entry_t *a = t->e;
  const uint32_t run = 8;
  for (uint32_t lo = 0; lo < n; lo += run) { /* insertion-sort short runs */
    uint32_t hi = lo + run < n ? lo + run : n;
    for (uint32_t i = lo + 1; i < hi; i++) {
      opa_entry_t x = a[i];
      uint32_t j = i;
      while (j > lo && opa_value_compare(a[j - 1].k, x.k) > 0) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = x;
    }
  }
  if (n > run) {
    opa_entry_t *tmp = opa_malloc(n * sizeof(opa_entry_t));
    opa_entry_t *src = a, *dst = tmp;
    for (uint32_t width = run; width < n; width *= 2) {
      for (uint32_t lo = 0; lo < n; lo += 2 * width) {
        uint32_t mid = lo + width < n ? lo + width : n;
        uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
        merge_runs(src, dst, lo, mid, hi);
      }
      opa_entry_t *sw = src;
      src = dst;
      dst = sw;
    }
    if (src != a) memcpy(a, src, n * sizeof(opa_entry_t));
    opa_free(tmp);
  }
  t->sorted = 1;
  if (t->index) index_fill(t);
}

bool table_remove(opa_table_t *t, opa_value *k) {
  opa_entry_t *e = table_find(t, k);
  if (e == NULL) return false;
  uint32_t pos = (uint32_t)(e - t->e);
  memmove(&t->e[pos], &t->e[pos + 1], (t->len - pos - 1) * sizeof(opa_entry_t));
  t->len--;
  if (t->index) index_fill(t);
  return true;
}

/* Rego's order for objects and sets: walk both in key order comparing key, then value. */
int table_compare(opa_table_t *a, opa_table_t *b) {
  table_sort(a);
  table_sort(b);
  uint32_t n = a->len < b->len ? a->len : b->len;
  for (uint32_t i = 0; i < n; i++) {
    int c = opa_value_compare(a->e[i].k, b->e[i].k);
    if (c) return c;
    if (a->type == OPA_OBJECT) {
      c = opa_value_compare(a->e[i].v, b->e[i].v);
      if (c) return c;
    }
  }
  return a->len < b->len ? -1 : a->len > b->len;
}

bool table_equal(opa_table_t *a, opa_table_t *b) {
  if (a->len != b->len) return false;
  for (uint32_t i = 0; i < a->len; i++) {
    opa_entry_t *f = find_hashed(b, a->e[i].k, a->e[i].hash);
    if (f == NULL) return false;
    if (a->type == OPA_OBJECT && !opa_value_equal(a->e[i].v, f->v)) return false;
  }
  return true;
}
