/* Compiles the tree of regex-parse.c into instructions and runs them with a Pike VM: all threads
 * advance together over the input, one rune at a time, so matching is O(len(input) x len(program))
 * whatever the pattern (no catastrophic backtracking). Thread order gives Go's leftmost-first
 * semantics, including lazy repetitions and submatch positions. */
#include "regex.h"

enum { OP_RUNE, OP_CLASS, OP_ANY, OP_ANYNL, OP_SPLIT, OP_JMP, OP_SAVE, OP_ASSERT, OP_MATCH };

/* Go refuses programs beyond its size limit ("expression too large"); so do we, lower. */
#define MAX_INSTS 200000

typedef struct {
  uint8_t op;
  bool fold;
  bool neg;
  uint32_t x, y; /* RUNE: rune; SPLIT: preferred, other; JMP: target; SAVE: slot; ASSERT: kind */
  const rx_range *ranges;
  uint32_t n;
} rx_inst;

typedef struct {
  uint32_t pc;
  int32_t *caps;
} rx_thread;

typedef struct {
  uint32_t *mark;
  rx_thread *list[2];
  int32_t *slab[2];
  uint32_t *stack;
  int32_t *scratch;
} rx_vm;

struct rx_prog {
  rx_inst *code;
  uint32_t len, cap;
  bool too_large;
  int ngroups;
  const char **names;
  uint32_t *name_lens;
  rx_vm *vm; /* made on first search, reused by later ones */
};

static uint32_t emit(rx_prog *p, uint8_t op, uint32_t x, uint32_t y) {
  if (p->len >= MAX_INSTS) {
    p->too_large = true;
    return p->len - 1;
  }
  if (p->len == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 32;
    p->code = opa_realloc(p->code, p->cap * sizeof(rx_inst));
  }
  rx_inst *i = &p->code[p->len];
  memset(i, 0, sizeof *i);
  i->op = op;
  i->x = x;
  i->y = y;
  return p->len++;
}

/* Sorts and merges a class's ranges so matching can binary-search them. */
static void normalize(rx_node *c) {
  rx_range *r = c->ranges;
  uint32_t n = c->nranges;
  for (uint32_t i = 1; i < n; i++) { /* insertion sort: tables arrive nearly sorted */
    rx_range v = r[i];
    uint32_t j = i;
    while (j > 0 && r[j - 1].lo > v.lo) {
      r[j] = r[j - 1];
      j--;
    }
    r[j] = v;
  }
  uint32_t out = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (out > 0 && r[i].lo <= r[out - 1].hi + 1) {
      if (r[i].hi > r[out - 1].hi) r[out - 1].hi = r[i].hi;
    } else {
      r[out++] = r[i];
    }
  }
  c->nranges = out;
}

static void compile(rx_prog *p, const rx_node *x);

/* True when x can match the empty string. */
static bool nullable(const rx_node *x) {
  switch (x->kind) {
    case RX_LIT: case RX_CLASS: case RX_ANY: case RX_ANYNL:
      return false;
    case RX_CAT:
      for (uint32_t i = 0; i < x->nkids; i++)
        if (!nullable(x->kids[i])) return false;
      return true;
    case RX_ALT:
      for (uint32_t i = 0; i < x->nkids; i++)
        if (nullable(x->kids[i])) return true;
      return false;
    case RX_CAP:
      return nullable(x->kids[0]);
    case RX_REP:
      return x->min == 0 || nullable(x->kids[0]);
    default:
      return true;
  }
}

static void compile_rep(rx_prog *p, const rx_node *x) {
  const rx_node *kid = x->kids[0];
  int32_t min = x->min, max = x->max;
  if (max == -1) {
    for (int32_t i = 0; i + 1 < min && !p->too_large; i++) compile(p, kid);
    if (min == 0 && nullable(kid)) { /* as Go: x* is (x+)? when x can be empty, for priority */
      uint32_t quest = emit(p, OP_SPLIT, 0, 0);
      uint32_t top = p->len;
      compile(p, kid);
      uint32_t split = emit(p, OP_SPLIT, 0, 0);
      uint32_t out = p->len;
      p->code[split].x = x->greedy ? top : out;
      p->code[split].y = x->greedy ? out : top;
      p->code[quest].x = x->greedy ? top : out;
      p->code[quest].y = x->greedy ? out : top;
    } else if (min == 0) {
      uint32_t split = emit(p, OP_SPLIT, 0, 0);
      compile(p, kid);
      emit(p, OP_JMP, split, 0);
      uint32_t out = p->len;
      p->code[split].x = x->greedy ? split + 1 : out;
      p->code[split].y = x->greedy ? out : split + 1;
    } else {
      uint32_t top = p->len;
      compile(p, kid);
      uint32_t split = emit(p, OP_SPLIT, 0, 0);
      p->code[split].x = x->greedy ? top : split + 1;
      p->code[split].y = x->greedy ? split + 1 : top;
    }
    return;
  }
  for (int32_t i = 0; i < min && !p->too_large; i++) compile(p, kid);
  int32_t optional = max - min;
  if (optional <= 0) return;
  uint32_t *splits = opa_malloc((uint32_t)optional * sizeof(uint32_t));
  for (int32_t i = 0; i < optional && !p->too_large; i++) {
    splits[i] = emit(p, OP_SPLIT, 0, 0);
    compile(p, kid);
  }
  uint32_t out = p->len;
  for (int32_t i = 0; i < optional && !p->too_large; i++) {
    p->code[splits[i]].x = x->greedy ? splits[i] + 1 : out;
    p->code[splits[i]].y = x->greedy ? out : splits[i] + 1;
  }
}

static void compile(rx_prog *p, const rx_node *x) {
  if (p->too_large) return;
  switch (x->kind) {
    case RX_EMPTY:
      return;
    case RX_CAT:
      for (uint32_t i = 0; i < x->nkids; i++) compile(p, x->kids[i]);
      return;
    case RX_LIT: {
      uint32_t i = emit(p, OP_RUNE, x->rune, 0);
      p->code[i].fold = x->fold;
      return;
    }
    case RX_CLASS: {
      normalize((rx_node *)x);
      uint32_t i = emit(p, OP_CLASS, 0, 0);
      p->code[i].fold = x->fold;
      p->code[i].neg = x->neg;
      p->code[i].ranges = x->ranges;
      p->code[i].n = x->nranges;
      return;
    }
    case RX_ANY:
      emit(p, OP_ANY, 0, 0);
      return;
    case RX_ANYNL:
      emit(p, OP_ANYNL, 0, 0);
      return;
    case RX_ASSERT:
      emit(p, OP_ASSERT, x->rune, 0);
      return;
    case RX_CAP:
      emit(p, OP_SAVE, (uint32_t)x->cap * 2, 0);
      compile(p, x->kids[0]);
      emit(p, OP_SAVE, (uint32_t)x->cap * 2 + 1, 0);
      return;
    case RX_ALT: {
      uint32_t *jumps = opa_malloc(x->nkids * sizeof(uint32_t));
      for (uint32_t k = 0; k < x->nkids; k++) {
        uint32_t split = 0;
        bool last = k + 1 == x->nkids;
        if (!last) split = emit(p, OP_SPLIT, 0, 0);
        compile(p, x->kids[k]);
        if (!last) {
          jumps[k] = emit(p, OP_JMP, 0, 0);
          p->code[split].x = split + 1;
          p->code[split].y = p->len;
        }
      }
      for (uint32_t k = 0; k + 1 < x->nkids && !p->too_large; k++) p->code[jumps[k]].x = p->len;
      return;
    }
    case RX_REP:
      compile_rep(p, x);
      return;
  }
}

rx_prog *rx_compile(const char *pat, uint32_t len) {
  rx_ast ast;
  if (!rx_parse(pat, len, &ast)) return NULL;
  rx_prog *p = opa_malloc(sizeof *p);
  memset(p, 0, sizeof *p);
  p->ngroups = ast.ngroups;
  p->names = ast.names;
  p->name_lens = ast.name_lens;
  emit(p, OP_SAVE, 0, 0);
  compile(p, ast.root);
  emit(p, OP_SAVE, 1, 0);
  emit(p, OP_MATCH, 0, 0);
  return p->too_large ? NULL : p;
}

int rx_groups(const rx_prog *p) { return p->ngroups; }

const char *rx_group_name(const rx_prog *p, int i, uint32_t *len) {
  *len = p->names ? p->name_lens[i] : 0;
  return p->names ? p->names[i] : NULL;
}

static bool in_ranges(const rx_range *r, uint32_t n, uint32_t c) {
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (c < r[mid].lo) hi = mid;
    else if (c > r[mid].hi) lo = mid + 1;
    else return true;
  }
  return false;
}

static bool step_matches(const rx_inst *i, uint32_t c) {
  switch (i->op) {
    case OP_ANY:
      return true;
    case OP_ANYNL:
      return c != '\n';
    case OP_RUNE:
      if (c == i->x) return true;
      return i->fold && (unicode_lower(c) == unicode_lower(i->x) || unicode_upper(c) == unicode_upper(i->x));
    case OP_CLASS: {
      bool in = in_ranges(i->ranges, i->n, c);
      if (!in && i->fold)
        in = in_ranges(i->ranges, i->n, unicode_lower(c)) || in_ranges(i->ranges, i->n, unicode_upper(c));
      return in != i->neg;
    }
    default:
      return false;
  }
}

static bool is_word(const char *s, uint32_t len, int64_t at) {
  if (at < 0 || at >= len) return false;
  uint8_t c = (uint8_t)s[at];
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool assertion_holds(uint32_t kind, const char *s, uint32_t len, uint32_t pos) {
  switch (kind) {
    case RX_BOT:
      return pos == 0;
    case RX_EOT:
      return pos == len;
    case RX_BOL:
      return pos == 0 || s[pos - 1] == '\n';
    case RX_EOL:
      return pos == len || s[pos] == '\n';
    case RX_WORDB:
      return is_word(s, len, (int64_t)pos - 1) != is_word(s, len, pos);
    case RX_NWORDB:
      return is_word(s, len, (int64_t)pos - 1) == is_word(s, len, pos);
    default:
      return false;
  }
}

typedef struct {
  const rx_prog *p;
  rx_vm *vm;
  uint32_t gen;
  uint32_t ncap;
  const char *s;
  uint32_t len;
} rx_run;

/* Follows empty transitions from pc at pos, appending the threads that consume input (or match)
 * to list[which] in priority order; caps is the submatch state carried along (restored after). */
static void add_thread(rx_run *r, int which, uint32_t *count, uint32_t pc0, int32_t *caps, uint32_t pos) {
  rx_vm *vm = r->vm;
  uint32_t *stack = vm->stack;
  uint32_t sp = 0;
  /* Frames: a pc, or a restore (slot | 1<<31 followed by the saved value). */
  stack[sp++] = pc0;
  while (sp > 0) {
    uint32_t f = stack[--sp];
    if (f & 0x80000000u) {
      caps[f & 0x7fffffffu] = (int32_t)stack[--sp];
      continue;
    }
    if (vm->mark[f] == r->gen) continue;
    vm->mark[f] = r->gen;
    const rx_inst *in = &r->p->code[f];
    switch (in->op) {
      case OP_JMP:
        stack[sp++] = in->x;
        break;
      case OP_SPLIT:
        stack[sp++] = in->y;
        stack[sp++] = in->x;
        break;
      case OP_SAVE:
        if (in->x < r->ncap) {
          stack[sp++] = (uint32_t)caps[in->x];
          stack[sp++] = in->x | 0x80000000u;
          caps[in->x] = (int32_t)pos;
        }
        stack[sp++] = f + 1;
        break;
      case OP_ASSERT:
        if (assertion_holds(in->x, r->s, r->len, pos)) stack[sp++] = f + 1;
        break;
      default: {
        rx_thread *t = &vm->list[which][*count];
        t->pc = f;
        t->caps = vm->slab[which] + (*count) * r->ncap;
        memcpy(t->caps, caps, r->ncap * sizeof(int32_t));
        (*count)++;
      }
    }
  }
}

static rx_vm *vm_for(rx_prog *p, uint32_t ncap) {
  if (p->vm) return p->vm;
  uint32_t n = p->len;
  rx_vm *vm = opa_malloc(sizeof *vm);
  vm->mark = opa_malloc(n * sizeof(uint32_t));
  memset(vm->mark, 0, n * sizeof(uint32_t));
  for (int k = 0; k < 2; k++) {
    vm->list[k] = opa_malloc(n * sizeof(rx_thread));
    vm->slab[k] = opa_malloc(n * ncap * sizeof(int32_t) + 4);
  }
  vm->stack = opa_malloc((3 * n + 4) * sizeof(uint32_t));
  vm->scratch = opa_malloc(ncap * sizeof(int32_t) + 4);
  p->vm = vm;
  return vm;
}

bool rx_search(const rx_prog *cp, const char *s, uint32_t len, uint32_t start, int32_t *caps) {
  rx_prog *p = (rx_prog *)cp;
  uint32_t ncap = (uint32_t)(p->ngroups + 1) * 2;
  rx_run r = {p, vm_for(p, ncap), 0, caps ? ncap : 0, s, len};
  rx_vm *vm = r.vm;
  for (uint32_t i = 0; i < p->len; i++) vm->mark[i] = 0;
  r.gen = 1;
  int cur = 0;
  uint32_t ccount = 0;
  bool matched = false;
  for (uint32_t pos = start;;) {
    if (!matched) {
      for (uint32_t k = 0; k < r.ncap; k++) vm->scratch[k] = -1;
      add_thread(&r, cur, &ccount, 0, vm->scratch, pos);
    }
    uint32_t c = 0;
    int w = 0;
    if (pos < len) w = utf8_decode((const uint8_t *)s + pos, len - pos, &c);
    if (ccount == 0) { /* no thread here: a match, if any, starts later */
      if (matched || pos >= len) break;
      r.gen++;
      pos += (uint32_t)w;
      continue;
    }
    r.gen++;
    uint32_t ncount = 0;
    for (uint32_t i = 0; i < ccount; i++) {
      rx_thread *t = &vm->list[cur][i];
      const rx_inst *in = &p->code[t->pc];
      if (in->op == OP_MATCH) {
        if (!caps) return true;
        matched = true;
        memcpy(caps, t->caps, ncap * sizeof(int32_t));
        break;
      }
      if (pos < len && step_matches(in, c)) add_thread(&r, 1 - cur, &ncount, t->pc + 1, t->caps, pos + (uint32_t)w);
    }
    cur = 1 - cur;
    ccount = ncount;
    if (pos >= len) break;
    pos += (uint32_t)w;
  }
  return matched;
}

/* Compiled patterns of this evaluation (the heap rewind between evaluations frees them), so a
 * rule that matches many values against one pattern compiles it once. */
#define CACHE_SIZE 16
static struct {
  uint32_t epoch;
  const char *text;
  uint32_t len;
  rx_prog *prog; /* NULL: the pattern is invalid */
} cache[CACHE_SIZE];
static uint32_t cache_next;

rx_prog *rx_compile_cached(const char *p, uint32_t n) {
  uint32_t epoch = opa_heap_epoch();
  for (int i = 0; i < CACHE_SIZE; i++)
    if (cache[i].epoch == epoch && cache[i].text && cache[i].len == n && memcmp(cache[i].text, p, n) == 0)
      return cache[i].prog;
  rx_prog *prog = rx_compile(p, n);
  uint32_t slot = cache_next++ % CACHE_SIZE;
  char *copy = opa_malloc(n + 1);
  memcpy(copy, p, n);
  cache[slot].epoch = epoch;
  cache[slot].text = copy;
  cache[slot].len = n;
  cache[slot].prog = prog;
  return prog;
}
