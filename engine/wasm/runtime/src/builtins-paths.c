/* Native builtins that select or prune documents by paths (json.filter, json.remove) and walk
 * graphs (graph.reachable). */
#include "opa.h"

static opa_value *leaf(void) { return opa_boolean(1); }
static bool is_leaf(opa_value *node) { return opa_is(node, OPA_BOOLEAN); }

/* Adds one path to the tree {segment: subtree | true}; `true` marks a selected whole subtree. */
static void tree_add(opa_value *root, opa_value **segs, uint32_t n) {
  opa_value *node = root;
  for (uint32_t i = 0; i + 1 < n; i++) {
    opa_value *child = opa_value_get(node, segs[i]);
    if (child != NULL && is_leaf(child)) return;
    if (child == NULL) {
      child = opa_object();
      opa_object_insert(node, segs[i], child);
    }
    node = child;
  }
  if (n > 0) opa_object_insert(node, segs[n - 1], leaf());
}

/* "a/b/c" (a leading slash is ignored; ~1 and ~0 unescape to / and ~) or an array of keys. */
static bool add_path(opa_value *root, opa_value *path) {
  if (opa_is(path, OPA_ARRAY)) {
    opa_array_t *a = opa_cast_array(path);
    tree_add(root, a->elems, a->len);
    return true;
  }
  if (!opa_is(path, OPA_STRING)) return false;
  const char *s = opa_cast_string(path)->data;
  uint32_t n = opa_cast_string(path)->len, i = n > 0 && s[0] == '/' ? 1 : 0;
  opa_value *segs = opa_array();
  while (i <= n) {
    uint32_t j = i;
    while (j < n && s[j] != '/') j++;
    char *out;
    opa_value *seg = opa_string_alloc(j - i, &out);
    uint32_t o = 0;
    for (uint32_t k = i; k < j; k++) {
      if (s[k] == '~' && k + 1 < j && (s[k + 1] == '0' || s[k + 1] == '1')) {
        out[o++] = s[++k] == '0' ? '~' : '/';
      } else {
        out[o++] = s[k];
      }
    }
    opa_cast_string(seg)->len = o;
    opa_array_append(segs, seg);
    i = j + 1;
  }
  tree_add(root, opa_cast_array(segs)->elems, opa_cast_array(segs)->len);
  return true;
}

static opa_value *path_tree(opa_value *paths) {
  if (!is_collection(paths)) return NULL;
  opa_value *root = opa_object();
  FOR_EACH_ELEM(paths, p, {
    if (!add_path(root, p)) return NULL;
  });
  return root;
}

/* The subtree for array index i, whether the path spelled it as a number or a string. */
static opa_value *index_child(opa_value *node, uint32_t i) {
  opa_value *child = opa_value_get(node, opa_number_int(i));
  if (child != NULL) return child;
  char tmp[12];
  int n = fmt_u64(tmp, i);
  return opa_value_get(node, opa_string_copy(tmp, (uint32_t)n));
}

static opa_value *filter(opa_value *v, opa_value *node) {
  if (is_leaf(node)) return v;
  if (opa_is(v, OPA_OBJECT)) {
    opa_table_t *t = opa_cast_table(v);
    opa_value *r = opa_object();
    for (uint32_t i = 0; i < t->len; i++) {
      opa_value *child = opa_value_get(node, t->e[i].k);
      opa_value *kept = child ? filter(t->e[i].v, child) : NULL;
      if (kept) opa_object_insert(r, t->e[i].k, kept);
    }
    return r;
  }
  if (opa_is(v, OPA_ARRAY)) {
    opa_array_t *a = opa_cast_array(v);
    opa_value *r = opa_array();
    for (uint32_t i = 0; i < a->len; i++) {
      opa_value *child = index_child(node, i);
      opa_value *kept = child ? filter(a->elems[i], child) : NULL;
      if (kept) opa_array_append(r, kept);
    }
    return r;
  }
  if (opa_is(v, OPA_SET)) {
    opa_table_t *t = opa_cast_table(v);
    opa_value *r = opa_set();
    for (uint32_t i = 0; i < t->len; i++) {
      opa_value *child = opa_value_get(node, t->e[i].k);
      opa_value *kept = child ? filter(t->e[i].k, child) : NULL;
      if (kept) opa_set_add(r, kept);
    }
    return r;
  }
  return NULL;
}

static opa_value *prune(opa_value *v, opa_value *node) {
  if (opa_is(v, OPA_OBJECT)) {
    opa_table_t *t = opa_cast_table(v);
    opa_value *r = opa_object();
    for (uint32_t i = 0; i < t->len; i++) {
      opa_value *child = opa_value_get(node, t->e[i].k);
      if (child && is_leaf(child)) continue;
      opa_object_insert(r, t->e[i].k, child ? prune(t->e[i].v, child) : t->e[i].v);
    }
    return r;
  }
  if (opa_is(v, OPA_ARRAY)) {
    opa_array_t *a = opa_cast_array(v);
    opa_value *r = opa_array();
    for (uint32_t i = 0; i < a->len; i++) {
      opa_value *child = index_child(node, i);
      if (child && is_leaf(child)) continue;
      opa_array_append(r, child ? prune(a->elems[i], child) : a->elems[i]);
    }
    return r;
  }
  if (opa_is(v, OPA_SET)) {
    opa_table_t *t = opa_cast_table(v);
    opa_value *r = opa_set();
    for (uint32_t i = 0; i < t->len; i++) {
      opa_value *child = opa_value_get(node, t->e[i].k);
      if (child && is_leaf(child)) continue;
      opa_set_add(r, child ? prune(t->e[i].k, child) : t->e[i].k);
    }
    return r;
  }
  return v;
}

OPA_NATIVE("json.filter") opa_value *opa_json_filter(opa_value *obj, opa_value *paths) {
  if (!opa_is(obj, OPA_OBJECT)) return NULL;
  opa_value *tree = path_tree(paths);
  if (tree == NULL) return NULL;
  opa_value *r = filter(obj, tree);
  return r ? r : opa_object();
}

OPA_NATIVE("json.remove") opa_value *opa_json_remove(opa_value *obj, opa_value *paths) {
  if (!opa_is(obj, OPA_OBJECT)) return NULL;
  opa_value *tree = path_tree(paths);
  return tree ? prune(obj, tree) : NULL;
}

/* Breadth-first from the initial nodes; only nodes that are keys of the graph are reached. */
OPA_NATIVE("graph.reachable") opa_value *opa_graph_reachable(opa_value *graph, opa_value *initial) {
  if (!opa_is(graph, OPA_OBJECT) || !is_collection(initial)) return NULL;
  opa_value *queue = opa_array();
  FOR_EACH_ELEM(initial, x, { opa_array_append(queue, x); });
  opa_value *reached = opa_set();
  opa_table_t *seen = opa_cast_table(reached);
  for (uint32_t head = 0; head < opa_cast_array(queue)->len; head++) {
    opa_value *node = opa_cast_array(queue)->elems[head];
    opa_value *edges = opa_value_get(graph, node);
    if (edges == NULL || table_find(seen, node) != NULL) continue;
    opa_set_add(reached, node);
    if (!is_collection(edges)) continue;
    FOR_EACH_ELEM(edges, next, {
      if (table_find(seen, next) == NULL) opa_array_append(queue, next);
    });
  }
  return reached;
}
