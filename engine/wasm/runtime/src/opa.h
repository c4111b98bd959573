/* Shared declarations of the SemaMesh wasm runtime: value layout, allocator, helpers, exports. */
#ifndef OPA_H
#define OPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* OPA_EXPORT marks a function of the ABI (see ABI.md); OPA_NATIVE("rego.name") marks a native
 * builtin. scripts/build-runtime.sh reads both markers from the sources to build the wasm-ld
 * --export list and natives.json, so a marker must sit on the same line as the function name. */
#define OPA_EXPORT __attribute__((visibility("default")))
#define OPA_NATIVE(rego_name) OPA_EXPORT
#define OPA_STUB OPA_EXPORT __attribute__((noinline)) /* body replaced by the code generator */

enum {
  OPA_NULL = 1,
  OPA_BOOLEAN = 2,
  OPA_NUMBER = 3,
  OPA_STRING = 4,
  OPA_ARRAY = 5,
  OPA_OBJECT = 6,
  OPA_SET = 7,
};

/* Number representations. Every number is canonical (see number.c): integral values in the int64
 * range are INT, values whose shortest double form is exact are FLOAT, anything else keeps its
 * literal text as REF. Equal numbers therefore always share a representation. */
enum { NUM_INT = 1, NUM_FLOAT = 2, NUM_REF = 3 };

typedef struct opa_value {
  uint8_t type;
} opa_value;

typedef struct {
  uint8_t type;
  uint8_t v;
} opa_boolean_t;

typedef struct {
  uint8_t type;
  uint8_t repr;
  uint8_t ref_int; /* REF text is an integer (no fraction after normalisation) */
  uint8_t spelled_float; /* parsed from text with a fraction or exponent: sprintf's float64 */
  uint32_t ref_len;
  union {
    int64_t i;
    double f; /* FLOAT value, or nearest double of a REF */
  } v;
  const char *ref;
  uint32_t pad2;
} opa_number_t;

typedef struct {
  uint8_t type;
  uint8_t pad[3];
  uint32_t len;
  const char *data;
} opa_string_t;

typedef struct {
  uint8_t type;
  uint8_t pad[3];
  uint32_t len;
  uint32_t cap;
  opa_value **elems;
  opa_value **keys; /* index numbers handed out by opa_value_iter, created on first use */
} opa_array_t;

typedef struct {
  opa_value *k;
  opa_value *v; /* unused for sets */
  uint32_t hash;
} opa_entry_t;

/* Objects and sets share one table: entries are dense (kept sorted by key on demand, which is
 * the Rego iteration order) and an open-addressing index maps hashes to entry positions once
 * the table outgrows a linear scan. */
typedef struct {
  uint8_t type;
  uint8_t sorted;
  uint8_t pad[2];
  uint32_t len;
  uint32_t cap;
  opa_entry_t *e;
  uint32_t *index; /* slots hold entry position + 1; 0 = empty */
  uint32_t index_mask;
} opa_table_t;

typedef opa_table_t opa_object_t;
typedef opa_table_t opa_set_t;

/* ---- env imports (module "env") ---- */
__attribute__((import_module("env"), import_name("opa_abort"))) void opa_abort(const char *msg);
__attribute__((import_module("env"), import_name("opa_println"))) void opa_println(const char *msg);
__attribute__((import_module("env"), import_name("opa_builtin0"))) opa_value *opa_builtin0(int id, void *ctx);
__attribute__((import_module("env"), import_name("opa_builtin1"))) opa_value *opa_builtin1(int id, void *ctx,
                                                                                         opa_value *a);
__attribute__((import_module("env"), import_name("opa_builtin2"))) opa_value *opa_builtin2(int id, void *ctx,
                                                                                         opa_value *a,
                                                                                         opa_value *b);
__attribute__((import_module("env"), import_name("opa_builtin3"))) opa_value *opa_builtin3(int id, void *ctx,
                                                                                         opa_value *a,
                                                                                         opa_value *b,
                                                                                         opa_value *c);
__attribute__((import_module("env"), import_name("opa_builtin4"))) opa_value *opa_builtin4(
    int id, void *ctx, opa_value *a, opa_value *b, opa_value *c, opa_value *d);

/* ---- lib.c: the few libc pieces we need ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* ---- malloc.c ---- */
void opa_malloc_init(uint32_t heap_base);
void *opa_malloc(size_t size);
void opa_free(void *p);
void *opa_realloc(void *p, size_t size);
uint32_t opa_heap_ptr_get(void);
void opa_heap_ptr_set(uint32_t p);
bool opa_heap_is_current(const void *p);
uint32_t opa_heap_epoch(void); /* changes at every rewind: heap caches older than it are gone */

/* ---- str.c: growable byte buffer ---- */
typedef struct {
  char *buf;
  uint32_t len;
  uint32_t cap;
} opa_buf;

void buf_init(opa_buf *b, uint32_t cap);
void buf_reserve(opa_buf *b, uint32_t extra);
void buf_putc(opa_buf *b, char c);
void buf_put(opa_buf *b, const char *s, uint32_t n);
void buf_puts(opa_buf *b, const char *s);
void buf_put_i64(opa_buf *b, int64_t v);
char *buf_cstr(opa_buf *b); /* NUL-terminates and returns the buffer */
int fmt_i64(char *out, int64_t v);  /* writes decimal digits, returns length */
int fmt_u64(char *out, uint64_t v);

/* ---- unicode.c ---- */
int utf8_decode(const uint8_t *s, uint32_t len, uint32_t *cp); /* bytes used; invalid -> 1, U+FFFD */
int utf8_encode(uint32_t cp, char *out);
bool utf8_valid(const uint8_t *s, uint32_t len);
uint32_t utf8_count(const char *s, uint32_t len);
uint32_t unicode_lower(uint32_t cp);
uint32_t unicode_upper(uint32_t cp);
bool unicode_is_space(uint32_t cp);

/* ---- value.c ---- */
opa_value *opa_null(void);
opa_value *opa_boolean(int32_t v);
opa_value *opa_string(const char *s, uint32_t len);
opa_value *opa_string_copy(const char *s, uint32_t len);
opa_value *opa_string_alloc(uint32_t len, char **data); /* fresh string with len writable bytes */
opa_value *opa_string_terminated(const char *s);
opa_value *opa_array(void);
opa_value *opa_array_with_cap(int32_t cap);
void opa_array_append(opa_value *arr, opa_value *v);
int32_t opa_value_type(opa_value *v);
int32_t opa_value_compare(opa_value *a, opa_value *b);
int32_t opa_value_equal(opa_value *a, opa_value *b);
uint32_t opa_value_hash(opa_value *v);
opa_value *opa_value_get(opa_value *v, opa_value *key);
opa_value *opa_value_iter(opa_value *v, opa_value *prev);
uint32_t opa_value_length(opa_value *v);
opa_value *opa_value_shallow_copy(opa_value *v);
int32_t opa_value_boolean(opa_value *v);

static inline opa_string_t *opa_cast_string(opa_value *v) { return (opa_string_t *)v; }
static inline opa_array_t *opa_cast_array(opa_value *v) { return (opa_array_t *)v; }
static inline opa_table_t *opa_cast_table(opa_value *v) { return (opa_table_t *)v; }
static inline opa_number_t *opa_cast_number(opa_value *v) { return (opa_number_t *)v; }
static inline bool opa_is(opa_value *v, int t) { return v != NULL && v->type == t; }

/* ---- table.c: objects and sets ---- */
opa_value *opa_object(void);
opa_value *opa_set(void);
opa_value *opa_set_with_cap(uint32_t cap);
opa_value *opa_object_with_cap(uint32_t cap);
void opa_object_insert(opa_value *obj, opa_value *k, opa_value *v);
void opa_set_add(opa_value *set, opa_value *v);
opa_entry_t *table_find(opa_table_t *t, opa_value *k);
void table_sort(opa_table_t *t);
bool table_remove(opa_table_t *t, opa_value *k);
opa_value *table_get(opa_table_t *t, opa_value *k);
int table_compare(opa_table_t *a, opa_table_t *b);
bool table_equal(opa_table_t *a, opa_table_t *b);

/* ---- number.c / dtoa.c ---- */
opa_value *opa_number_int(int64_t i);
opa_value *opa_number_float(double f);
opa_value *opa_number_ref(const char *s, uint32_t len);
opa_value *number_from_text(const char *s, uint32_t len, bool copy); /* 0 on bad syntax */
void format_decimal_js(opa_buf *b, bool neg, const char *d, int k, int n);
int number_compare(opa_value *a, opa_value *b);
uint32_t number_hash(opa_value *a);
double number_as_double(opa_value *a);
bool number_as_int(opa_value *a, int64_t *out); /* exact int64 only */
bool number_is_integer(opa_value *a);
void number_dump(opa_buf *b, opa_value *a);
opa_value *number_add(opa_value *a, opa_value *b);
opa_value *number_sub(opa_value *a, opa_value *b);
opa_value *number_mul(opa_value *a, opa_value *b);
opa_value *number_div(opa_value *a, opa_value *b);
opa_value *number_rem(opa_value *a, opa_value *b);
opa_value *number_neg(opa_value *a);
/* bigfloat.c: + - * / on OPA's 64-bit-mantissa big.Float; NULL when out of its range */
opa_value *bigfloat_arith(char op, opa_value *a, opa_value *b);
opa_value *bigfloat_product(opa_value *coll); /* array or set of numbers */
int double_exact_digits(double x, char **digits, int *dp); /* x > 0; all digits, 0.d * 10^dp */

/* Canonical decimal: value = (neg ? -1 : 1) * 0.d[0]d[1]...d[nd-1] * 10^exp, no leading or
 * trailing zeros in d; nd == 0 means zero. */
typedef struct {
  bool neg;
  int nd;
  int exp;
  char d[800];
  bool truncated; /* more non-zero digits followed the 800 kept */
} decimal_t;

void number_to_decimal(opa_value *v, decimal_t *d);
bool bigfloat_decimal(opa_value *v, decimal_t *out); /* v rounded to big.Float's 64 bits, exactly */

bool decimal_parse(const char *s, uint32_t len, decimal_t *out); /* lenient number syntax */
double decimal_to_double(const decimal_t *d);                   /* correctly rounded */
int dtoa_shortest(double x, char *digits, int *exp10);            /* x > 0; returns digit count */
void dtoa_format(opa_buf *b, double x);                           /* JavaScript Number#toString */
int decimal_compare(const decimal_t *a, const decimal_t *b);

/* ---- json.c / dump.c ---- */
opa_value *opa_json_parse(const char *s, uint32_t len);
opa_value *opa_value_parse(const char *s, uint32_t len);
char *opa_json_dump(opa_value *v);
char *opa_value_dump(opa_value *v);
void json_dump_to(opa_buf *b, opa_value *v, bool rego);
void json_write_string(opa_buf *b, const char *s, uint32_t len);

/* ---- eval.c ---- */
void opa_runtime_error(const char *file, int32_t row, int32_t col, const char *msg);

/* ---- helpers for builtins ---- */
static inline bool is_collection(opa_value *v) {
  return v != NULL && (v->type == OPA_ARRAY || v->type == OPA_SET);
}
/* Iterates the elements of an array or set (sets in sorted order). */
#define FOR_EACH_ELEM(coll, var, ...)                                       \
  do {                                                                      \
    if ((coll)->type == OPA_ARRAY) {                                        \
      opa_array_t *fe_a_ = opa_cast_array(coll);                            \
      for (uint32_t fe_i_ = 0; fe_i_ < fe_a_->len; fe_i_++) {               \
        opa_value *var = fe_a_->elems[fe_i_];                               \
        __VA_ARGS__                                                         \
      }                                                                     \
    } else {                                                                \
      opa_table_t *fe_t_ = opa_cast_table(coll);                            \
      table_sort(fe_t_);                                                    \
      for (uint32_t fe_i_ = 0; fe_i_ < fe_t_->len; fe_i_++) {               \
        opa_value *var = fe_t_->e[fe_i_].k;                                 \
        __VA_ARGS__                                                         \
      }                                                                     \
    }                                                                       \
  } while (0)

#endif
