/* RE2-syntax regular expressions as Go's regexp package reads them (Perl flags), matched in time
 * linear in the input by a Pike VM: no backtracking, no backreferences, no look-around. */
#ifndef OPA_REGEX_H
#define OPA_REGEX_H

#include "opa.h"

typedef struct rx_prog rx_prog;

/* Compiles a pattern; NULL when Go's regexp.Compile would reject it (or it is too large). */
rx_prog *rx_compile(const char *pat, uint32_t len);

/* rx_compile through a small cache of this evaluation's patterns (the heap rewind between
 * evaluations frees them), so matching many values against one pattern compiles it once. */
rx_prog *rx_compile_cached(const char *pat, uint32_t len);

/* Number of capture groups, not counting the whole match. */
int rx_groups(const rx_prog *p);

/* Name of group i (1-based), or NULL with *len 0 for unnamed groups. */
const char *rx_group_name(const rx_prog *p, int i, uint32_t *len);

/* Leftmost-first search of s[start..] (assertions see all of s). On a match fills caps, when given,
 * with 2 * (rx_groups + 1) byte offsets (-1 for groups that did not take part) and returns true. */
bool rx_search(const rx_prog *p, const char *s, uint32_t len, uint32_t start, int32_t *caps);

/* True when cp is in the named Unicode category or script ("L", "Greek", ...). */
bool unicode_class_has(const char *name, uint32_t cp);

/* ---- internals shared by regex-parse.c and regex.c ---- */

typedef struct {
  uint32_t lo, hi;
} rx_range;

enum {
  RX_EMPTY,
  RX_LIT,   /* rune; fold = case-insensitive */
  RX_CLASS, /* ranges; neg; fold */
  RX_ANY,   /* any rune */
  RX_ANYNL, /* any rune but \n */
  RX_ASSERT,
  RX_CAT,
  RX_ALT,
  RX_CAP,
  RX_REP,
};

/* RX_ASSERT kinds */
enum { RX_BOL = 1, RX_EOL = 2, RX_BOT = 4, RX_EOT = 8, RX_WORDB = 16, RX_NWORDB = 32 };

typedef struct rx_node {
  uint8_t kind;
  bool fold;
  bool neg;
  bool greedy;
  uint32_t rune; /* LIT rune, ASSERT kind */
  int32_t min, max; /* REP; max -1 = unbounded */
  int32_t cap;      /* CAP index */
  rx_range *ranges;
  uint32_t nranges, rcap;
  struct rx_node **kids;
  uint32_t nkids, kcap;
} rx_node;

typedef struct {
  rx_node *root;
  int ngroups;
  const char **names; /* 1-based; NULL when unnamed */
  uint32_t *name_lens;
} rx_ast;

bool rx_parse(const char *pat, uint32_t len, rx_ast *out);

#endif
