/* Heap allocator implementing the SDK's heap contract: a bump pointer that the host rewinds
 * between evaluations, plus per-size-class free lists for blocks freed within one evaluation. */
#include "opa.h"

#define HDR 8u
#define SMALL_MAX 512u
#define N_SMALL (SMALL_MAX / 8u)
#define N_CLASSES (N_SMALL + 23u)

typedef struct free_block {
  struct free_block *next;
} free_block;

static uint32_t heap_top;
static uint32_t heap_floor; /* the last rewind point: memory below it outlives this evaluation */
static bool heap_ready;
static uint32_t heap_epoch; /* counts rewinds: memory from an older epoch may be reused */
static free_block *free_lists[N_CLASSES];

static uint32_t size_class(uint32_t size, uint32_t *rounded) {
  if (size <= SMALL_MAX) {
    uint32_t s = (size + 7u) & ~7u;
    if (s == 0) s = 8;
    *rounded = s;
    return s / 8u - 1u;
  }
  uint32_t bits = 32u - (uint32_t)__builtin_clz(size - 1u); /* 2^bits >= size */
  *rounded = 1u << bits;
  return N_SMALL + (bits - 10u);
}

static void ensure_memory(uint32_t end) {
  uint32_t have = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
  if (end <= have) return;
  uint32_t pages = (end - have + 65535u) / 65536u;
  if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) opa_abort("opa_malloc: out of memory");
}

OPA_EXPORT void opa_malloc_init(uint32_t heap_base) {
  heap_top = (heap_base + 7u) & ~7u;
  heap_floor = heap_top;
  heap_ready = true;
  heap_epoch++;
  memset(free_lists, 0, sizeof(free_lists));
}

OPA_EXPORT void *opa_malloc(size_t size) {
  if (!heap_ready) opa_abort("opa_malloc: heap not initialized");
  if (size > 0x7fff0000u) opa_abort("opa_malloc: allocation too large");
  uint32_t rounded;
  uint32_t cls = size_class((uint32_t)size, &rounded);
  free_block *fb = free_lists[cls];
  if (fb != NULL) {
    free_lists[cls] = fb->next;
    return fb;
  }
  uint32_t start = heap_top;
  uint32_t end = start + HDR + rounded;
  if (end < start) opa_abort("opa_malloc: out of memory");
  ensure_memory(end);
  heap_top = end;
  *(uint32_t *)start = rounded;
  return (void *)(uintptr_t)(start + HDR);
}

OPA_EXPORT void opa_free(void *p) {
  if (p == NULL) return;
  uint32_t addr = (uint32_t)(uintptr_t)p;
  uint32_t size = *(uint32_t *)(uintptr_t)(addr - HDR);
  /* Blocks above the top belong to an abandoned heap generation; never recycle them. */
  if (addr >= heap_top) return;
  uint32_t rounded;
  uint32_t cls = size_class(size, &rounded);
  if (rounded != size) return; /* not a block we handed out */
  free_block *fb = p;
  fb->next = free_lists[cls];
  free_lists[cls] = fb;
}

void *opa_realloc(void *p, size_t size) {
  if (p == NULL) return opa_malloc(size);
  uint32_t addr = (uint32_t)(uintptr_t)p;
  uint32_t have = *(uint32_t *)(uintptr_t)(addr - HDR);
  if (size <= have) return p;
  if (addr + have == heap_top && addr >= heap_floor && size <= 0x7fff0000u) {
    /* The block ends at the top of the heap (a buffer or array still being built): grow it in
     * place rather than abandoning it. */
    uint32_t rounded;
    size_class((uint32_t)size, &rounded);
    ensure_memory(addr + rounded);
    heap_top = addr + rounded;
    *(uint32_t *)(uintptr_t)(addr - HDR) = rounded;
    return p;
  }
  void *n = opa_malloc(size);
  memcpy(n, p, have);
  opa_free(p);
  return n;
}

OPA_EXPORT uint32_t opa_heap_ptr_get(void) { return heap_top; }

/* The host rewinds the heap for every evaluation (and writes the input text just below the
 * new pointer before calling opa_eval), so no free block may survive: its link word could have
 * been overwritten and its memory now lies above the top. */
OPA_EXPORT void opa_heap_ptr_set(uint32_t p) {
  heap_top = (p + 7u) & ~7u;
  heap_floor = heap_top;
  heap_epoch++;
  ensure_memory(heap_top);
  memset(free_lists, 0, sizeof(free_lists));
}

/* Values below the floor (data, anything loaded before the last rewind) must not be given new
 * memory during an evaluation: it would be reclaimed by the next rewind while they still point
 * at it. Lazy caches check this first. */
bool opa_heap_is_current(const void *p) { return (uint32_t)(uintptr_t)p >= heap_floor; }

uint32_t opa_heap_epoch(void) { return heap_epoch; }
