/* The evaluation ABI around the generated `eval`: eval contexts, opa_eval's fast path,
 * per-evaluation memoization, the dynamic-call mapping and runtime errors. */
#include "opa.h"

typedef struct {
  opa_value *input;
  opa_value *data;
  opa_value *result;
  int32_t entrypoint;
} opa_eval_ctx_t;

_Static_assert(sizeof(opa_eval_ctx_t) == 16, "ctx layout is part of the ABI");

int32_t eval(opa_eval_ctx_t *ctx); /* stub in stubs.c, replaced by the code generator */

OPA_EXPORT opa_eval_ctx_t *opa_eval_ctx_new(void) {
  opa_eval_ctx_t *ctx = opa_malloc(sizeof(opa_eval_ctx_t));
  memset(ctx, 0, sizeof(*ctx));
  return ctx;
}

OPA_EXPORT void opa_eval_ctx_set_input(opa_eval_ctx_t *ctx, opa_value *v) { ctx->input = v; }
OPA_EXPORT void opa_eval_ctx_set_data(opa_eval_ctx_t *ctx, opa_value *v) { ctx->data = v; }
OPA_EXPORT void opa_eval_ctx_set_entrypoint(opa_eval_ctx_t *ctx, int32_t ep) { ctx->entrypoint = ep; }
OPA_EXPORT opa_value *opa_eval_ctx_get_result(opa_eval_ctx_t *ctx) { return ctx->result; }

OPA_EXPORT char *opa_eval(int32_t reserved, int32_t entrypoint, opa_value *data, const char *input,
                          uint32_t input_len, uint32_t heap_ptr, int32_t format) {
  (void)reserved;
  opa_heap_ptr_set(heap_ptr);
  opa_eval_ctx_t ctx = {NULL, data, NULL, entrypoint};
  if (input_len > 0) {
    ctx.input = opa_value_parse(input, input_len);
    /* Refuse rather than evaluate as if no input had been given. */
    if (ctx.input == NULL) opa_abort("opa_eval: input is not valid JSON or Rego value text");
  }
  eval(&ctx);
  return format == 1 ? opa_value_dump(ctx.result) : opa_json_dump(ctx.result);
}

/* ---- memoization: a stack of small open-addressing maps func_id -> value ---- */

typedef struct memo_frame {
  struct memo_frame *prev;
  uint32_t len;
  uint32_t mask;
  int32_t *ids;
  opa_value **vals;
} memo_frame;

static memo_frame *memo;

static memo_frame *memo_frame_new(memo_frame *prev) {
  memo_frame *f = opa_malloc(sizeof(memo_frame));
  f->prev = prev;
  f->len = 0;
  f->mask = 15;
  f->ids = opa_malloc(16 * sizeof(int32_t));
  f->vals = opa_malloc(16 * sizeof(opa_value *));
  memset(f->vals, 0, 16 * sizeof(opa_value *));
  return f;
}

OPA_EXPORT void opa_memoize_init(void) { memo = memo_frame_new(NULL); }

OPA_EXPORT void opa_memoize_push(void) { memo = memo_frame_new(memo); }

OPA_EXPORT void opa_memoize_pop(void) {
  if (memo != NULL && memo->prev != NULL) memo = memo->prev;
}

static uint32_t memo_slot(memo_frame *f, int32_t id) {
  uint32_t slot = ((uint32_t)id * 2654435761u) & f->mask;
  while (f->vals[slot] != NULL && f->ids[slot] != id) slot = (slot + 1) & f->mask;
  return slot;
}

OPA_EXPORT void opa_memoize_insert(int32_t id, opa_value *v) {
  if (memo == NULL) opa_memoize_init();
  if (v == NULL) return;
  memo_frame *f = memo;
  if ((f->len + 1) * 2 > f->mask + 1) {
    uint32_t old_size = f->mask + 1;
    int32_t *ids = f->ids;
    opa_value **vals = f->vals;
    f->mask = old_size * 2 - 1;
    f->ids = opa_malloc(old_size * 2 * sizeof(int32_t));
    f->vals = opa_malloc(old_size * 2 * sizeof(opa_value *));
    memset(f->vals, 0, old_size * 2 * sizeof(opa_value *));
    for (uint32_t i = 0; i < old_size; i++) {
      if (vals[i] == NULL) continue;
      uint32_t s = memo_slot(f, ids[i]);
      f->ids[s] = ids[i];
      f->vals[s] = vals[i];
    }
    opa_free(ids);
    opa_free(vals);
  }
  uint32_t s = memo_slot(f, id);
  if (f->vals[s] == NULL) f->len++;
  f->ids[s] = id;
  f->vals[s] = v;
}

OPA_EXPORT opa_value *opa_memoize_get(int32_t id) {
  if (memo == NULL) return NULL;
  return memo->vals[memo_slot(memo, id)];
}

/* ---- host builtin arguments: the code generator records each call's arguments here before
 * calling opa_builtinN, so a host that reads arguments as JSON (sets become arrays) can read them
 * again with opa_value_dump, sets kept. ---- */

#define HOST_ARGS 4
static opa_value *host_args[HOST_ARGS];

OPA_EXPORT void opa_host_arg_set(int32_t i, opa_value *v) {
  if (i >= 0 && i < HOST_ARGS) host_args[i] = v;
}

OPA_EXPORT opa_value *opa_host_arg(int32_t i) { return i >= 0 && i < HOST_ARGS ? host_args[i] : NULL; }

/* ---- dynamic calls: {"pkg": {"rule": <function table index>}} ---- */

static opa_value *mapping;

OPA_EXPORT void opa_mapping_init(const char *s, uint32_t len) { mapping = opa_json_parse(s, len); }

OPA_EXPORT int32_t opa_mapping_lookup(opa_value *path) {
  if (!opa_is(path, OPA_ARRAY) || mapping == NULL) return 0;
  opa_array_t *p = opa_cast_array(path);
  opa_value *curr = mapping;
  for (uint32_t i = 0; i < p->len && curr != NULL; i++) {
    if (!opa_is(curr, OPA_OBJECT)) return 0;
    curr = opa_value_get(curr, p->elems[i]);
  }
  int64_t idx;
  if (!opa_is(curr, OPA_NUMBER) || !number_as_int(curr, &idx)) return 0;
  return (int32_t)idx;
}

/* ---- errors ---- */

OPA_EXPORT void opa_runtime_error(const char *file, int32_t row, int32_t col, const char *msg) {
  opa_buf b;
  buf_init(&b, 128);
  buf_puts(&b, file ? file : "");
  buf_putc(&b, ':');
  buf_put_i64(&b, row);
  buf_putc(&b, ':');
  buf_put_i64(&b, col);
  buf_put(&b, ": ", 2);
  buf_puts(&b, msg ? msg : "");
  opa_abort(buf_cstr(&b));
  __builtin_unreachable();
}
